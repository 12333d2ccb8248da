import { isoUtc } from '../../core/time.js';
import type { FlatPoints } from '../downsample.js';

/**
 * The `/api/signals` JSON body written straight into bytes from the downsampled columns: the same bytes
 * `JSON.stringify` gives for the document (test/dashboards/api/signals-json.test.ts compares them, property-tested
 * over any double), without an array per point, the number-to-string conversions of `JSON.stringify` for the
 * common values, or a second pass turning the text into UTF-8. Issue 21: formatting 2,900 points took as long as
 * the statement that reads them.
 *
 * Numbers: integers below 2^31 and values with at most two decimals below 2^31 / 100 (what the sources store:
 * counts, and IODA's values rounded to hundredths) are written digit by digit. Every other number goes through
 * `String(x)`, which is what `JSON.stringify` writes for a finite number; NaN and ±Infinity are written as `null`,
 * as `JSON.stringify` does.
 *
 * Why the two-decimal form is the one JavaScript writes: for |x| < 2^31 / 100 the gap between two doubles is far
 * below 0.005, so no two decimals with at most two fractional digits map to the same double; when `r / 100 === x`
 * (r an integer: the division is correctly rounded, as is reading the text back) the text of r / 100 reads back
 * as x, and any text with fewer significant digits is another multiple of 0.01, which does not. So it is the
 * shortest text that reads back as x, which is what `Number.prototype.toString` gives.
 */

const INT_LIMIT = 2147483648;
const C_0 = 48;
const C_COMMA = 44;
const C_OPEN = 91;
const C_CLOSE = 93;
const C_QUOTE = 34;
const C_DOT = 46;
const C_MINUS = 45;
/** "null" */
const NULL = [110, 117, 108, 108] as const;

/** A growing byte buffer, reused between bodies (the finished body is copied out at its exact size). */
class Bytes {
  buf: Buffer = Buffer.allocUnsafe(256 * 1024);
  pos = 0;

  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** Any string (UTF-8). */
  text(s: string): void {
    this.reserve(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  byte(c: number): void {
    this.reserve(1);
    this.buf[this.pos++] = c;
  }

  /** The bytes written, copied out at their size; the buffer is then reused. */
  take(): Buffer {
    const b = this.buf;
    const out = Buffer.from(b.buffer.slice(b.byteOffset, b.byteOffset + this.pos));
    this.pos = 0;
    return out;
  }
}

/** Decimal digits of a non-negative integer below 2^31. */
function digits(x: number): number {
  if (x < 100_000) return x < 10 ? 1 : x < 100 ? 2 : x < 1000 ? 3 : x < 10_000 ? 4 : 5;
  return x < 1_000_000 ? 6 : x < 10_000_000 ? 7 : x < 100_000_000 ? 8 : x < 1_000_000_000 ? 9 : 10;
}

/** "00" … "99" as byte pairs. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, i) => C_0 + (i & 1 ? (i >> 1) % 10 : Math.floor((i >> 1) / 10)));

/** Writes a non-negative integer below 2^31 at `pos`; returns the position after it (int32 arithmetic, two digits a step). */
function writeUint(b: Buffer, pos: number, x: number): number {
  x = x | 0;
  const end = pos + digits(x);
  let p = end;
  while (x >= 100) {
    const q = (x / 100) | 0;
    const r = (x - q * 100) << 1;
    b[--p] = PAIRS[r + 1]!;
    b[--p] = PAIRS[r]!;
    x = q;
  }
  if (x >= 10) {
    const r = x << 1;
    b[--p] = PAIRS[r + 1]!;
    b[--p] = PAIRS[r]!;
  } else b[--p] = C_0 + x;
  return end;
}

/** Writes a number as JSON.stringify does at `pos` (room for 32 bytes); returns the position after it. */
function writeNumber(b: Buffer, pos: number, x: number): number {
  if (x !== x || x === Infinity || x === -Infinity) {
    b[pos] = NULL[0];
    b[pos + 1] = NULL[1];
    b[pos + 2] = NULL[2];
    b[pos + 3] = NULL[3];
    return pos + 4;
  }
  if (x === 0) {
    // -0 too, as JSON.stringify writes it
    b[pos] = C_0;
    return pos + 1;
  }
  const a = x < 0 ? -x : x;
  if (a < INT_LIMIT) {
    if ((a | 0) === a) {
      if (x < 0) b[pos++] = C_MINUS;
      return writeUint(b, pos, a);
    }
    const r = Math.round(a * 100);
    if (r < INT_LIMIT && r / 100 === a) {
      if (x < 0) b[pos++] = C_MINUS;
      const ri = r | 0;
      const whole = (ri / 100) | 0;
      const frac = (ri - whole * 100) << 1;
      pos = writeUint(b, pos, whole);
      b[pos++] = C_DOT;
      b[pos++] = PAIRS[frac]!;
      if (PAIRS[frac + 1] !== C_0) b[pos++] = PAIRS[frac + 1]!;
      return pos;
    }
  }
  return pos + b.write(String(x), pos, 'latin1');
}

/** Room one point may take: "[" time "," value "]" "," (a number is at most 25 bytes, a quoted ISO time 22). */
const POINT_BYTES = 56;

/** Writes `[t,v],…` for the n points; `w` has room for them. */
function writePoints(w: Bytes, t: Float64Array, v: Float64Array, n: number, iso: boolean): void {
  if (iso) {
    writeIsoPoints(w, t, v, n);
    return;
  }
  const b = w.buf;
  let pos = w.pos;
  // the first five digits of a ten-digit time (every time from September 2001 to 2038) change about once a day:
  // they are copied from the last point's, and only the last five computed
  let high = -1;
  let h0 = 0;
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) b[pos++] = C_COMMA;
    b[pos++] = C_OPEN;
    const ti = t[i]!;
    if (ti >= 1_000_000_000 && ti < INT_LIMIT && (ti | 0) === ti) {
      const hi = (ti / 100_000) | 0;
      if (hi !== high) {
        high = hi;
        writeUint(b, pos, hi);
        h0 = b[pos]!;
        h1 = b[pos + 1]!;
        h2 = b[pos + 2]!;
        h3 = b[pos + 3]!;
        h4 = b[pos + 4]!;
      }
      b[pos] = h0;
      b[pos + 1] = h1;
      b[pos + 2] = h2;
      b[pos + 3] = h3;
      b[pos + 4] = h4;
      const lo = ti - hi * 100_000;
      const q1 = (lo / 100) | 0;
      const r1 = (lo - q1 * 100) << 1;
      const q2 = (q1 / 100) | 0;
      const r2 = (q1 - q2 * 100) << 1;
      b[pos + 5] = C_0 + q2;
      b[pos + 6] = PAIRS[r2]!;
      b[pos + 7] = PAIRS[r2 + 1]!;
      b[pos + 8] = PAIRS[r1]!;
      b[pos + 9] = PAIRS[r1 + 1]!;
      pos += 10;
    }
    // other whole seconds after 1970 (before 2038): the integer path directly
    else pos = ti > 0 && ti < INT_LIMIT && (ti | 0) === ti ? writeUint(b, pos, ti) : writeNumber(b, pos, ti);
    b[pos++] = C_COMMA;
    pos = writeNumber(b, pos, v[i]!);
    b[pos++] = C_CLOSE;
  }
  w.pos = pos;
}

