import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { redactDbUrl } from '../../core/db-location.js';
import { formatEntity, parseEntity, parseSignalName } from '../entities.js';
import { defaultProvenance } from '../provenance.js';
import {
  POINT_BATCH_ROWS,
  type CheckpointFilter,
  type EntityRow,
  type PointBatch,
  type PointColumns,
  type PointStore,
  type RequestBudget,
  type RollupResolution,
  type SourceEventFilter,
} from '../repository.js';
import type { DailyCountWindow, Resolution, SeriesColumns } from '../signals-read.js';
import {
  runFromDbRow,
  signalFromDbRow,
  SIGNAL_SELECT,
  type SignalDbRow,
  THIS_PROCESS,
  type RunDbRow,
  type CheckpointRow,
  type RollupRow,
  type RunFinish,
  type RunOwner,
  type RunRow,
  type SignalRow,
  type SignalSpec,
  type SourceEventRow,
  type WindowResult,
  type WindowWrite,
} from '../store.js';
import type { WindowLeases } from '../leases.js';
import { PgWindowLeases } from './leases.js';
import { PgRequestBudget } from './request-budget.js';
import { migratePg, pgSchemaVersion } from './migrate.js';
import { ensurePartitions, partitionFor, partitionsBetween, type PartitionSpec } from './partitions.js';
import { PipelinedQuery } from './pipeline.js';

/**
 * The core store on PostgreSQL 15+ (issue 23), with the `pg` driver: the same results as the SQLite store for the
 * same calls. A window is one transaction (points, rollups with the SQLite rules, source events, raw responses,
 * checkpoints): all of it or nothing, and writing it again changes nothing. A large window of new days goes by COPY
 * (points and rollup rows) in one pipelined round trip; others as upserts from arrays (writeWindow says which).
 * Times are Unix seconds (bigint), read back as JS numbers.
 */

const HOUR = 3600;
const DAY = 86400;
const now = () => Math.floor(Date.now() / 1000);

/** bigint (20) and numeric (1700) as JS numbers: every bigint here is a time, an id or a count below 2^53. */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

/** One keyset page of a signal's raw points (time is an integer: the next page starts after the last time). */
const POINT_PAGE_SQL = 'SELECT ts, value FROM points WHERE signal_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts LIMIT $4';
/** Rows per page of `readColumns`. */
const COLUMN_PAGE_ROWS = 100_000;

const ROLLUP_TABLE: Record<RollupResolution, string> = { hourly: 'points_hourly', '6h': 'points_6h', daily: 'points_daily' };

// a window in one server-side call (migrations 0045, 0050, 0051): points, rollups (the caller's where the series'
// hours or days held no point, else recomputed with the SQLite rules), checkpoints (all signals in one statement)
const SQL = {
  writeWindow: `SELECT outagewatch_window_v3(${Array.from({ length: 21 }, (_, i) => `$${i + 1}`).join(', ')})`,
  entityUpsert:
    'INSERT INTO entities (type, code, name, country) VALUES ($1, $2, $3, $4) ' +
    'ON CONFLICT (type, code) DO UPDATE SET name = coalesce(excluded.name, entities.name), country = coalesce(excluded.country, entities.country) RETURNING id',
  signalUpsert:
    'INSERT INTO signals (entity_id, name, source, metric, target, step, unit, synthetic, meta, source_name, licence, citation, label, axis) ' +
    'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ' +
    'ON CONFLICT (entity_id, name) DO UPDATE SET step = coalesce(excluded.step, signals.step), unit = coalesce(excluded.unit, signals.unit), synthetic = excluded.synthetic, ' +
    'meta = coalesce(excluded.meta, signals.meta), target = coalesce(excluded.target, signals.target), source_name = coalesce(excluded.source_name, signals.source_name), ' +
    'licence = coalesce(excluded.licence, signals.licence), citation = coalesce(excluded.citation, signals.citation), label = coalesce(excluded.label, signals.label), ' +
    'axis = coalesce(excluded.axis, signals.axis) RETURNING id',
  eventUpsert:
    'INSERT INTO source_events (source, external_id, entity_id, start_ts, end_ts, kind, title, description, score, url, raw, fetched_at) ' +
    'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ' +
    'ON CONFLICT (source, external_id) DO UPDATE SET entity_id = excluded.entity_id, start_ts = excluded.start_ts, end_ts = excluded.end_ts, kind = excluded.kind, ' +
    'title = excluded.title, description = excluded.description, score = excluded.score, url = excluded.url, raw = excluded.raw, fetched_at = excluded.fetched_at',
} as const;

type Queryable = pg.ClientBase | pg.Pool;

const runFromRow = (r: RunDbRow<unknown>): RunRow => runFromDbRow(r, (d) => d ?? null);

/** JSON for a jsonb parameter (the driver would turn an array into a PostgreSQL array otherwise). */
function jsonb(v: unknown): string {
  return JSON.stringify(v ?? null);
}

/** Aggregates of one hour, 6-hour block or day: the SQLite rollup rules (non-null values; sum kept so means combine). */
interface Agg {
  ts: number;
  min: number | null;
  max: number | null;
  /** Time of the first point holding min / max (blocks and days: that of the first hour holding it). */
  minTs: number | null;
  maxTs: number | null;
  n: number;
  sum: number;
  /** Kahan-Babuska-Neumaier error term of an hour's sum (as SQLite's avg keeps it). */
  err: number;
}

/**
 * The hourly, 6-hour and daily rows of one series of a window from its own (sorted, distinct) points, in one pass:
 * what the store writes when no other point lies in those hours or days (migration 0045 decides, per row, under
 * the window's lock). Hours from the points (compensated sum, as SQLite's fast path); blocks and days from the
 * hours' sums (as the SQL recompute: sum(sum) / sum(n)).
 */
