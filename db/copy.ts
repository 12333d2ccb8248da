import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { describeDbLocation, type DbLocation } from '../core/db-location.js';
import { PgPointStore } from './postgres/store.js';
import { ensurePartitions, partitionsBetween, type PartitionSpec } from './postgres/partitions.js';
import { SqliteStore } from './store.js';
import { outagesChanged } from './outages.js';

/**
 * `outagewatch db copy SOURCE TARGET` (issue 23): every table both backends have (meta, entities, signals, points
 * and rollups, source events, raw responses, checkpoints, runs; the calendar, detected outages, outage changes and
 * webhook deliveries, reference lists) from one database into an EMPTY one, either backend either way, ids kept.
 * In batches (keyset pages in key order), each batch one transaction; verified at the end by row counts of every
 * table, a checksum of the daily rollup and one of every row of the small tables (calendar … reference lists).
 */

type ColType = 'int8' | 'int4' | 'float8' | 'text' | 'bool' | 'json' | 'bytea';

interface Column {
  /** SQLite name (the logical name). */
  name: string;
  type: ColType;
  /** PostgreSQL name when it differs (SQLite's `start`/`end` are start_ts/end_ts there). */
  pg?: string;
}

interface TableSpec {
  name: string;
  key: string[];
  cols: Column[];
  /** Identity column whose sequence follows the copied ids on PostgreSQL. */
  identity?: string;
  /** Small table: every row goes into the records checksum. */
  checksum?: boolean;
}

const c = (name: string, type: ColType, pgName?: string): Column => (pgName ? { name, type, pg: pgName } : { name, type });
const ROLLUP_COLS = [
  c('signal_id', 'int8'),
  c('ts', 'int8'),
  c('min', 'float8'),
  c('mean', 'float8'),
  c('max', 'float8'),
  c('n', 'int8'),
  c('sum', 'float8'),
  c('min_ts', 'int8'),
  c('max_ts', 'int8'),
];