function writeIsoPoints(w: Bytes, t: Float64Array, v: Float64Array, n: number): void {
  const b = w.buf;
  let pos = w.pos;
  for (let i = 0; i < n; i++) {
    if (i > 0) b[pos++] = C_COMMA;
    b[pos++] = C_OPEN;
    b[pos++] = C_QUOTE;
    pos += b.write(isoUtc(t[i]!), pos, 'latin1');
    b[pos++] = C_QUOTE;
    b[pos++] = C_COMMA;
    pos = writeNumber(b, pos, v[i]!);
    b[pos++] = C_CLOSE;
  }
  w.pos = pos;
}

const scratch = new Bytes();

/** One series of the document: everything but `points` (which is written last), and its points as columns. */
export interface SeriesBody {
  /** The series object without points; its keys in the document's order (`points` comes after them). */
  head: Record<string, unknown>;
  /** `seriesOpening(head)`, when the caller kept it from an earlier body (the same head gives the same text). */
  opening?: string;
  flat: FlatPoints;
}

/**
 * The bytes of `JSON.stringify({ ...doc, series: series.map((s) => ({ ...s.head, points })) })`, where `points`
 * are the `[time, value]` tuples of `s.flat` (NaN → null), times as Unix seconds or, with `iso`, as ISO 8601 UTC
 * strings. `doc`'s last key must be `series` (its value is ignored).
 */
export function signalsBody(doc: Record<string, unknown>, series: readonly SeriesBody[], iso: boolean): Buffer {
  const w = scratch;
  w.pos = 0;
  // `"series":0}` with the 0 replaced by the array: the same keys, order and escaping as JSON.stringify's
  w.text(openLast(doc, 'series'));
  w.byte(C_OPEN);
  for (let s = 0; s < series.length; s++) {
    if (s > 0) w.byte(C_COMMA);
    const { head, flat, opening } = series[s]!;
    w.text(opening ?? seriesOpening(head));
    w.byte(C_OPEN);
    w.reserve(flat.n * POINT_BYTES);
    writePoints(w, flat.t, flat.v, flat.n, iso);
    w.byte(C_CLOSE);
    w.byte(125); // }
  }
  w.byte(C_CLOSE);
  w.byte(125);
  return w.take();
}

/** The text a series object starts with in the body, up to its points: `{"signal":…,"points":`. */
export function seriesOpening(head: Record<string, unknown>): string {
  return openLast({ ...head, points: 0 }, 'points');
}

/** JSON.stringify(obj) up to the value of its last key `last` (which must be last), i.e. ending in `"last":`. */
function openLast(obj: Record<string, unknown>, last: string): string {
  const text = JSON.stringify({ ...obj, [last]: 0 });
  const tail = `${JSON.stringify(last)}:0}`;
  if (!text.endsWith(tail)) throw new Error(`signalsBody: "${last}" must be the last key`);
  return text.slice(0, -2);
}