function rollupsOf(ts: readonly number[], values: ReadonlyArray<number | null>): [Agg[], Agg[], Agg[]] {
  const hours: Agg[] = [];
  let cur: Agg | null = null;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    const h = t - (((t % HOUR) + HOUR) % HOUR);
    if (cur === null || cur.ts !== h) {
      cur = { ts: h, min: null, max: null, minTs: null, maxTs: null, n: 0, sum: 0, err: 0 };
      hours.push(cur);
    }
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (cur.min === null || cur.min > v) {
      cur.min = v;
      cur.minTs = t;
    }
    if (cur.max === null || cur.max < v) {
      cur.max = v;
      cur.maxTs = t;
    }
    cur.n++;
    const s = cur.sum;
    const x = s + v;
    if (Math.abs(s) > Math.abs(v)) cur.err += s - x + v;
    else cur.err += v - x + s;
    cur.sum = x;
  }
  for (const h of hours) if (Number.isFinite(h.err)) h.sum += h.err;
  const group = (size: number): Agg[] => {
    const out: Agg[] = [];
    let g: Agg | null = null;
    for (const h of hours) {
      const b = h.ts - (((h.ts % size) + size) % size);
      if (g === null || g.ts !== b) {
        g = { ts: b, min: null, max: null, minTs: null, maxTs: null, n: 0, sum: 0, err: 0 };
        out.push(g);
      }
      if (h.n === 0) continue;
      // the first hour (in time) holding the extreme gives its time
      if (g.min === null || (h.min !== null && g.min > h.min)) {
        g.min = h.min;
        g.minTs = h.minTs;
      }
      if (g.max === null || (h.max !== null && g.max < h.max)) {
        g.max = h.max;
        g.maxTs = h.maxTs;
      }
      g.n += h.n;
      g.sum += h.sum;
    }
    return out;
  };
  return [hours, group(6 * HOUR), group(DAY)];
}

type Columns = { ts: number[]; values: Array<number | null>; lo: number; hi: number };

/** A window made ready for its write (migrations 0045-0051): the signals to lock, the caller's rollup rows, coverage. */
interface WindowParts {
  /** The signal ids of the series with points (locked in id order by the server). */
  lock: number[];
  /** The rollup rows computed here (level 1 hourly, 2 six-hourly, 3 daily). */
  k: {
    lvl: number[];
    sid: number[];
    ts: number[];
    min: Array<number | null>;
    mean: Array<number | null>;
    max: Array<number | null>;
    n: number[];
    sum: Array<number | null>;
    minTs: Array<number | null>;
    maxTs: Array<number | null>;
  };
  c: { collector: string; entity: string; from: number; until: number; at: number; signal: string[]; status: string[] };
}

function windowParts(
  ids: readonly number[],
  cols: ReadonlyArray<Columns | null>,
  w: WindowWrite,
  entity: string,
  at: number,
  coverage: ReadonlyArray<{ signal: string; status: string }>,
): WindowParts {
  const lock: number[] = [];
  const k: WindowParts['k'] = { lvl: [], sid: [], ts: [], min: [], mean: [], max: [], n: [], sum: [], minTs: [], maxTs: [] };
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i];
    if (!c) continue;
    const id = ids[i]!;
    lock.push(id);
    const levels = rollupsOf(c.ts, c.values);
    for (let lvl = 0; lvl < 3; lvl++) {
      for (const a of levels[lvl]!) {
        k.lvl.push(lvl + 1);
        k.sid.push(id);
        k.ts.push(a.ts);
        k.min.push(a.min);
        k.mean.push(a.n === 0 ? null : a.sum / a.n);
        k.max.push(a.max);
        k.n.push(a.n);
        k.sum.push(a.n === 0 ? null : a.sum);
        k.minTs.push(a.minTs);
        k.maxTs.push(a.maxTs);
      }
    }
  }
  const c = {
    collector: w.collector,
    entity,
    from: w.from,
    until: w.until,
    at,
    signal: coverage.map((x) => x.signal),
    status: coverage.map((x) => x.status),
  };
  return { lock, k, c };
}

/** The parameters of outagewatch_window_v3: every point as upsert arrays, then the parts. */
function writeWindowArgs(ids: readonly number[], cols: ReadonlyArray<Columns | null>, parts: WindowParts): unknown[] {
  const sid: number[] = [];
  const ts: number[] = [];
  const val: Array<number | null> = [];
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i];
    if (!c) continue;
    for (let j = 0; j < c.ts.length; j++) {
      sid.push(ids[i]!);
      ts.push(c.ts[j]!);
      val.push(c.values[j]!);
    }
  }
  const { lock, k, c } = parts;
  return [
    sid,
    ts,
    val,
    lock,
    k.lvl,
    k.sid,
    k.ts,
    k.min,
    k.mean,
    k.max,
    k.n,
    k.sum,
    k.minTs,
    k.maxTs,
    c.collector,
    c.entity,
    c.from,
    c.until,
    c.at,
    c.signal,
    c.status,
  ];
}

/** A number array as an SQL literal (numbers only: times, ids, counts, values — never text). */
function numArray(xs: ReadonlyArray<number | null>, type: string): string {
  let out = "'{";
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (i) out += ',';
    if (x === null || x === undefined) out += 'NULL';
    else if (typeof x !== 'number' || Number.isNaN(x)) throw new Error(`not a number: ${String(x)}`);
    else out += String(x);
  }
  return `${out}}'::${type}[]`;
}

/** SQL literals of a window's lock list and checkpoint call (numbers as digits, text through escapeLiteral). */
function literals(client: pg.ClientBase) {
  const text = (x: string) => client.escapeLiteral(x);
  const int = (x: number) => {
    if (!Number.isInteger(x)) throw new Error(`not an integer: ${x}`);
    return `${x}::bigint`;
  };
  const texts = (xs: readonly string[]) => (xs.length ? `ARRAY[${xs.map(text).join(',')}]` : "'{}'::text[]");
  return { text, int, texts };
}

/** The per-signal advisory locks of a window (migration 0045's key, taken in id order) as one statement. */
function lockSql(lock: readonly number[]): string {
  return `SELECT pg_advisory_xact_lock(1870098031, (s % 2147483647)::integer) FROM (SELECT DISTINCT s FROM unnest(${numArray(lock, 'bigint')}) AS u(s) ORDER BY s) AS x`;
}

/** The checkpoints of a window in one statement (migration 0050). */
function coverSql(client: pg.ClientBase, c: WindowParts['c']): string {
  const { text, int, texts } = literals(client);
  return `SELECT outagewatch_cover_many(${text(c.collector)}, ${text(c.entity)}, ${texts(c.signal)}, ${texts(c.status)}, ${int(c.from)}, ${int(c.until)}, ${int(c.at)})`;
}

/**
 * The one-round-trip query of a large window whose points are new: BEGIN, the COPY of every point (its data is
 * sent with the query, db/postgres/pipeline.ts), outagewatch_window_v3 with no points and the window's parts as
 * literals (rollups under the signals' locks, checkpoints), COMMIT.
 */
