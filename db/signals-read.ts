import type { Statement } from 'better-sqlite3';
import type { Db } from './connection.js';
import type { SqliteStore } from './store.js';

/** Read queries the API needs beyond the store's own: columnar series reads, extents, data version. */

/** Where points are read: raw points, or the hourly, 6-hour (`6h`, table `points_6h`) or daily rollup. */
export type Resolution = 'raw' | 'hourly' | '6h' | 'daily';

const ROLLUP_TABLE = { hourly: 'points_hourly', '6h': 'points_6h', daily: 'points_daily' } as const;

/**
 * A series as parallel columns, ascending by ts. For raw points lo = hi = value. `loTs` / `hiTs` (when read):
 * the time of the point holding `lo` / `hi` (rollup rows: min_ts / max_ts, migration 0105; the row's own start
 * when a row predates them; raw points: ts).
 */
export interface SeriesColumns {
  ts: number[];
  lo: Array<number | null>;
  hi: Array<number | null>;
  mean: Array<number | null>;
  loTs?: number[];
  hiTs?: number[];
}

/** ts, min, max, mean */
type RollupTuple = [number, number | null, number | null, number | null];

interface Stmts {
  raw: Statement<[number, number, number], [number, number | null]>;
  hourly: Statement<[number, number, number], RollupTuple>;
  daily: Statement<[number, number, number], RollupTuple>;
  sixHourly: Statement<[number, number, number], RollupTuple>;
  extent: Statement<[number, number], [number | null, number | null]>;
  extents: Statement<[string], [number, number | null, number | null]>;
  dailyCounts: Statement<[string], [number, number, number]>;
  firstTs: Statement<[number], [number]>;
  dataVersion: Statement<[], [number]>;
  totalChanges: Statement<[], [number]>;
}

const cache = new WeakMap<Db, Stmts>();

function stmts(db: Db): Stmts {
  let s = cache.get(db);
  if (!s) {
    s = {
      raw: db
        .prepare<[number, number, number], [number, number | null]>(
          'SELECT ts, value FROM points WHERE signal_id = ? AND ts >= ? AND ts < ? ORDER BY ts',
        )
        .raw(true),
      hourly: db
        .prepare<[number, number, number], RollupTuple>(
          'SELECT ts, min, max, mean FROM points_hourly WHERE signal_id = ? AND ts >= ? AND ts < ? ORDER BY ts',
        )
        .raw(true),
      daily: db
        .prepare<[number, number, number], RollupTuple>(
          'SELECT ts, min, max, mean FROM points_daily WHERE signal_id = ? AND ts >= ? AND ts < ? ORDER BY ts',
        )
        .raw(true),
      sixHourly: db
        .prepare<[number, number, number], RollupTuple>(
          'SELECT ts, min, max, mean FROM points_6h WHERE signal_id = ? AND ts >= ? AND ts < ? ORDER BY ts',
        )
        .raw(true),
      extent: db
        .prepare<[number, number], [number | null, number | null]>(
          'SELECT (SELECT min(ts) FROM points WHERE signal_id = ?), (SELECT max(ts) FROM points WHERE signal_id = ?)',
        )
        .raw(true),
      // one row per id of the JSON array, each the same indexed min/max read as `extent`
      extents: db
        .prepare<[string], [number, number | null, number | null]>(
          'SELECT CAST(j.value AS INTEGER), (SELECT min(ts) FROM points WHERE signal_id = j.value), (SELECT max(ts) FROM points WHERE signal_id = j.value) FROM json_each(?) j',
        )
        .raw(true),
      // one row per [window, signal, from, until] of the JSON array: an indexed range sum over the daily rollup
      dailyCounts: db
        .prepare<[string], [number, number, number]>(
          "WITH q AS (SELECT json_extract(value, '$[0]') AS w, json_extract(value, '$[1]') AS sid, json_extract(value, '$[2]') AS f, json_extract(value, '$[3]') AS u FROM json_each(?)) " +
            'SELECT q.w, q.sid, (SELECT coalesce(sum(n), 0) FROM points_daily WHERE signal_id = q.sid AND ts >= q.f AND ts < q.u) FROM q',
        )
        .raw(true),
      firstTs: db.prepare<[number], [number]>('SELECT ts FROM points WHERE signal_id = ? ORDER BY ts LIMIT 64').raw(true),
      dataVersion: db.prepare<[], [number]>('PRAGMA data_version').raw(true),
      totalChanges: db.prepare<[], [number]>('SELECT total_changes()').raw(true),
    };
    cache.set(db, s);
  }
  return s;
}

