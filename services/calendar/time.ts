import { DateTime } from 'luxon';

/**
 * Local dates and times of calendar events. Every conversion names its zone explicitly: the
 * machine's zone is never used.
 */

/** A start or end value as written in an input. */
export type TimeValue =
  | { type: 'date'; date: string } // YYYY-MM-DD, a local calendar day
  | { type: 'local'; dt: string } // YYYY-MM-DDTHH:mm[:ss], a local wall-clock time
  | { type: 'instant'; ts: number }; // an instant (had Z or an offset, or Unix seconds)

export class TimeValueError extends Error {}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;
const INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** Checks that a Y-M-D exists (2016-02-30 does not). */
function realDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || y < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= days;
}

/**
 * Zone arithmetic is costly (each luxon conversion asks ICU), and imports convert the same few
 * (zone, day) pairs over and over: remember the answers (bounded).
 */
function memo<K, V>(fn: (k: K) => V, max = 100_000): (k: K) => V {
  const cache = new Map<K, V>();
  return (k: K) => {
    const hit = cache.get(k);
    if (hit !== undefined || cache.has(k)) return hit as V;
    const v = fn(k);
    if (cache.size >= max) cache.clear();
    cache.set(k, v);
    return v;
  };
}

/**
 * Reads a time value. Accepted: `2016-05-21`, `2016-05-21T11:00[:00]`, an ISO instant with `Z` or an
 * offset, Unix seconds (9 to 12 digits), and the day-month-year style of ACLED web exports (`21 May 2016`,
 * `21-May-2016`; four-digit years only). Throws TimeValueError with the reason.
 */