function copiedWindowSql(client: pg.ClientBase, parts: WindowParts, rows: number, begin: boolean): string {
  const { lock, k, c } = parts;
  const { text, int, texts } = literals(client);
  const args = [
    "'{}'::bigint[]",
    "'{}'::bigint[]",
    "'{}'::float8[]",
    numArray(lock, 'bigint'),
    numArray(k.lvl, 'smallint'),
    numArray(k.sid, 'bigint'),
    numArray(k.ts, 'bigint'),
    numArray(k.min, 'float8'),
    numArray(k.mean, 'float8'),
    numArray(k.max, 'float8'),
    numArray(k.n, 'bigint'),
    numArray(k.sum, 'float8'),
    numArray(k.minTs, 'bigint'),
    numArray(k.maxTs, 'bigint'),
    text(c.collector),
    text(c.entity),
    int(c.from),
    int(c.until),
    int(c.at),
    texts(c.signal),
    texts(c.status),
  ];
  return `${begin ? 'BEGIN; ' : ''}${copyPointsSql('points', rows)}; SELECT outagewatch_window_v3(${args.join(', ')}); COMMIT`;
}

const ROLLUP_COLUMNS = '(signal_id, ts, min, mean, max, n, sum, min_ts, max_ts)';

/** Below this many rows a window's points go in row by row (copyPointsSql). */
const COPY_ROW_BY_ROW_BELOW = 2000;

/**
 * The COPY of a window's points into `table`. PostgreSQL 15's COPY buffers up to 1,000 rows for multi-row inserts
 * and makes one tuple slot per buffered row, each pinning the table's row type in the transaction's resource owner,
 * whose hash table then holds that one pointer hundreds of times: adding each costs a probe past all the others,
 * quadratic in the rows of one COPY. For a batched COPY that is paid once per 1,000 rows; for a window of 864 points
 * in its own COPY it was about a fifth of the server's time (measured with perf: ResourceOwnerRememberTupleDesc
 * under CopyFrom). A volatile WHERE makes COPY insert row by row with one slot (PostgreSQL's rule for a WHERE clause
 * with a volatile function), which measured about 20 % less server CPU per window of 864 points. Larger windows keep
 * the multi-row inserts (their fixed cost is spread over more rows).
 */
function copyPointsSql(table: string, rows: number): string {
  return `COPY ${table} (signal_id, ts, value) FROM STDIN (FORMAT binary)${rows < COPY_ROW_BY_ROW_BELOW ? ' WHERE random() >= 0' : ''}`;
}

/**
 * The one-round-trip query of a window whose points AND rollup buckets are new (a backfill of whole days): BEGIN,
 * the signals' locks, a binary COPY each of the points (straight into their monthly partition when they all lie in
 * one), the hourly rows (into their yearly partition likewise), the 6-hour rows and the daily rows — each computed
 * here from the window's own points, exact because no other point lies in their buckets — then the checkpoints in
 * one statement, COMMIT. Any row already stored (a point, or a rollup row: its bucket then holds a stored point)
 * makes a COPY fail with a unique violation; the caller rolls back and writes the window the upsert way.
 */
function freshWindowSql(
  client: pg.ClientBase,
  parts: WindowParts,
  tables: { points: string; hourly: string },
  rows: number,
  begin: boolean,
): string {
  const copy = (table: string, columns: string) => `COPY ${table} ${columns} FROM STDIN (FORMAT binary)`;
  return [
    ...(begin ? ['BEGIN'] : []),
    lockSql(parts.lock),
    copyPointsSql(tables.points, rows),
    copy(tables.hourly, ROLLUP_COLUMNS),
    copy('points_6h', ROLLUP_COLUMNS),
    copy('points_daily', ROLLUP_COLUMNS),
    coverSql(client, parts.c),
    'COMMIT',
  ].join('; ');
}

/** A window at least this many points large goes in by COPY (below it one call with arrays is quicker). */
export const COPY_MIN_POINTS = 256;

const COPY_HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
const TWO32 = 4294967296;

/**
 * A buffer in PostgreSQL's binary COPY format, written through a DataView (header, tuples, trailer): int8 and float8
 * fields, NULL as length -1. Times, ids and counts are integers below 2^53.
 */
class CopyWriter {
  readonly buf: Buffer;
  private readonly dv: DataView;
  private o: number;

  constructor(maxBytes: number) {
    this.buf = Buffer.allocUnsafe(COPY_HEADER.length + maxBytes + 2);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.o = COPY_HEADER.copy(this.buf, 0);
  }

  tuple(fields: number): void {
    this.dv.setInt16(this.o, fields);
    this.o += 2;
  }

  int8(v: number): void {
    const hi = Math.floor(v / TWO32);
    this.dv.setInt32(this.o, 8);
    this.dv.setInt32(this.o + 4, hi);
    this.dv.setUint32(this.o + 8, v - hi * TWO32);
    this.o += 12;
  }

  float8(v: number): void {
    this.dv.setInt32(this.o, 8);
    this.dv.setFloat64(this.o + 4, v);
    this.o += 12;
  }

  nil(): void {
    this.dv.setInt32(this.o, -1);
    this.o += 4;
  }

  /** The data with its trailer. */
  end(): Buffer {
    this.dv.setInt16(this.o, -1);
    return this.buf.subarray(0, this.o + 2);
  }
}

/**
 * The points of a window in PostgreSQL's binary COPY format: header, per row 3 fields (int8 signal id, int8 time,
 * float8 value or NULL), trailer.
 */
export function copyRows(ids: readonly number[], cols: ReadonlyArray<Columns | null>): Buffer {
  let rows = 0;
  for (const c of cols) if (c) rows += c.ts.length;
  const w = new CopyWriter(rows * 38);
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i];
    if (!c) continue;
    const id = ids[i]!;
    const { ts, values } = c;
    for (let j = 0; j < ts.length; j++) {
      w.tuple(3);
      w.int8(id);
      w.int8(ts[j]!);
      const v = values[j];
      if (v === null || v === undefined) w.nil();
      else w.float8(v);
    }
  }
  return w.end();
}

/**
 * Rollup rows in PostgreSQL's binary COPY format (ROLLUP_COLUMNS: int8 signal id, int8 ts, float8 min/mean/max,
 * int8 n, float8 sum, int8 min_ts/max_ts; NULL where the row has no value), one buffer per level (hourly, 6-hour,
 * daily) from a window's parts.
 */
function rollupCopies(k: WindowParts['k']): [Buffer, Buffer, Buffer] {
  const counts = [0, 0, 0];
  for (const l of k.lvl) counts[l - 1]!++;
  const ws = counts.map((n) => new CopyWriter(n * 110));
  const opt = (w: CopyWriter, v: number | null, int: boolean) => {
    if (v === null) w.nil();
    else if (int) w.int8(v);
    else w.float8(v);
  };
  for (let i = 0; i < k.lvl.length; i++) {
    const w = ws[k.lvl[i]! - 1]!;
    w.tuple(9);
    w.int8(k.sid[i]!);
    w.int8(k.ts[i]!);
    opt(w, k.min[i]!, false);
    opt(w, k.mean[i]!, false);
    opt(w, k.max[i]!, false);
    w.int8(k.n[i]!);
    opt(w, k.sum[i]!, false);
    opt(w, k.minTs[i]!, true);
    opt(w, k.maxTs[i]!, true);
  }
  return ws.map((w) => w.end()) as [Buffer, Buffer, Buffer];
}

