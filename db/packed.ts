import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { openDb, type Db } from './connection.js';

/**
 * Points packed per signal and UTC day (migration 0106, table `points_packed`): what `SqliteStore.readColumns`
 * reads, so that ten years of 5-minute points reach the detector as a copy per day instead of a JavaScript call
 * per row. Derived from `points` (which stays the data) and kept equal to it: `SqliteStore.writeWindow` merges
 * each window's points into the days they touch in the same transaction; signals whose points predate the table
 * are listed in `points_unpacked` until `packPending` packs them (until then they are read from `points`).
 *
 * A day's blob: n float64 values (no data = NaN), then n int32 offsets (seconds from the day's start), in time
 * order, little-endian (the byte order of every platform Node supports here): 12 bytes a point.
 */
export const PACK_DAY = 86400;

const dayOf = (ts: number) => Math.floor(ts / PACK_DAY) * PACK_DAY;

/** A stored value as `points` gives it back: NULL and NaN are no data (NaN); SQLite stores -0 as 0. */
const stored = (v: number | null) => (v === null || Number.isNaN(v) ? Number.NaN : v === 0 ? 0 : v);

/** The blob of n points (offsets from the day's start, values), in time order. */
export function encodeDay(offsets: ArrayLike<number>, values: ArrayLike<number>, n: number): Buffer {
  const buf = new ArrayBuffer(n * 12);
  const v = new Float64Array(buf, 0, n);
  const o = new Int32Array(buf, n * 8, n);
  for (let i = 0; i < n; i++) {
    v[i] = values[i]!;
    o[i] = offsets[i]!;
  }
  return Buffer.from(buf);
}

/** A blob's points as (offsets, values). */
export function decodeDay(blob: Uint8Array): { offsets: Int32Array; values: Float64Array } {
  if (blob.length % 12 !== 0) throw new Error(`packed day of ${blob.length} bytes: not a whole number of points`);
  const n = blob.length / 12;
  // copied into aligned memory (a Buffer may start at any byte)
  const buf = new ArrayBuffer(blob.length);
  new Uint8Array(buf).set(blob);
  return { values: new Float64Array(buf, 0, n), offsets: new Int32Array(buf, n * 8, n) };
}

type Columns = { ts: Float64Array; values: Float64Array; length: number };

/** Aligned scratch for a day's offsets and values while decoding (one per thread). */
let offsetScratch = new Int32Array(512);
let valueScratch = new Float64Array(512);

/** How many points a packed day holds (12 bytes each); otherwise an error naming the day and the signal. */
function pointsIn(blob: Buffer, day: number, signalId: number): number {
  const n = blob.length / 12;
  if (!Number.isInteger(n)) throw new Error(`packed day ${day} of signal ${signalId}: ${blob.length} bytes, not a whole number of points`);
  return n;
}

/** A day's n offsets, copied into aligned scratch (valid until the next call; a Buffer may start at any byte). */
function offsetsOf(blob: Buffer, n: number): Int32Array {
  if (offsetScratch.length < n) offsetScratch = new Int32Array(n);
  new Uint8Array(offsetScratch.buffer, 0, n * 4).set(blob.subarray(n * 8));
  return offsetScratch;
}

/** A day's n values, copied into aligned scratch (valid until the next call). */
function valuesOf(blob: Buffer, n: number): Float64Array {
  if (valueScratch.length < n) valueScratch = new Float64Array(n);
  new Uint8Array(valueScratch.buffer, 0, n * 8).set(blob.subarray(0, n * 8));
  return valueScratch;
}

/** Packed day rows (in day order) as two columns, cut to [from, until). */
function decodeDays(rows: ReadonlyArray<[number, Buffer]>, from: number, until: number, signalId: number): Columns {
  let total = 0;
  for (const r of rows) total += r[1].length / 12;
  const ts = new Float64Array(total);
  const values = new Float64Array(total);
  const v8 = new Uint8Array(values.buffer);
  let pos = 0;
  for (const [day, blob] of rows) {
    const n = pointsIn(blob, day, signalId);
    v8.set(blob.subarray(0, n * 8), pos * 8);
    const o = offsetsOf(blob, n);
    for (let i = 0; i < n; i++) ts[pos + i] = day + o[i]!;
    pos += n;
  }
  // the first and last day may reach outside [from, until)
  let lo = 0;
  while (lo < total && ts[lo]! < from) lo++;
  let hi = total;
  while (hi > lo && ts[hi - 1]! >= until) hi--;
  return { ts: ts.subarray(lo, hi), values: values.subarray(lo, hi), length: hi - lo };
}

/**
 * A signal's points on a regular grid of `step` seconds anchored at its first point, as the detector's `toGrid`
 * (services/detector/series.ts) puts them (NaN where a step has no point; a point off the grid goes to the nearest
 * step, the later of two on one step wins), with the first and last time read and how many points.
 */