/** The copied tables, in an order that keeps references valid. */
export const COPY_TABLES: readonly TableSpec[] = [
  { name: 'meta', key: ['key'], cols: [c('key', 'text'), c('value', 'text')] },
  {
    name: 'entities',
    key: ['id'],
    identity: 'id',
    cols: [c('id', 'int8'), c('type', 'text'), c('code', 'text'), c('name', 'text'), c('country', 'text')],
  },
  {
    name: 'signals',
    key: ['id'],
    identity: 'id',
    cols: [
      c('id', 'int8'),
      c('entity_id', 'int8'),
      c('name', 'text'),
      c('source', 'text'),
      c('metric', 'text'),
      c('target', 'text'),
      c('step', 'int4'),
      c('unit', 'text'),
      c('synthetic', 'bool'),
      c('meta', 'json'),
      c('source_name', 'text'),
      c('licence', 'text'),
      c('citation', 'text'),
      c('label', 'text'),
      c('axis', 'text'),
    ],
  },
  { name: 'points', key: ['signal_id', 'ts'], cols: [c('signal_id', 'int8'), c('ts', 'int8'), c('value', 'float8')] },
  { name: 'points_hourly', key: ['signal_id', 'ts'], cols: ROLLUP_COLS },
  { name: 'points_6h', key: ['signal_id', 'ts'], cols: ROLLUP_COLS },
  { name: 'points_daily', key: ['signal_id', 'ts'], cols: ROLLUP_COLS },
  {
    name: 'source_events',
    key: ['id'],
    identity: 'id',
    cols: [
      c('id', 'int8'),
      c('source', 'text'),
      c('external_id', 'text'),
      c('entity_id', 'int8'),
      c('start', 'int8', 'start_ts'),
      c('end', 'int8', 'end_ts'),
      c('kind', 'text'),
      c('title', 'text'),
      c('description', 'text'),
      c('score', 'float8'),
      c('url', 'text'),
      c('raw', 'json'),
      c('fetched_at', 'int8'),
    ],
  },
  {
    name: 'raw_responses',
    key: ['id'],
    identity: 'id',
    cols: [
      c('id', 'int8'),
      c('source', 'text'),
      c('url', 'text'),
      c('fetched_at', 'int8'),
      c('sha256', 'text'),
      c('status', 'int4'),
      c('body_gzip', 'bytea'),
    ],
  },
  {
    name: 'checkpoints',
    key: ['collector', 'entity', 'signal', 'from_ts'],
    cols: [
      c('collector', 'text'),
      c('entity', 'text'),
      c('signal', 'text'),
      c('from_ts', 'int8'),
      c('until_ts', 'int8'),
      c('status', 'text'),
      c('updated_at', 'int8'),
    ],
  },
  {
    name: 'runs',
    key: ['id'],
    identity: 'id',
    cols: [
      c('id', 'int8'),
      c('job', 'text'),
      c('collector', 'text'),
      c('started_at', 'int8'),
      c('finished_at', 'int8'),
      c('status', 'text'),
      c('rows', 'int8'),
      c('windows_ok', 'int4'),
      c('windows_failed', 'int4'),
      c('error', 'text'),
      c('details', 'json'),
      c('owner_host', 'text'),
      c('owner_pid', 'int4'),
      c('owner_started', 'int8'),
    ],
  },
  // the calendar, detected outages, alerts and reference lists (PostgreSQL migration 0010): small tables, also
  // verified by a checksum of every row
  {
    name: 'protest_events',
    key: ['id'],
    checksum: true,
    cols: [
      c('id', 'text'),
      c('title', 'text'),
      c('country', 'text'),
      c('places', 'text'),
      c('start', 'int8'),
      c('end', 'int8'),
      c('tz', 'text'),
      c('all_day', 'bool'),
      c('kind', 'text'),
      c('sources', 'text'),
      c('notes', 'text'),
      c('tags', 'text'),
      c('origin', 'text'),
      c('origin_file', 'text'),
      c('origin_line', 'int4'),
      c('created_at', 'int8'),
      c('updated_at', 'int8'),
    ],
  },
  { name: 'calendar_meta', key: ['key'], checksum: true, cols: [c('key', 'text'), c('value', 'text')] },
  {
    name: 'outages',
    key: ['id'],
    identity: 'id',
    checksum: true,
    cols: [
      c('id', 'int8'),
      c('entity_id', 'int8'),
      c('start', 'int8'),
      c('end', 'int8'),
      c('kind', 'text'),
      c('severity', 'text'),
      c('score', 'float8'),
      c('signals', 'text'),
      c('targets', 'text'),
      c('evidence', 'text'),
      c('detected_at', 'int8'),
      c('open', 'bool'),
      c('lost_percent', 'float8'),
      c('hours', 'float8'),
      c('synthetic', 'bool'),
    ],
  },
  // the detector's resumable state (db/detection-state.ts): copied, so the next detection on the target goes on from
  // it (a big database's detection from the first point is slow)
  {
    name: 'detection_state',
    key: ['entity'],
    checksum: true,
    cols: [c('entity', 'text'), c('rules_hash', 'text'), c('detected_from', 'int8'), c('detected_until', 'int8'), c('updated_at', 'int8')],
  },
  {
    name: 'detector_signal_state',
    key: ['entity', 'signal'],
    checksum: true,
    cols: [c('entity', 'text'), c('signal', 'text'), c('checkpoint', 'int8'), c('state', 'text'), c('data', 'bytea')],
  },
  {
    name: 'detector_episodes',
    key: ['entity', 'signal', 'start'],
    checksum: true,
    cols: [c('entity', 'text'), c('signal', 'text'), c('start', 'int8'), c('end', 'int8'), c('episode', 'text')],
  },
  { name: 'detector_entity_state', key: ['entity'], checksum: true, cols: [c('entity', 'text'), c('derived', 'text')] },
  {
    name: 'outage_changes',
    key: ['id'],
    identity: 'id',
    checksum: true,
    cols: [
      c('id', 'int8'),
      c('key', 'text'),
      c('entity', 'text'),
      c('change', 'text'),
      c('at', 'int8'),
      c('payload', 'text'),
      c('announced', 'bool'),
      c('created_at', 'int8'),
      // the change whose payload holds the outage part this one shares (migrations 0109 / 0071)
      c('body_of', 'int8'),
    ],
  },
  {
    name: 'webhook_deliveries',
    key: ['id'],
    identity: 'id',
    checksum: true,
    cols: [
      c('id', 'int8'),
      c('change_id', 'int8'),
      c('url', 'text'),
      c('status', 'text'),
      c('attempts', 'int4'),
      c('last_error', 'text'),
      c('next_attempt', 'int8'),
      c('sent_at', 'int8'),
    ],
  },
  {
    name: 'reference_lists',
    key: ['name'],
    checksum: true,
    cols: [c('name', 'text'), c('format', 'text'), c('files', 'text'), c('created_at', 'int8'), c('updated_at', 'int8')],
  },
  {
    name: 'reference_outages',
    key: ['id'],
    identity: 'id',
    checksum: true,
    cols: [
      c('id', 'int8'),
      c('list', 'text'),
      c('natural_key', 'text'),
      c('country', 'text'),
      c('start', 'int8'),
      c('end', 'int8'),
      c('kind', 'text'),
      c('scope', 'text'),
      c('scope_raw', 'text'),
      c('scope_detail', 'text'),
      c('area', 'text'),
      c('cause', 'text'),
      c('services', 'text'),
      c('source', 'text'),
      c('origin_file', 'text'),
      c('origin_line', 'int4'),
      c('raw', 'text'),
    ],
  },
];