/**
 * Queries made through the pool inside `PgPointStore.readSnapshot(fn)` go to that call's client, inside its
 * read-only REPEATABLE READ transaction: every read of the listings, repositories and store sharing the pool then
 * sees one snapshot (a CSV export's count and pages). Outside, the pool hands out clients as usual.
 */
function pinnable(pool: pg.Pool, pinned: AsyncLocalStorage<pg.PoolClient>): void {
  const poolQuery = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  const query = (...args: unknown[]): unknown => {
    const client = pinned.getStore();
    return client ? (client.query.bind(client) as (...a: unknown[]) => unknown)(...args) : poolQuery(...args);
  };
  pool.query = query as typeof pool.query;
}

export interface PgOpenOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** Pool size (default 4). */
  max?: number;
  owner?: RunOwner;
}

/** The advisory lock (two-key form) every writer of correlation inputs holds shared until commit (migration 0030). */
const DATA_VERSION_LOCK = '1870098032, 30';

export class PgPointStore implements PointStore {
  readonly backend = 'postgres' as const;
  readonly location: string;
  private readonly entityIds = new Map<string, number>();
  private readonly signalIds = new Map<string, number>();
  private readonly partitions = new Set<string>();
  /**
   * Per `entity|signal`: the first and last point time this process stored. A window whose points fall inside that
   * span may meet stored points; one whose days reach into it, stored rollup rows (both then skip a COPY attempt).
   */
  private readonly written = new Map<string, { lo: number; hi: number }>();

  private constructor(
    readonly pool: pg.Pool,
    url: string,
    readonly owner: RunOwner,
    private readonly pinned: AsyncLocalStorage<pg.PoolClient>,
  ) {
    this.location = redactDbUrl(url);
  }