export interface PackedGrid {
  start: number;
  step: number;
  values: Float64Array;
  first: number;
  last: number;
  length: number;
}

/** Packed day rows (in day order, each in time order) put straight on the grid: no time column is made. */
function decodeDaysOnGrid(rows: ReadonlyArray<[number, Buffer]>, step: number, signalId: number): PackedGrid {
  let total = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const [day, blob] of rows) {
    const n = pointsIn(blob, day, signalId);
    if (n === 0) continue;
    total += n;
    // a day's offsets are in time order: its first and last points are its earliest and latest
    lo = Math.min(lo, day + blob.readInt32LE(n * 8));
    hi = Math.max(hi, day + blob.readInt32LE(n * 12 - 4));
  }
  if (total === 0) return { start: 0, step, values: new Float64Array(0), first: NaN, last: NaN, length: 0 };
  const start = lo;
  const len = Math.floor((hi - start) / step) + 1;
  const out = new Float64Array(len).fill(NaN);
  const inv = 1 / step;
  for (const [day, blob] of rows) {
    const n = blob.length / 12;
    if (n === 0) continue;
    const o = offsetsOf(blob, n);
    const v = valuesOf(blob, n);
    for (let i = 0; i < n; i++) {
      // where toGrid puts it (Math.round of the division); a point on the grid is found by a multiplication
      const x = day + o[i]! - start;
      let k = Math.round(x * inv);
      if (k * step !== x) k = Math.round(x / step);
      if (k >= 0 && k < len) out[k] = v[i]!;
    }
  }
  return { start, step, values: out, first: lo, last: hi, length: total };
}

/**
 * Where another thread can read a signal's packed points itself, on a connection of its own (a detection's judging
 * threads: services/detector/pool.ts): the database file and the signal. Only for a file database whose signal is
 * packed.
 */
export interface PackedSource {
  path: string;
  signalId: number;
}

const RANGE_SQL = 'SELECT day, data FROM points_packed WHERE signal_id = ? AND day >= ? AND day < ? ORDER BY day';

/**
 * Read-only connections of this thread, one per database file (kept while the thread lives; opened again when the
 * file at that path is another one: replaced, restored from a backup).
 */
const readers = new Map<string, { ino: number; db: Db; range: Database.Statement<[number, number, number], [number, Buffer]> }>();

/**
 * `PackedPoints.read` from another thread: on a read-only connection of this thread to `source.path` (opened on first
 * use, then kept). It reads what is committed when it runs (as any read outside a transaction does).
 */
export function readPackedSource(source: PackedSource, from: number, until: number): Columns {
  return decodeDays(readerOf(source.path).range.all(source.signalId, dayOf(from), until), from, until, source.signalId);
}

/** All of a signal's packed points, read as `readPackedSource` reads them, on a grid of `step` seconds (`PackedGrid`). */
export function readPackedGrid(source: PackedSource, step: number): PackedGrid {
  if (!(step > 0)) throw new Error(`a grid needs a step > 0 (${step})`);
  return decodeDaysOnGrid(readerOf(source.path).range.all(source.signalId, -1e12, 1e12), step, source.signalId);
}

/**
 * How much of the file a reader thread's connection maps into memory: its page reads are then copies from the
 * mapping, not a read() call per page (reading a ten-year signal's packed days took 40 % less). A read-only
 * connection does not write through the mapping; SQLite maps up to its own limit and reads the rest as usual.
 */
export const READER_MMAP_BYTES = 1 << 30;

function readerOf(path: string) {
  const ino = statSync(path).ino;
  let r = readers.get(path);
  if (r && r.ino !== ino) {
    r.db.close();
    r = undefined;
  }
  if (!r) {
    const db = openDb(path, { readonly: true });
    db.pragma(`mmap_size = ${READER_MMAP_BYTES}`);
    r = { ino, db, range: db.prepare<[number, number, number], [number, Buffer]>(RANGE_SQL).raw(true) };
    readers.set(path, r);
  }
  return r;
}

export class PackedPoints {
  private readonly stmts;
  constructor(private readonly db: Db) {
    this.stmts = {
      get: db.prepare<[number, number], Buffer>('SELECT data FROM points_packed WHERE signal_id = ? AND day = ?').pluck(),
      // an update in place when the day exists (INSERT OR REPLACE would delete the row and its index entry first)
      put: db.prepare(
        'INSERT INTO points_packed (signal_id, day, data) VALUES (?, ?, ?) ON CONFLICT (signal_id, day) DO UPDATE SET data = excluded.data',
      ),
      range: db.prepare<[number, number, number], [number, Buffer]>(RANGE_SQL).raw(true),
      unpacked: db.prepare<[number], number>('SELECT 1 FROM points_unpacked WHERE signal_id = ?').pluck(),
      pending: db.prepare<[], number>('SELECT signal_id FROM points_unpacked ORDER BY signal_id').pluck(),
      done: db.prepare('DELETE FROM points_unpacked WHERE signal_id = ?'),
      clear: db.prepare('DELETE FROM points_packed WHERE signal_id = ?'),
      markAll: db.prepare('INSERT OR IGNORE INTO points_unpacked (signal_id) SELECT DISTINCT signal_id FROM points'),
      clearAll: db.prepare('DELETE FROM points_packed'),
    };
  }