/** SQLite tables that are bookkeeping, not data (never listed as "not copied"). */
const SQLITE_INTERNAL = new Set(['data_version', 'sqlite_sequence', 'sqlite_stat1', 'sqlite_stat4']);

/**
 * Points packed per signal and day (migration 0106, db/packed.ts): derived from `points` and SQLite-only (PostgreSQL
 * reads its points table). Not copied: a SQLite target packs the copied points itself when the copy finishes.
 */
const PACKED_POINTS = new Set(['points_packed', 'points_unpacked']);

/** A row in logical form: bool as boolean, json as JSON text, bytea as Buffer, numbers as numbers. */
type Row = unknown[];

const q = (id: string) => `"${id}"`;

interface Side {
  readonly label: string;
  count(t: TableSpec): Promise<number>;
  /** Up to `limit` rows after `after` (the key of the last row read; null: from the start), in key order. */
  page(t: TableSpec, after: Row | null, limit: number): Promise<Row[]>;
  write(t: TableSpec, rows: Row[]): Promise<void>;
  /** After the copy: identity sequences follow the copied ids. */
  finish(): Promise<void>;
  /** Tables with rows that this copy does not carry (SQLite source only), with their row counts. */
  otherTables(): Promise<Array<{ table: string; rows: number }>>;
  close(): Promise<void>;
}

class SqliteSide implements Side {
  constructor(
    readonly store: SqliteStore,
    readonly label: string,
  ) {}

  private get db(): Database.Database {
    return this.store.db;
  }

  async count(t: TableSpec): Promise<number> {
    return (this.db.prepare(`SELECT count(*) AS n FROM ${q(t.name)}`).get() as { n: number }).n;
  }

  async page(t: TableSpec, after: Row | null, limit: number): Promise<Row[]> {
    const cols = t.cols.map((x) => q(x.name)).join(', ');
    const key = t.key.map(q).join(', ');
    const where = after ? `WHERE (${key}) > (${t.key.map(() => '?').join(', ')})` : '';
    const rows = this.db
      .prepare(`SELECT ${cols} FROM ${q(t.name)} ${where} ORDER BY ${key} LIMIT ?`)
      .raw(true)
      .all(...(after ?? []), limit) as Row[];
    const bools = t.cols.map((x, i) => (x.type === 'bool' ? i : -1)).filter((i) => i >= 0);
    for (const r of rows) for (const i of bools) r[i] = r[i] === null ? null : r[i] === 1;
    return rows;
  }

  async write(t: TableSpec, rows: Row[]): Promise<void> {
    const st = this.db.prepare(
      `INSERT INTO ${q(t.name)} (${t.cols.map((x) => q(x.name)).join(', ')}) VALUES (${t.cols.map(() => '?').join(', ')})`,
    );
    const bools = t.cols.map((x, i) => (x.type === 'bool' ? i : -1)).filter((i) => i >= 0);
    this.db.transaction(() => {
      for (const r of rows) {
        const v = bools.length ? r.slice() : r;
        for (const i of bools) v[i] = v[i] === null ? null : v[i] ? 1 : 0;
        st.run(...v);
      }
      // outages have no row triggers moving the correlation data version (migration 0108): their writers move it
      if (t.name === 'outages' && rows.length > 0) outagesChanged(this.db);
    })();
  }

  /** The copied points packed per day, as `writeWindow` would have kept them. */
  async finish(): Promise<void> {
    this.store.repackPoints();
  }

  async otherTables(): Promise<Array<{ table: string; rows: number }>> {
    const copied = new Set(COPY_TABLES.map((t) => t.name));
    const names = this.db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => r.name);
    const out: Array<{ table: string; rows: number }> = [];
    for (const name of names) {
      if (copied.has(name) || SQLITE_INTERNAL.has(name) || PACKED_POINTS.has(name) || name.startsWith('sqlite_')) continue;
      const n = (this.db.prepare(`SELECT count(*) AS n FROM ${q(name)}`).get() as { n: number }).n;
      if (n > 0) out.push({ table: name, rows: n });
    }
    return out;
  }

  async close(): Promise<void> {
    this.store.close();
  }
}