const emptyColumns = (): Required<SeriesColumns> => ({ ts: [], lo: [], hi: [], mean: [], loTs: [], hiTs: [] });

/**
 * Reads [from, until) of one signal at a resolution, as columns. With `extremeTimes`, also the time of each
 * row's minimum and maximum (`loTs`/`hiTs`, as `readSeriesMany` gives them); without, the repositories' shape.
 */
export function readSeries(
  store: SqliteStore,
  signalId: number,
  resolution: Resolution,
  from: number,
  until: number,
  extremeTimes = false,
): SeriesColumns {
  if (extremeTimes) return readSeriesMany(store, [{ signalIds: [signalId], resolution, from, until }]).get(signalId)!;
  const s = stmts(store.db);
  const out: SeriesColumns = { ts: [], lo: [], hi: [], mean: [] };
  if (resolution === 'raw') {
    for (const [ts, v] of s.raw.all(signalId, from, until)) {
      out.ts.push(ts);
      out.lo.push(v);
      out.hi.push(v);
      out.mean.push(v);
    }
  } else {
    for (const [ts, lo, hi, mean] of (resolution === 'hourly' ? s.hourly : resolution === '6h' ? s.sixHourly : s.daily).all(
      signalId,
      from,
      until,
    )) {
      out.ts.push(ts);
      out.lo.push(lo);
      out.hi.push(hi);
      out.mean.push(mean);
    }
  }
  return out;
}

/** First and last point time of a signal (null when it has no points). */
export function signalExtent(store: SqliteStore, signalId: number): { first: number | null; last: number | null } {
  const [first, last] = stmts(store.db).extent.get(signalId, signalId) ?? [null, null];
  return { first, last };
}

/**
 * First and last point time of many signals in ONE statement (pages list many signals: one query per page, not
 * per signal); each signal's pair is the same indexed min/max read `signalExtent` runs. Signals without points
 * (or unknown ids) map to nulls.
 */
export function signalExtents(
  store: SqliteStore,
  signalIds: readonly number[],
): Map<number, { first: number | null; last: number | null }> {
  const out = new Map<number, { first: number | null; last: number | null }>();
  if (signalIds.length === 0) return out;
  const rows = stmts(store.db).extents.all(JSON.stringify([...new Set(signalIds)]));
  for (const [id, first, last] of rows) out.set(id, { first, last });
  for (const id of signalIds) if (!out.has(id)) out.set(id, { first: null, last: null });
  return out;
}

/** A window of `dailyValueCounts`: these signals over [from, until). */
export interface DailyCountWindow {
  signalIds: readonly number[];
  from: number;
  until: number;
}

/**
 * For each window, per signal of it, how many values the daily rollup holds in [from, until) (rows with ts in the
 * range; the sum of their `n`), all windows in ONE statement. Every signal of a window is in its map (0 without
 * values).
 */
export function dailyValueCounts(store: SqliteStore, windows: readonly DailyCountWindow[]): Array<Map<number, number>> {
  const out = windows.map((w) => new Map<number, number>(w.signalIds.map((id) => [id, 0])));
  const flat: Array<[number, number, number, number]> = [];
  windows.forEach((w, i) => {
    for (const id of new Set(w.signalIds)) flat.push([i, id, w.from, w.until]);
  });
  if (flat.length === 0) return out;
  for (const [i, id, n] of stmts(store.db).dailyCounts.all(JSON.stringify(flat))) out[i]!.set(id, n);
  return out;
}