  /**
   * Runs `fn` with every query of this pool (the store's, the listings' and the repositories' reads) inside ONE
   * read-only REPEATABLE READ transaction on one client: they all see the same snapshot, whatever is written
   * meanwhile (an export's count and every page agree). Nested calls join the outer snapshot.
   */
  async readSnapshot<R>(fn: () => Promise<R>): Promise<R> {
    if (this.pinned.getStore()) return fn();
    const client = await this.pool.connect();
    let ok = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const out = await this.pinned.run(client, fn);
      await client.query('COMMIT');
      ok = true;
      return out;
    } finally {
      if (!ok) await client.query('ROLLBACK').catch(() => {});
      client.release(ok ? undefined : true);
    }
  }

  /** Connects (and, unless `migrate: false`, brings the schema up to date under the migration lock). */
  static async open(url: string, opts: PgOpenOptions = {}): Promise<PgPointStore> {
    const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 4, types: TYPES, application_name: 'outagewatch' });
    const store0 = { pinned: new AsyncLocalStorage<pg.PoolClient>() };
    pinnable(pool, store0.pinned);
    // a lost connection (server restart, database dropped) must not crash the process with an uncaught 'error':
    // an idle client's error reaches the pool, a checked-out client's its own listener; the next query on it
    // rejects, and that error goes where every query's error goes
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const store = new PgPointStore(pool, url, opts.owner ?? THIS_PROCESS, store0.pinned);
    try {
      const client = await pool.connect();
      try {
        if (opts.migrate !== false) await migratePg(client);
        else if ((await pgSchemaVersion(client)) === 0)
          throw new Error(`${store.location} holds no outagewatch schema (run \`outagewatch db migrate\`)`);
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end();
      throw err;
    }
    return store;
  }

  async serverVersion(): Promise<string> {
    const r = await this.pool.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return `PostgreSQL ${r.rows[0]?.v ?? '?'}`;
  }

  async schemaVersion(): Promise<number> {
    const c = await this.pool.connect();
    try {
      return await pgSchemaVersion(c);
    } finally {
      c.release();
    }
  }

  /**
   * A number that changes when correlation inputs change (daily rollups, source events, checkpoints, calendar,
   * outages, reference lists: statement triggers move `data_version_seq`, migration 0030), by any process. Null
   * while a transaction that moved it has not committed: a result computed now might miss that transaction's rows,
   * so it must not be cached under this number (every writer of those tables holds a shared advisory lock until its
   * commit; the sequence is read first, then the lock is tried, never waited for).
   */
  async dataVersion(): Promise<number | null> {
    const r = await this.pool.query<{ v: number; settled: boolean }>(
      `SELECT v, pg_try_advisory_xact_lock(${DATA_VERSION_LOCK}) AS settled FROM (SELECT last_value AS v FROM data_version_seq OFFSET 0) s`,
    );
    const row = r.rows[0];
    return row && row.settled ? Number(row.v) : null;
  }

  async hoursWithData(signalId: number, from: number, until: number): Promise<number[]> {
    const r = await this.pool.query<[number]>({
      text: 'SELECT ts FROM points_hourly WHERE signal_id = $1 AND ts >= $2 AND ts < $3 AND n > 0 ORDER BY ts',
      values: [signalId, from, until],
      rowMode: 'array',
    });
    return r.rows.map((x) => Number(x[0]));
  }

  async daySpan(signalId: number): Promise<{ first: number; last: number } | null> {
    const r = await this.pool.query<{ first: number | null; last: number | null }>(
      'SELECT min(ts) AS first, max(ts) AS last FROM points_daily WHERE signal_id = $1 AND n > 0',
      [signalId],
    );
    const row = r.rows[0];
    return row && row.first !== null && row.last !== null ? { first: Number(row.first), last: Number(row.last) } : null;
  }

  private async upsertEntity(q: Queryable, ref: string, extra: { name?: string | null; country?: string | null } = {}): Promise<number> {
    const e = parseEntity(ref);
    const key = formatEntity(e);
    const cached = this.entityIds.get(key);
    if (cached !== undefined && extra.name === undefined && extra.country === undefined) return cached;
    const country = extra.country ?? (e.type === 'country' ? e.code : null);
    const r = await q.query<{ id: number }>(SQL.entityUpsert, [e.type, e.code, extra.name ?? null, country]);
    const id = r.rows[0]!.id;
    this.entityIds.set(key, id);
    return id;
  }

  private async upsertSignal(q: Queryable, entity: string, spec: SignalSpec): Promise<number> {
    const key = `${formatEntity(parseEntity(entity))}|${spec.name}`;
    const cached = this.signalIds.get(key);
    if (cached !== undefined) return cached;
    const entityId = await this.upsertEntity(q, entity);
    const n = parseSignalName(spec.name);
    const p = spec.provenance ?? {};
    const d = defaultProvenance(spec.name);
    const known = d.licence !== null;
    const r = await q.query<{ id: number }>(SQL.signalUpsert, [
      entityId,
      spec.name,
      n.source,
      n.metric,
      p.target ?? n.target,
      spec.step ?? null,
      spec.unit ?? null,
      spec.synthetic ?? false,
      spec.meta ? jsonb(spec.meta) : null,
      p.sourceName ?? (known ? d.sourceName : null),
      p.licence ?? (known ? d.licence : null),
      p.citation ?? (known ? d.citation : null),
      p.label ?? null,
      p.axis ?? null,
    ]);
    const id = r.rows[0]!.id;
    this.signalIds.set(key, id);
    return id;
  }

  ensureEntity(ref: string, extra?: { name?: string | null; country?: string | null }): Promise<number> {
    return this.upsertEntity(this.pool, ref, extra);
  }

  ensureSignal(entity: string, spec: SignalSpec): Promise<number> {
    return this.upsertSignal(this.pool, entity, spec);
  }

  /** The series of a window as upsert columns: whole-second times, NaN as null, the last of equal times kept (as SQLite's upsert). */
  private static columns(name: string, pts: WindowWrite['series'][number]['points']): Columns {
    // the usual case (a source's series in time order, each time once) in one pass without a map
    const ts: number[] = new Array<number>(pts.length);
    const values: Array<number | null> = new Array<number | null>(pts.length);
    let prev = -Infinity;
    let ordered = true;
    for (let i = 0; i < pts.length; i++) {
      const [t, raw] = pts[i]!;
      if (!Number.isInteger(t)) throw new Error(`${name}: point time ${t} is not whole seconds`);
      if (t <= prev) ordered = false;
      prev = t;
      ts[i] = t;
      values[i] = raw === null || Number.isNaN(raw) ? null : raw;
    }
    if (ordered) return { ts, values, lo: ts[0]!, hi: ts[ts.length - 1]! };
    const last = new Map<number, number | null>();
    for (let i = 0; i < ts.length; i++) last.set(ts[i]!, values[i]!);
    const sorted = [...last.keys()].sort((x, y) => x - y);
    return { ts: sorted, values: sorted.map((t) => last.get(t)!), lo: sorted[0]!, hi: sorted[sorted.length - 1]! };
  }

  async writeWindow(w: WindowWrite): Promise<WindowResult> {
    if (!(w.until > w.from)) throw new Error(`window ${w.from}..${w.until} is empty`);
    const entity = formatEntity(parseEntity(w.entity));
    const cols = w.series.map((s) => (s.points.length ? PgPointStore.columns(s.signal.name, s.points) : null));
    // partitions first, in their own short transaction: the window's transaction then takes no DDL lock
    const specs: PartitionSpec[] = [];
    for (const c of cols) {
      if (!c) continue;
      for (const p of partitionsBetween('points', c.lo, c.hi)) specs.push(p);
      for (const p of partitionsBetween('points_hourly', c.lo, c.hi)) specs.push(p);
    }
    const at = now();
    const coverage = w.coverage ?? w.series.map((s) => ({ signal: s.signal.name, status: 'ok' as const }));
    const keyOf = (name: string) => `${entity}|${name}`;
    const total = cols.reduce((n, c) => n + (c ? c.ts.length : 0), 0);
    const points = cols.reduce((n, c, i) => n + (c ? w.series[i]!.points.length : 0), 0);
    const known = w.series.every((s) => this.signalIds.has(keyOf(s.signal.name)));
    const plain = known && !w.sourceEvents?.length && !w.raw?.length;
    // a small window of known signals with no events or raw bodies to keep (a collector's steady work) is ONE
    // statement, atomic by itself: no BEGIN/COMMIT round trips
    if (plain && total < COPY_MIN_POINTS && specs.every((s) => this.partitions.has(s.name))) {
      const ids = w.series.map((s) => this.signalIds.get(keyOf(s.signal.name))!);
      const parts = windowParts(ids, cols, w, entity, at, coverage);
      await this.pool.query({ name: 'ow_window_v3', text: SQL.writeWindow, values: writeWindowArgs(ids, cols, parts) });
      this.noteWritten(w, cols);
      return { points, events: 0 };
    }
    const client = await this.pool.connect();
    const entityCacheSize = this.entityIds.size;
    const signalCacheSize = this.signalIds.size;
    let ok = false;
    try {
      if (specs.length) await ensurePartitions(client, specs, this.partitions);
      // A large window goes in ONE round trip after its new signals, events and raw bodies (BEGIN first when there
      // are any): binary COPYs, the rest in one statement, COMMIT, the COPYs' data sent with the query:
      //   * "fresh": no series of it was written by this process in the days it touches — its points, hourly,
      //     6-hour and daily rows all by COPY (freshWindowSql);
      //   * else, when none of its points' times were: its points by COPY, rollups and checkpoints by
      //     outagewatch_window_v3 (copiedWindowSql).
      // A row already stored (written by another process, or before this one started) makes a COPY fail with a
      // unique violation: the window is then rolled back and written the upsert way below.
      const spans = cols.map((c, i) => (c ? this.written.get(keyOf(w.series[i]!.signal.name)) : undefined));
      const overlaps = cols.some((c, i) => c && spans[i] && spans[i].hi >= c.lo && spans[i].lo <= c.hi);
      const fresh = cols.every((c, i) => {
        if (!c || !spans[i]) return true;
        const first = c.lo - (((c.lo % DAY) + DAY) % DAY);
        const last = c.hi - (((c.hi % DAY) + DAY) % DAY) + DAY;
        return !(spans[i].hi >= first && spans[i].lo < last);
      });
      if (total >= COPY_MIN_POINTS && !overlaps) {
        try {
          const ids: number[] = [];
          let events = 0;
          const pre = !plain;
          if (pre) {
            await client.query('BEGIN');
            for (const { signal } of w.series) ids.push(await this.upsertSignal(client, entity, signal));
            events = await this.writeExtras(client, w, at);
          } else for (const { signal } of w.series) ids.push(this.signalIds.get(keyOf(signal.name))!);
          const parts = windowParts(ids, cols, w, entity, at, coverage);
          const q = fresh
            ? new PipelinedQuery(freshWindowSql(client, parts, this.copyTables(cols), total, !pre), [
                copyRows(ids, cols),
                ...rollupCopies(parts.k),
              ])
            : new PipelinedQuery(copiedWindowSql(client, parts, total, !pre), [copyRows(ids, cols)]);
          await client.query(q).done;
          this.noteWritten(w, cols);
          ok = true;
          return { points, events };
        } catch (err) {
          await client.query('ROLLBACK');
          if (this.entityIds.size !== entityCacheSize) this.entityIds.clear();
          if (this.signalIds.size !== signalCacheSize) this.signalIds.clear();
          if ((err as { code?: string }).code !== '23505') throw err;
        }
      }
      await client.query('BEGIN');
      const ids: number[] = [];
      for (const { signal } of w.series) ids.push(await this.upsertSignal(client, entity, signal));
      const parts = windowParts(ids, cols, w, entity, at, coverage);
      await client.query({ name: 'ow_window_v3', text: SQL.writeWindow, values: writeWindowArgs(ids, cols, parts) });
      const events = await this.writeExtras(client, w, at);
      await client.query('COMMIT');
      this.noteWritten(w, cols);
      ok = true;
      return { points, events };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      // ids created inside the rolled-back transaction are gone: forget them
      if (this.entityIds.size !== entityCacheSize) this.entityIds.clear();
      if (this.signalIds.size !== signalCacheSize) this.signalIds.clear();
      throw err;
    } finally {
      // a client whose transaction failed mid-way is not reused
      client.release(ok ? undefined : true);
    }
  }

  /**
   * Where a window's COPYs go: the one monthly partition of `points` (and yearly one of `points_hourly`) holding all
   * its points when there is one (no routing of each row through the parent), else the parent table. Partition
   * names are made here from numbers, never from input text; they exist (ensurePartitions ran).
   */
  private copyTables(cols: ReadonlyArray<Columns | null>): { points: string; hourly: string } {
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of cols) {
      if (!c) continue;
      lo = Math.min(lo, c.lo);
      hi = Math.max(hi, c.hi);
    }
    const one = (table: string) => {
      const a = partitionFor(table, lo);
      return partitionFor(table, hi).name === a.name ? a.name : table;
    };
    return { points: one('points'), hourly: one('points_hourly') };
  }

  /** A window's source events and raw responses, inside its transaction; returns the events written. */
  private async writeExtras(client: pg.ClientBase, w: WindowWrite, at: number): Promise<number> {
    let events = 0;
    for (const e of w.sourceEvents ?? []) {
      const entityId = e.entity ? await this.upsertEntity(client, e.entity) : null;
      await client.query(SQL.eventUpsert, [
        e.source,
        e.externalId,
        entityId,
        e.start,
        e.end ?? null,
        e.kind ?? null,
        e.title ?? null,
        e.description ?? null,
        e.score ?? null,
        e.url ?? null,
        jsonb(e.raw),
        at,
      ]);
      events++;
    }
    for (const r of w.raw ?? []) {
      const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
      await client.query('INSERT INTO raw_responses (source, url, fetched_at, sha256, status, body_gzip) VALUES ($1, $2, $3, $4, $5, $6)', [
        r.source,
        r.url,
        r.fetchedAt,
        createHash('sha256').update(body).digest('hex'),
        r.status ?? null,
        gzipSync(body),
      ]);
    }
    return events;
  }

  private noteWritten(w: WindowWrite, cols: ReadonlyArray<Columns | null>): void {
    const entity = formatEntity(parseEntity(w.entity));
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i];
      if (!c) continue;
      const key = `${entity}|${w.series[i]!.signal.name}`;
      const span = this.written.get(key);
      this.written.set(key, span ? { lo: Math.min(span.lo, c.lo), hi: Math.max(span.hi, c.hi) } : { lo: c.lo, hi: c.hi });
    }
  }

  async listEntities(): Promise<EntityRow[]> {
    const r = await this.pool.query<{ id: number; type: string; code: string; name: string | null; country: string | null }>(
      'SELECT id, type, code, name, country FROM entities ORDER BY type COLLATE "C", code COLLATE "C"',
    );
    return r.rows.map((e) => ({ id: e.id, entity: `${e.type}:${e.code}`, name: e.name, country: e.country }));
  }

  async listSignals(entity?: string): Promise<SignalRow[]> {
    type Row = SignalDbRow<boolean>;
    let rows: Row[];
    if (entity) {
      const e = parseEntity(entity);
      rows = (
        await this.pool.query<Row>(`${SIGNAL_SELECT} WHERE e.type = $1 AND e.code = $2 ORDER BY s.name COLLATE "C"`, [e.type, e.code])
      ).rows;
    } else {
      rows = (await this.pool.query<Row>(`${SIGNAL_SELECT} ORDER BY e.type COLLATE "C", e.code COLLATE "C", s.name COLLATE "C"`)).rows;
    }
    return rows.map((r) => signalFromDbRow(r, (b) => b));
  }

  async readPoints(signalId: number, from: number, until: number): Promise<Array<{ ts: number; value: number | null }>> {
    const r = await this.pool.query<{ ts: number; value: number | null }>(
      'SELECT ts, value FROM points WHERE signal_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts',
      [signalId, from, until],
    );
    return r.rows;
  }

  async readRollup(signalId: number, resolution: RollupResolution, from: number, until: number): Promise<RollupRow[]> {
    const r = await this.pool.query<RollupRow>(
      `SELECT ts, min, mean, max, n, min_ts AS "minTs", max_ts AS "maxTs" FROM ${ROLLUP_TABLE[resolution]} WHERE signal_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts`,
      [signalId, from, until],
    );
    return r.rows;
  }

  async readSeries(signalId: number, resolution: Resolution, from: number, until: number): Promise<SeriesColumns> {
    // rows as arrays (no object per row); with the times of each row's extremes, as SQLite's readSeriesMany (a
    // rollup row's min_ts / max_ts, its own start when it predates migration 0045; a raw point's own time)
    const raw = resolution === 'raw';
    const r = await this.pool.query<Array<number | null>>({
      text: raw
        ? 'SELECT ts, value FROM points WHERE signal_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts'
        : `SELECT ts, min, max, mean, coalesce(min_ts, ts), coalesce(max_ts, ts) FROM ${ROLLUP_TABLE[resolution]} WHERE signal_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts`,
      values: [signalId, from, until],
      rowMode: 'array',
    });
    const n = r.rows.length;
    const out: Required<SeriesColumns> = {
      ts: new Array<number>(n),
      lo: new Array<number | null>(n),
      hi: new Array<number | null>(n),
      mean: new Array<number | null>(n),
      loTs: new Array<number>(n),
      hiTs: new Array<number>(n),
    };
    for (let i = 0; i < n; i++) {
      const row = r.rows[i]!;
      const ts = row[0] as number;
      out.ts[i] = ts;
      out.lo[i] = row[1]!;
      if (raw) {
        out.hi[i] = row[1]!;
        out.mean[i] = row[1]!;
        out.loTs[i] = ts;
        out.hiTs[i] = ts;
      } else {
        out.hi[i] = row[2]!;
        out.mean[i] = row[3]!;
        out.loTs[i] = row[4] as number;
        out.hiTs[i] = row[5] as number;
      }
    }
    return out;
  }

  /** Null: a thread of this process reads nothing from PostgreSQL itself (the main thread reads and hands over). */
  async columnsSource(_signalId: number): Promise<null> {
    return null;
  }

  async readColumns(signalId: number, from: number, until: number): Promise<PointColumns> {
    // keyset pages of rows as arrays into growing typed columns: no object per point, no result of millions of rows
    let ts = new Float64Array(1024);
    let values = new Float64Array(1024);
    let n = 0;
    let next = from;
    for (;;) {
      const r = await this.pool.query<[number, number | null]>({
        name: 'ow_read_columns',
        text: POINT_PAGE_SQL,
        values: [signalId, next, until, COLUMN_PAGE_ROWS],
        rowMode: 'array',
      });
      const rows = r.rows;
      if (n + rows.length > ts.length) {
        const size = Math.max(ts.length * 2, n + rows.length);
        const t2 = new Float64Array(size);
        const v2 = new Float64Array(size);
        t2.set(ts.subarray(0, n));
        v2.set(values.subarray(0, n));
        ts = t2;
        values = v2;
      }
      for (const [t, v] of rows) {
        ts[n] = t;
        values[n] = v === null ? Number.NaN : v;
        n++;
      }
      if (rows.length < COLUMN_PAGE_ROWS) break;
      next = rows[rows.length - 1]![0] + 1;
    }
    return { ts: ts.subarray(0, n), values: values.subarray(0, n), length: n };
  }

  async *iteratePoints(signalIds: readonly number[], from: number, until: number, batchRows = POINT_BATCH_ROWS): AsyncIterable<PointBatch> {
    // one snapshot for the whole export: a read-only REPEATABLE READ transaction, keyset pages of each signal
    const client = await this.pool.connect();
    let ok = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      for (const signalId of signalIds) {
        let next = from;
        for (;;) {
          const r = await client.query<[number, number | null]>({
            name: 'ow_point_page',
            text: POINT_PAGE_SQL,
            values: [signalId, next, until, batchRows],
            rowMode: 'array',
          });
          if (r.rows.length) yield { signalId, rows: r.rows };
          if (r.rows.length < batchRows) break;
          next = r.rows[r.rows.length - 1]![0] + 1;
        }
      }
      await client.query('COMMIT');
      ok = true;
    } finally {
      if (!ok) await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }

  async signalExtent(signalId: number): Promise<{ first: number | null; last: number | null }> {
    const r = await this.pool.query<{ first: number | null; last: number | null }>(
      'SELECT (SELECT ts FROM points WHERE signal_id = $1 ORDER BY ts LIMIT 1) AS first, (SELECT ts FROM points WHERE signal_id = $1 ORDER BY ts DESC LIMIT 1) AS last',
      [signalId],
    );
    return r.rows[0] ?? { first: null, last: null };
  }

  async signalExtents(signalIds: readonly number[]): Promise<Map<number, { first: number | null; last: number | null }>> {
    const out = new Map<number, { first: number | null; last: number | null }>();
    if (signalIds.length === 0) return out;
    // one statement: per id the same two index reads as signalExtent
    const r = await this.pool.query<{ id: number; first: number | null; last: number | null }>(
      'SELECT q.id, (SELECT ts FROM points WHERE signal_id = q.id ORDER BY ts LIMIT 1) AS first, (SELECT ts FROM points WHERE signal_id = q.id ORDER BY ts DESC LIMIT 1) AS last FROM unnest($1::bigint[]) AS q(id)',
      [[...new Set(signalIds)]],
    );
    for (const row of r.rows) out.set(row.id, { first: row.first, last: row.last });
    for (const id of signalIds) if (!out.has(id)) out.set(id, { first: null, last: null });
    return out;
  }

  async dailyValueCounts(windows: readonly DailyCountWindow[]): Promise<Array<Map<number, number>>> {
    const out = windows.map((w) => new Map<number, number>(w.signalIds.map((id) => [id, 0])));
    const cols: [number[], number[], number[], number[]] = [[], [], [], []];
    windows.forEach((w, i) => {
      for (const id of new Set(w.signalIds)) {
        cols[0].push(i);
        cols[1].push(id);
        cols[2].push(w.from);
        cols[3].push(w.until);
      }
    });
    if (cols[0].length === 0) return out;
    // one statement: per (window, signal) an indexed range sum over the daily rollup
    const r = await this.pool.query<{ w: number; sid: number; n: number }>(
      'SELECT q.w, q.sid, (SELECT coalesce(sum(d.n), 0) FROM points_daily d WHERE d.signal_id = q.sid AND d.ts >= q.f AND d.ts < q.u) AS n FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::bigint[]) AS q(w, sid, f, u)',
      cols,
    );
    for (const row of r.rows) out[row.w]!.set(row.sid, row.n);
    return out;
  }

  async daysWithData(signalIds: readonly number[], from: number, until: number): Promise<Array<{ day: number; synthetic: boolean }>> {
    if (signalIds.length === 0) return [];
    const r = await this.pool.query<{ day: number; measured: boolean }>(
      'SELECT d.ts AS day, bool_or(NOT s.synthetic) AS measured FROM points_daily d JOIN signals s ON s.id = d.signal_id ' +
        'WHERE d.signal_id = ANY($1::bigint[]) AND d.ts >= $2 AND d.ts < $3 AND d.n > 0 GROUP BY d.ts ORDER BY d.ts',
      [signalIds, from, until],
    );
    return r.rows.map((x) => ({ day: x.day, synthetic: !x.measured }));
  }

  async listSourceEvents(filter: SourceEventFilter = {}): Promise<SourceEventRow[]> {
    const where: string[] = [];
    const args: Array<string | number> = [];
    const arg = (v: string | number) => {
      args.push(v);
      return `$${args.length}`;
    };
    if (filter.entity) {
      const e = parseEntity(filter.entity);
      where.push(`e.type = ${arg(e.type)} AND e.code = ${arg(e.code)}`);
    }
    if (filter.source) where.push(`se.source = ${arg(filter.source)}`);
    if (filter.until !== undefined) where.push(`se.start_ts < ${arg(filter.until)}`);
    if (filter.from !== undefined) where.push(`coalesce(se.end_ts, se.start_ts) >= ${arg(filter.from)}`);
    type Row = {
      id: number;
      source: string;
      external_id: string;
      type: string | null;
      code: string | null;
      start_ts: number;
      end_ts: number | null;
      kind: string | null;
      title: string | null;
      description: string | null;
      score: number | null;
      url: string | null;
      raw: unknown;
      fetched_at: number;
    };
    const r = await this.pool.query<Row>(
      `SELECT se.id, se.source, se.external_id, e.type, e.code, se.start_ts, se.end_ts, se.kind, se.title, se.description, se.score, se.url, se.raw, se.fetched_at
       FROM source_events se LEFT JOIN entities e ON e.id = se.entity_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY se.start_ts, se.id`,
      args,
    );
    return r.rows.map((x) => ({
      id: x.id,
      source: x.source,
      externalId: x.external_id,
      entity: x.type ? `${x.type}:${x.code}` : null,
      start: x.start_ts,
      end: x.end_ts,
      kind: x.kind,
      title: x.title,
      description: x.description,
      score: x.score,
      url: x.url,
      raw: x.raw,
      fetchedAt: x.fetched_at,
    }));
  }

  async checkpoints(filter: CheckpointFilter = {}): Promise<CheckpointRow[]> {
    const where: string[] = [];
    const args: string[] = [];
    for (const [col, v] of [
      ['collector', filter.collector],
      ['entity', filter.entity],
      ['signal', filter.signal],
    ] as const) {
      if (v !== undefined) {
        args.push(v);
        where.push(`${col} = $${args.length}`);
      }
    }
    type Row = {
      collector: string;
      entity: string;
      signal: string;
      from_ts: number;
      until_ts: number;
      status: 'ok' | 'no-data';
      updated_at: number;
    };
    const r = await this.pool.query<Row>(
      `SELECT * FROM checkpoints ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY collector COLLATE "C", entity COLLATE "C", signal COLLATE "C", from_ts`,
      args,
    );
    return r.rows.map((x) => ({
      collector: x.collector,
      entity: x.entity,
      signal: x.signal,
      from: x.from_ts,
      until: x.until_ts,
      status: x.status,
      updatedAt: x.updated_at,
    }));
  }

  async uncovered(collector: string, entity: string, signal: string, from: number, until: number): Promise<Array<[number, number]>> {
    const r = await this.pool.query<{ from_ts: number; until_ts: number }>(
      'SELECT from_ts, until_ts FROM checkpoints WHERE collector = $1 AND entity = $2 AND signal = $3 AND from_ts < $4 AND until_ts > $5 ORDER BY from_ts',
      [collector, formatEntity(parseEntity(entity)), signal, until, from],
    );
    const out: Array<[number, number]> = [];
    let cur = from;
    for (const c of r.rows) {
      if (c.from_ts > cur) out.push([cur, Math.min(c.from_ts, until)]);
      cur = Math.max(cur, c.until_ts);
      if (cur >= until) break;
    }
    if (cur < until) out.push([cur, until]);
    return out;
  }

  async startRun(job: string, collector: string | null = null, details?: unknown): Promise<number> {
    const r = await this.pool.query<{ id: number }>(
      "INSERT INTO runs (job, collector, started_at, status, details, owner_host, owner_pid, owner_started) VALUES ($1, $2, $3, 'running', $4, $5, $6, $7) RETURNING id",
      [job, collector, now(), details === undefined ? null : jsonb(details), this.owner.host, this.owner.pid, this.owner.started],
    );
    return r.rows[0]!.id;
  }

  async finishRun(id: number, f: RunFinish): Promise<void> {
    await this.pool.query(
      'UPDATE runs SET finished_at = $1, status = $2, rows = $3, windows_ok = $4, windows_failed = $5, error = $6, details = coalesce($7, details) WHERE id = $8',
      [
        now(),
        f.status,
        f.rows ?? 0,
        f.windowsOk ?? 0,
        f.windowsFailed ?? 0,
        f.error ?? null,
        f.details === undefined ? null : jsonb(f.details),
        id,
      ],
    );
  }

  async markInterruptedRuns(
    ownerGone: (owner: RunOwner | null) => boolean = () => true,
    reason = 'the process that ran it ended before the run finished',
  ): Promise<number> {
    const running = await this.pool.query<{
      id: number;
      owner_host: string | null;
      owner_pid: number | null;
      owner_started: number | null;
    }>("SELECT id, owner_host, owner_pid, owner_started FROM runs WHERE status = 'running'");
    const gone = running.rows
      .filter((r) =>
        ownerGone(
          r.owner_host === null || r.owner_pid === null ? null : { host: r.owner_host, pid: r.owner_pid, started: r.owner_started ?? 0 },
        ),
      )
      .map((r) => r.id);
    if (gone.length === 0) return 0;
    const r = await this.pool.query(
      "UPDATE runs SET status = 'interrupted', finished_at = $1, error = coalesce(error, $2) WHERE id = ANY($3::bigint[]) AND status = 'running'",
      [now(), reason, gone],
    );
    return r.rowCount ?? 0;
  }

  async recentRuns(filter: { job?: string; collector?: string; limit?: number } = {}): Promise<RunRow[]> {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter.job) {
      args.push(filter.job);
      where.push(`job = $${args.length}`);
    }
    if (filter.collector) {
      args.push(filter.collector);
      where.push(`collector = $${args.length}`);
    }
    args.push(Math.max(1, Math.min(1000, filter.limit ?? 20)));
    const r = await this.pool.query<RunDbRow<unknown>>(
      `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT $${args.length}`,
      args,
    );
    return r.rows.map(runFromRow);
  }

  async getRun(id: number): Promise<RunRow | null> {
    const r = await this.pool.query<RunDbRow<unknown>>('SELECT * FROM runs WHERE id = $1', [id]);
    return r.rows[0] ? runFromRow(r.rows[0]) : null;
  }

  async getMeta(key: string): Promise<string | null> {
    const r = await this.pool.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]);
    return r.rows[0]?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.pool.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
      key,
      value,
    ]);
  }

  /** Leases on collection windows (several collectors on this database split the windows): db/postgres/leases.ts. */
  windowLeases(ttlSeconds?: number): WindowLeases {
    return new PgWindowLeases(this.pool, this.owner, ttlSeconds);
  }

  /** Every source's request starts, claimed by all processes on this database together: db/postgres/request-budget.ts. */
  requestBudget(): RequestBudget {
    return new PgRequestBudget(this.pool);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