const PG_ARRAY: Record<ColType, string> = {
  int8: 'int8[]',
  int4: 'int4[]',
  float8: 'float8[]',
  text: 'text[]',
  bool: 'bool[]',
  json: 'text[]',
  bytea: 'bytea[]',
};

class PgSide implements Side {
  private readonly partitions = new Set<string>();
  constructor(
    readonly store: PgPointStore,
    readonly label: string,
  ) {}

  private get pool(): pg.Pool {
    return this.store.pool;
  }

  async count(t: TableSpec): Promise<number> {
    const r = await this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${q(t.name)}`);
    return r.rows[0]!.n;
  }

  async page(t: TableSpec, after: Row | null, limit: number): Promise<Row[]> {
    const cols = t.cols.map((x) => (x.type === 'json' ? `${q(x.pg ?? x.name)}::text` : q(x.pg ?? x.name))).join(', ');
    const keyCols = t.key.map((k) => q(t.cols.find((x) => x.name === k)!.pg ?? k));
    const args: unknown[] = after ? [...after, limit] : [limit];
    // the key compared in the C collation, as SQLite orders text
    const collated = t.key
      .map((k, i) => (t.cols.find((x) => x.name === k)!.type === 'text' ? `${keyCols[i]} COLLATE "C"` : keyCols[i]!))
      .join(', ');
    const where = after ? `WHERE (${collated}) > (${t.key.map((_, i) => `$${i + 1}`).join(', ')})` : '';
    const r = await this.pool.query({
      text: `SELECT ${cols} FROM ${q(t.name)} ${where} ORDER BY ${collated} LIMIT $${args.length}`,
      values: args,
      rowMode: 'array',
    });
    return r.rows as Row[];
  }

  async write(t: TableSpec, rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    const specs: PartitionSpec[] = [];
    if (t.name === 'points' || t.name === 'points_hourly') {
      const tsIdx = t.cols.findIndex((x) => x.name === 'ts');
      let lo = Infinity;
      let hi = -Infinity;
      for (const r of rows) {
        const ts = r[tsIdx] as number;
        if (ts < lo) lo = ts;
        if (ts > hi) hi = ts;
      }
      for (const p of partitionsBetween(t.name, lo, hi)) specs.push(p);
    }
    const columns = t.cols.map((_, i) => rows.map((r) => r[i]));
    const names = t.cols.map((x) => q(x.pg ?? x.name)).join(', ');
    const select = t.cols.map((x, i) => (x.type === 'json' ? `c${i}::jsonb` : `c${i}`)).join(', ');
    const unnest = t.cols.map((x, i) => `$${i + 1}::${PG_ARRAY[x.type]}`).join(', ');
    const client = await this.pool.connect();
    try {
      if (specs.length) await ensurePartitions(client, specs, this.partitions);
      await client.query(
        `INSERT INTO ${q(t.name)} (${names}) SELECT ${select} FROM unnest(${unnest}) AS u(${t.cols.map((_, i) => `c${i}`).join(', ')})`,
        columns,
      );
    } finally {
      client.release();
    }
  }

  async finish(): Promise<void> {
    for (const t of COPY_TABLES) {
      if (!t.identity) continue;
      await this.pool.query(
        `SELECT setval(pg_get_serial_sequence('${t.name}', '${t.identity}'), coalesce(max(${q(t.identity)}), 0) + 1, false) FROM ${q(t.name)}`,
      );
    }
  }

  async otherTables(): Promise<Array<{ table: string; rows: number }>> {
    return [];
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}

async function openSide(loc: DbLocation): Promise<Side> {
  if (loc.backend === 'postgres') return new PgSide(await PgPointStore.open(loc.url), describeDbLocation(loc));
  return new SqliteSide(SqliteStore.open(loc.path), loc.path);
}

async function openSource(loc: DbLocation): Promise<Side> {
  if (loc.backend === 'sqlite' && loc.path !== ':memory:' && !existsSync(resolve(loc.path)))
    throw new CopyRefusedError(`the source ${resolve(loc.path)} does not exist`);
  return openSide(loc);
}

export interface CopyProgress {
  table: string;
  done: number;
  total: number;
}

export interface CopyResult {
  source: string;
  target: string;
  tables: Array<{ table: string; rows: number }>;
  /** sha256 of every daily rollup row, equal on both sides. */
  rollupChecksum: string;
  /** sha256 of every row of the calendar, outage, alert and reference tables, equal on both sides. */
  recordsChecksum: string;
  /** Derived tables of the source left behind on purpose (the detector's state, rebuilt by the next `detect`). */
  seconds: number;
}

/** Why a copy cannot start (target not empty, tables the copy would leave behind): bad usage, nothing written. */
export class CopyRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopyRefusedError';
  }
}

/** sha256 over the rows of these tables in key order (every column; JSON null and '' told apart). */
async function checksum(side: Side, tables: readonly TableSpec[]): Promise<string> {
  const h = createHash('sha256');
  for (const t of tables) {
    h.update(`${t.name}\n`);
    let after: Row | null = null;
    for (;;) {
      const rows = await side.page(t, after, 10_000);
      for (const r of rows) h.update(`${JSON.stringify(r.map((v) => (v === null || typeof v !== 'object' ? v : String(v))))}\n`);
      if (rows.length < 10_000) break;
      const last = rows[rows.length - 1]!;
      after = t.key.map((k) => last[t.cols.findIndex((x) => x.name === k)]);
    }
  }
  return h.digest('hex');
}

/** sha256 over the daily rollup rows in key order (signal_id, ts, min, mean, max, n, sum, min_ts, max_ts). */
const rollupChecksum = (side: Side) => checksum(side, [COPY_TABLES.find((x) => x.name === 'points_daily')!]);
/** sha256 over every row of the calendar, outage, alert and reference tables. */
const recordsChecksum = (side: Side) =>
  checksum(
    side,
    COPY_TABLES.filter((x) => x.checksum),
  );

export async function copyDatabase(
  source: DbLocation,
  target: DbLocation,
  opts: { batch?: number; coreOnly?: boolean; onProgress?: (p: CopyProgress) => void } = {},
): Promise<CopyResult> {
  const started = Date.now();
  const batch = Math.max(1, opts.batch ?? 10_000);
  if (describeDbLocation(source) === describeDbLocation(target)) throw new CopyRefusedError('source and target are the same database');
  const from = await openSource(source);
  let to: Side | undefined;
  try {
    const others = await from.otherTables();
    const left = others;
    if (left.length && !opts.coreOnly) {
      throw new CopyRefusedError(
        `these tables of ${from.label} are not copied (this version's PostgreSQL schema does not hold them): ${left.map((x) => `${x.table} (${x.rows} rows)`).join(', ')}; ` +
          'pass --core-only to copy every other table without them',
      );
    }
    to = await openSide(target);
    for (const t of COPY_TABLES) {
      const n = await to.count(t);
      if (n > 0) throw new CopyRefusedError(`the target ${to.label} is not empty (${t.name} holds ${n} rows); copy into an empty database`);
    }
    const tables: CopyResult['tables'] = [];
    for (const t of COPY_TABLES) {
      const total = await from.count(t);
      let done = 0;
      let after: Row | null = null;
      opts.onProgress?.({ table: t.name, done, total });
      for (;;) {
        const rows = await from.page(t, after, batch);
        if (rows.length === 0) break;
        await to.write(t, rows);
        done += rows.length;
        opts.onProgress?.({ table: t.name, done, total });
        if (rows.length < batch) break;
        const last = rows[rows.length - 1]!;
        after = t.key.map((k) => last[t.cols.findIndex((x) => x.name === k)]);
      }
      tables.push({ table: t.name, rows: done });
    }
    await to.finish();
    // verification: every table's row count, and the daily rollup bit for bit
    const mismatch: string[] = [];
    for (const t of COPY_TABLES) {
      const [a, b] = [await from.count(t), await to.count(t)];
      if (a !== b) mismatch.push(`${t.name}: ${a} rows in the source, ${b} in the target`);
    }
    const [ca, cb] = [await rollupChecksum(from), await rollupChecksum(to)];
    if (ca !== cb) mismatch.push(`daily rollup checksum differs (${ca.slice(0, 12)} vs ${cb.slice(0, 12)})`);
    const [ra, rb] = [await recordsChecksum(from), await recordsChecksum(to)];
    if (ra !== rb)
      mismatch.push(`calendar/outage/alert/reference/detector-state checksum differs (${ra.slice(0, 12)} vs ${rb.slice(0, 12)})`);
    if (mismatch.length) throw new Error(`the copy does not verify: ${mismatch.join('; ')}`);
    return {
      source: from.label,
      target: to.label,
      tables,
      rollupChecksum: ca,
      recordsChecksum: ra,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await from.close();
    await to?.close();
  }
}