/** The typical spacing of a signal's first points (median difference), or null with fewer than two. */
export function inferStep(store: SqliteStore, signalId: number): number | null {
  const ts = stmts(store.db)
    .firstTs.all(signalId)
    .map((r) => r[0]);
  if (ts.length < 2) return null;
  const diffs = ts
    .slice(1)
    .map((t, i) => t - ts[i]!)
    .sort((a, b) => a - b);
  return diffs[Math.floor(diffs.length / 2)]! || null;
}

/**
 * Changes whenever the database does: `PRAGMA data_version` moves on commits by other connections,
 * `total_changes()` on this connection's own (checked every call). Used as a cache key. With `maxAgeMs`,
 * `data_version` is read at most that often (other connections' commits show after at most that long).
 */
export function dataVersion(store: SqliteStore, maxAgeMs = 0): string {
  const s = stmts(store.db);
  const now = maxAgeMs > 0 ? Date.now() : 0;
  let seen = lastDataVersion.get(store.db);
  if (!seen || maxAgeMs <= 0 || now - seen.at >= maxAgeMs) {
    seen = { at: now, value: s.dataVersion.get()?.[0] ?? 0 };
    lastDataVersion.set(store.db, seen);
  }
  return `${seen.value}:${s.totalChanges.get()?.[0] ?? 0}`;
}

const lastDataVersion = new WeakMap<Db, { at: number; value: number }>();

/** Per bucket `(ts - base) / width`: the row holding the minimum and the row holding the maximum (first in time on ties). */
export interface BucketExtremeRow {
  b: number;
  minTs: number;
  min: number;
  minMean: number | null;
  maxTs: number;
  max: number;
}

type ExtremeStmt = Statement<[number, number, number, number, number], [number, number, number, number | null]>;
const extremeStmts = new WeakMap<Db, Record<string, ExtremeStmt>>();

function extremeStmt(db: Db, resolution: Resolution, which: 'min' | 'max'): ExtremeStmt {
  let m = extremeStmts.get(db);
  if (!m) {
    m = {};
    extremeStmts.set(db, m);
  }
  const key = `${resolution}:${which}`;
  let st = m[key];
  if (!st) {
    // SQLite gives bare columns (ts, mean) the values of the row where the single min()/max() is reached; a rollup
    // row's extreme happened at its min_ts / max_ts (the row's start when it predates migration 0105)
    const sql =
      resolution === 'raw'
        ? `SELECT (ts - CAST(? AS INTEGER)) / CAST(? AS INTEGER) AS b, ${which}(value), ts, value FROM points WHERE signal_id = ? AND ts >= ? AND ts < ? AND value IS NOT NULL GROUP BY b ORDER BY b`
        : `SELECT (ts - CAST(? AS INTEGER)) / CAST(? AS INTEGER) AS b, ${which}(${which}), coalesce(${which}_ts, ts), mean FROM ${ROLLUP_TABLE[resolution]} WHERE signal_id = ? AND ts >= ? AND ts < ? AND ${which} IS NOT NULL GROUP BY b ORDER BY b`;
    st = db.prepare<[number, number, number, number, number], [number, number, number, number | null]>(sql).raw(true);
    m[key] = st;
  }
  return st;
}

/** Bucket extremes computed in SQL (two grouped scans), for downsampling long ranges without moving every row into JS. */
export function readBucketExtremes(
  store: SqliteStore,
  signalId: number,
  resolution: Resolution,
  base: number,
  width: number,
  from: number,
  until: number,
): BucketExtremeRow[] {
  const mins = extremeStmt(store.db, resolution, 'min').all(base, width, signalId, from, until);
  const maxs = extremeStmt(store.db, resolution, 'max').all(base, width, signalId, from, until);
  const out: BucketExtremeRow[] = [];
  // both list the same buckets (those with a non-null value) in the same order
  for (let i = 0; i < mins.length; i++) {
    const [b, min, minTs, minMean] = mins[i]!;
    const mx = maxs[i]!;
    out.push({ b, minTs, min, minMean, maxTs: mx[2], max: mx[1] });
  }
  return out;
}

/** One part of a combined read: these signals at one resolution over [from, until). */
export interface SeriesReadPart {
  signalIds: readonly number[];
  resolution: Resolution;
  from: number;
  until: number;
}