export function parseTimeValue(input: string): TimeValue {
  const s = input.trim();
  if (!s) throw new TimeValueError('missing');
  let m = DATE_RE.exec(s);
  if (m) {
    if (!realDate(+m[1]!, +m[2]!, +m[3]!)) throw new TimeValueError(`impossible date "${s}"`);
    return { type: 'date', date: s };
  }
  m = INSTANT_RE.exec(s);
  if (m) {
    if (!realDate(+m[1]!, +m[2]!, +m[3]!)) throw new TimeValueError(`impossible date "${s}"`);
    const d = DateTime.fromISO(s.replace(' ', 'T').replace(/\s+/g, ''), { zone: 'utc', setZone: true });
    if (!d.isValid) throw new TimeValueError(`impossible time "${s}"`);
    return { type: 'instant', ts: Math.floor(d.toSeconds()) };
  }
  m = LOCAL_RE.exec(s);
  if (m) {
    if (!realDate(+m[1]!, +m[2]!, +m[3]!)) throw new TimeValueError(`impossible date "${s}"`);
    if (+m[4]! > 23 || +m[5]! > 59 || +(m[6] ?? 0) > 59) throw new TimeValueError(`impossible time "${s}"`);
    return { type: 'local', dt: s.replace(' ', 'T') };
  }
  if (/^-?\d{9,12}$/.test(s)) return { type: 'instant', ts: Number(s) };
  const dmy = parseDayMonthYear(s);
  if (dmy) return { type: 'date', date: dmy };
  throw new TimeValueError(`not a date or time "${s}" (expected YYYY-MM-DD, YYYY-MM-DDTHH:MM or an ISO 8601 instant)`);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** `16 May 2025`, `16 May, 2025`, `16-May-2025`, `16 September 2025` → `2025-05-16`; impossible days throw. */
export function parseDayMonthYear(s: string): string | null {
  const m = /^(\d{1,2})[\s-]+([A-Za-z]{3,9})\.?,?[\s-]+(\d{4})$/.exec(s.trim());
  if (!m) return null;
  const name = m[2]!.toLowerCase();
  const idx = MONTHS.findIndex((p) => name.startsWith(p) && (name.length === 3 || fullMonth(p) === name || name === 'sept'));
  if (idx < 0) return null;
  const y = +m[3]!;
  const d = +m[1]!;
  if (!realDate(y, idx + 1, d)) throw new TimeValueError(`impossible date "${s}"`);
  return `${m[3]}-${String(idx + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function fullMonth(p: string): string {
  return ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'][
    MONTHS.indexOf(p)
  ]!;
}

/** The first instant of a local day in `tz` (00:00, or the first existing time when DST skips midnight). */
export function localDayStart(date: string, tz: string): number {
  return localToInstant(`${date}T00:00:00`, tz);
}

/** [first local day 00:00, day after last local day 00:00) in `tz`, Unix seconds. `last` is inclusive. */
export function allDayRange(first: string, last: string, tz: string): [number, number] {
  return [localDayStart(first, tz), localDayStart(nextDate(last), tz)];
}

/**
 * A local wall-clock time in `tz` → Unix seconds. A time that occurs twice (clocks set back) is its
 * EARLIER occurrence; a time that does not exist (clocks set forward) moves forward by the gap
 * (RFC 5545 and Temporal's "compatible" choice).
 */
export function localToInstant(dt: string, tz: string): number {
  return localToInstantMemo(`${tz}\u0000${dt}`);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset in minutes at an instant (one cached Intl formatter per zone). */
export function offsetMinutes(tz: string, ts: number): number {
  return offsetMemo(`${tz}\u0000${ts}`);
}

const offsetMemo = memo((key: string): number => {
  const [tz, tsText] = key.split('\u0000') as [string, string];
  return computeOffset(tz, Number(tsText));
});

function computeOffset(tz: string, ts: number): number {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(tz, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(ts * 1000))) p[part.type] = part.value;
  let year = Number(p.year);
  if (p.era === 'BC' || p.era === 'B') year = 1 - year;
  const asUtc = Date.UTC(year, Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) / 1000;
  return Math.round((asUtc - ts) / 60);
}

const localToInstantMemo = memo((key: string): number => {
  const [tz, dt] = key.split('\u0000') as [string, string];
  const wallMs = Date.parse(`${dt.length === 16 ? `${dt}:00` : dt.slice(0, 19)}Z`);
  if (!Number.isFinite(wallMs)) throw new TimeValueError(`impossible time "${dt}"`);
  const wall = Math.floor(wallMs / 1000);
  // the offsets in force a day before and a day after: the only candidates for this wall time
  const before = offsetMinutes(tz, wall - 86_400);
  const after = offsetMinutes(tz, wall + 86_400);
  if (before === after && offsetMinutes(tz, wall - before * 60) === before) return wall - before * 60;
  let best: number | null = null;
  for (const o of new Set([before, offsetMinutes(tz, wall), after])) {
    const ts = wall - o * 60;
    if (offsetMinutes(tz, ts) === o && (best === null || ts < best)) best = ts;
  }
  // a wall time skipped by a forward jump: read it with the offset before the jump (lands after the gap)
  return best ?? wall - before * 60;
});

/** The local calendar day of an instant in `tz`: `2016-05-21`. */
export function localDate(ts: number, tz: string): string {
  return localDateMemo(`${tz}\u0000${ts}`);
}

const localDateMemo = memo((key: string): string => {
  const [tz, tsText] = key.split('\u0000') as [string, string];
  const ts = Number(tsText);
  return new Date((ts + offsetMinutes(tz, ts) * 60) * 1000).toISOString().slice(0, 10);
});

/** ISO 8601 with the zone's offset at that instant: `2016-05-21T00:00:00+06:00`. */
export function localIso(ts: number, tz: string): string {
  return DateTime.fromSeconds(ts, { zone: tz }).toISO({ suppressMilliseconds: true })!;
}

/** True when the instant is the first instant of its local day in `tz`. */
export function isLocalDayStart(ts: number, tz: string): boolean {
  return localDayStart(localDate(ts, tz), tz) === ts;
}

/** The local day after `date` (`2016-12-31` → `2017-01-01`). */
export function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** The local day before `date`. */
export function previousDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}