  /** Whether the signal's packed rows hold all its points (false: read it from `points`). */
  ready(signalId: number): boolean {
    return this.stmts.unpacked.get(signalId) === undefined;
  }

  /**
   * Inside the transaction that upserted them into `points`: merges a series' points (any order; for a time given
   * twice the later wins, as the upsert) into the packed days they touch. A signal not packed yet is left alone.
   */
  merge(signalId: number, ts: ArrayLike<number>, values: ArrayLike<number | null>, n: number): void {
    if (n === 0 || !this.ready(signalId)) return;
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) if (!(ts[i]! > ts[i - 1]!)) sorted = false;
    let order: number[] | null = null;
    if (!sorted) {
      const idx = Array.from({ length: n }, (_, i) => i);
      idx.sort((a, b) => ts[a]! - ts[b]! || a - b);
      // equal times: keep the last given
      order = idx.filter((k, j) => j === idx.length - 1 || ts[idx[j + 1]!] !== ts[k]);
    }
    const m = order ? order.length : n;
    const at = (j: number) => (order ? order[j]! : j);
    let j = 0;
    while (j < m) {
      const day = dayOf(ts[at(j)]!);
      let e = j;
      while (e < m && ts[at(e)]! < day + PACK_DAY) e++;
      const k = e - j;
      const blob = this.stmts.get.get(signalId, day);
      let outO: Int32Array;
      let outV: Float64Array;
      let len: number;
      if (blob === undefined) {
        outO = new Int32Array(k);
        outV = new Float64Array(k);
        for (let i = 0; i < k; i++) {
          const p = at(j + i);
          outO[i] = ts[p]! - day;
          outV[i] = stored(values[p]!);
        }
        len = k;
      } else {
        // merge two lists in time order, the window's point replacing a stored one at the same time
        const old = decodeDay(blob);
        const a = old.offsets.length;
        outO = new Int32Array(a + k);
        outV = new Float64Array(a + k);
        len = 0;
        let x = 0;
        let y = 0;
        while (x < a || y < k) {
          const oy = y < k ? ts[at(j + y)]! - day : Infinity;
          const ox = x < a ? old.offsets[x]! : Infinity;
          if (oy <= ox) {
            outO[len] = oy;
            outV[len++] = stored(values[at(j + y)]!);
            y++;
            if (ox === oy) x++;
          } else {
            outO[len] = ox;
            outV[len++] = old.values[x]!;
            x++;
          }
        }
      }
      this.stmts.put.run(signalId, day, encodeDay(outO, outV, len));
      j = e;
    }
  }

  /** The points of [from, until) as two columns (time, value; NaN = no data), in time order. */
  read(signalId: number, from: number, until: number): Columns {
    return decodeDays(this.stmts.range.all(signalId, dayOf(from), until), from, until, signalId);
  }

  /**
   * Packs every signal listed in `points_unpacked` (points stored before migration 0106, or copied in by `db copy`),
   * one transaction per signal, reading its points with `readAll`. Returns how many signals it packed.
   */
  packPending(readAll: (signalId: number) => Columns): number {
    let packed = 0;
    for (const id of this.stmts.pending.all()) {
      const did = this.db
        .transaction(() => {
          // another connection may have packed it meanwhile
          if (this.ready(id)) return false;
          this.stmts.clear.run(id);
          const { ts, values, length } = readAll(id);
          let j = 0;
          while (j < length) {
            const day = dayOf(ts[j]!);
            let e = j;
            while (e < length && ts[e]! < day + PACK_DAY) e++;
            const offsets = new Int32Array(e - j);
            for (let i = j; i < e; i++) offsets[i - j] = ts[i]! - day;
            this.stmts.put.run(id, day, encodeDay(offsets, values.subarray(j, e), e - j));
            j = e;
          }
          this.stmts.done.run(id);
          return true;
        })
        .immediate();
      if (did) packed++;
    }
    return packed;
  }

  /** After points were written around `writeWindow` (`db copy` into SQLite): packs every signal again. */
  repackAll(readAll: (signalId: number) => Columns): number {
    this.db.transaction(() => {
      this.stmts.markAll.run();
      this.stmts.clearAll.run();
    })();
    return this.packPending(readAll);
  }
}