/** Distinct statement shapes kept per connection (shapes differ by resolutions and signal counts only). */
const MANY_STMT_CACHE = 64;
const manyStmts = new WeakMap<Db, Map<string, Statement<number[], [number]>>>();
/** Where `ow_chart_row` (registered once per connection) puts the rows of the read running now. */
let chartSink: Map<number, Required<SeriesColumns>> | null = null;
const withChartRow = new WeakSet<Db>();

/**
 * Reads several signals' series in ONE statement (issue 21: one query per chart request): a `UNION ALL` of one
 * indexed range read per part (`signal_id IN (…) AND ts >= ? AND ts < ?` on the part's table). Each row goes
 * straight from SQLite's scan into its signal's columns through `ow_chart_row`, a function registered on the
 * connection (no row array per row: about half the cost of `raw().all()` for the same rows). Returns the columns
 * of every signal asked (empty for a signal without rows), in time order, with the time of each row's extremes.
 */
export function readSeriesMany(store: SqliteStore, parts: readonly SeriesReadPart[]): Map<number, Required<SeriesColumns>> {
  const out = new Map<number, Required<SeriesColumns>>();
  for (const p of parts) for (const id of p.signalIds) out.set(id, emptyColumns());
  const used = parts.filter((p) => p.signalIds.length > 0);
  if (used.length === 0) return out;
  const db = store.db;
  if (!withChartRow.has(db)) {
    db.function(
      'ow_chart_row',
      { directOnly: true },
      (id: unknown, ts: unknown, lo: unknown, hi: unknown, mean: unknown, loTs: unknown, hiTs: unknown) => {
        const c = chartSink?.get(id as number);
        if (!c) return 0;
        c.ts.push(ts as number);
        c.lo.push(lo as number | null);
        c.hi.push(hi as number | null);
        c.mean.push(mean as number | null);
        c.loTs.push(loTs as number);
        c.hiTs.push(hiTs as number);
        return 1;
      },
    );
    withChartRow.add(db);
  }
  // one aggregate per part (its scan runs in index order: by signal, then time); the rows go to the sink
  const sql = used
    .map((p) => {
      const ids = p.signalIds.map(() => '?').join(', ');
      return p.resolution === 'raw'
        ? `SELECT count(ow_chart_row(signal_id, ts, value, value, value, ts, ts)) FROM points WHERE signal_id IN (${ids}) AND ts >= ? AND ts < ?`
        : `SELECT count(ow_chart_row(signal_id, ts, min, max, mean, coalesce(min_ts, ts), coalesce(max_ts, ts))) FROM ${ROLLUP_TABLE[p.resolution]} WHERE signal_id IN (${ids}) AND ts >= ? AND ts < ?`;
    })
    .join(' UNION ALL ');
  let m = manyStmts.get(db);
  if (!m) {
    m = new Map();
    manyStmts.set(db, m);
  }
  let st = m.get(sql);
  if (!st) {
    if (m.size >= MANY_STMT_CACHE) m.delete(m.keys().next().value!);
    st = db.prepare<number[], [number]>(sql).raw(true);
    m.set(sql, st);
  }
  const args: number[] = [];
  for (const p of used) {
    for (const id of p.signalIds) args.push(id);
    args.push(p.from, p.until);
  }
  chartSink = out;
  try {
    st.all(...args);
  } finally {
    chartSink = null;
  }
  for (const c of out.values()) if (!ascending(c.ts)) sortColumns(c);
  return out;
}

function ascending(ts: readonly number[]): boolean {
  for (let i = 1; i < ts.length; i++) if (ts[i - 1]! >= ts[i]!) return false;
  return true;
}

/** Puts a signal's rows in time order (SQLite scans its index in order; this only guards that assumption). */
function sortColumns(c: Required<SeriesColumns>): void {
  const idx = c.ts.map((_, i) => i).sort((a, b) => c.ts[a]! - c.ts[b]!);
  for (const k of ['ts', 'lo', 'hi', 'mean', 'loTs', 'hiTs'] as const) {
    const col = c[k] as Array<number | null>;
    const copy = idx.map((i) => col[i]!);
    for (let i = 0; i < copy.length; i++) col[i] = copy[i]!;
  }
}
