import type { Statement } from 'better-sqlite3';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { Db } from './connection.js';
import { DatabaseError, describeDbError, namedDbError, openDb } from './connection.js';
import { quickCheck, type IntegrityResult } from './integrity.js';
import { listEvents } from './calendar.js';
import { PackedPoints, type PackedSource } from './packed.js';
import { loadMigrations, migrate, schemaVersion } from './migrate.js';
import { formatEntity, parseEntity, parseSignalName, type EntityRef } from './entities.js';
import { defaultProvenance, mergeProvenance, type SignalProvenance } from './provenance.js';
import {
  extendDetectionState,
  firstOutageEndingFrom,
  getDerived,
  getDetectionState,
  getSignalStates,
  getStoredEpisodes,
  putDerived,
  putDetectionState,
  saveSignalStates,
  type DetectionState,
  type EpisodeRow,
  type SignalStateRow,
} from './detection-state.js';

export type { SignalProvenance } from './provenance.js';

/** A point as written: `[ts, value]`, ts Unix seconds UTC at the start of the step, value null = no data. */
export type PointTuple = readonly [number, number | null];

export interface SignalSpec {
  /** `source.metric[:target]` */
  name: string;
  step?: number | null;
  unit?: string | null;
  synthetic?: boolean;
  meta?: Record<string, unknown> | null;
  /** source name, licence, citation, label, axis, target; missing fields take the source's defaults */
  provenance?: Partial<Omit<SignalProvenance, 'unit'>> | null;
}

export interface SourceEventInput {
  source: string;
  externalId: string;
  entity?: string | null;
  start: number;
  end?: number | null;
  kind?: string | null;
  title?: string | null;
  description?: string | null;
  score?: number | null;
  url?: string | null;
  raw: unknown;
}

export interface RawResponseInput {
  source: string;
  url: string;
  fetchedAt: number;
  status?: number | null;
  body: string | Buffer;
}

export interface CoverageInput {
  signal: string;
  status: 'ok' | 'no-data';
}

/** One collected window, written atomically: points, rollups, source events, raw responses and checkpoints. */
export interface WindowWrite {
  collector: string;
  entity: string;
  /** The interval this window covers: [from, until). */
  from: number;
  until: number;
  series: Array<{ signal: SignalSpec; points: readonly PointTuple[] }>;
  sourceEvents?: SourceEventInput[];
  raw?: RawResponseInput[];
  /** Checkpoint intervals to record; default: every series' signal as 'ok'. */
  coverage?: CoverageInput[];
}

export interface WindowResult {
  points: number;
  events: number;
}

export interface CheckpointRow {
  collector: string;
  entity: string;
  signal: string;
  from: number;
  until: number;
  status: 'ok' | 'no-data';
  updatedAt: number;
}

export interface SignalRow {
  id: number;
  entity: string;
  name: string;
  source: string;
  metric: string;
  target: string | null;
  step: number | null;
  unit: string | null;
  synthetic: boolean;
  /** what was recorded, over the defaults of a built-in source */
  provenance: SignalProvenance;
}

export interface RollupRow {
  ts: number;
  min: number | null;
  mean: number | null;
  max: number | null;
  n: number;
  /**
   * Time of the first point holding min / max (migration 0105; null without a value or for rows older than it).
   * Given by `PointStore.readRollup` on both backends; the synchronous SQLite `readRollup` leaves them out.
   */
  minTs?: number | null;
  maxTs?: number | null;
}

export type RunStatus = 'running' | 'ok' | 'partial' | 'failed' | 'interrupted';

export interface RunRow {
  id: number;
  job: string;
  collector: string | null;
  startedAt: number;
  finishedAt: number | null;
  status: RunStatus;
  rows: number;
  windowsOk: number;
  windowsFailed: number;
  error: string | null;
  details: unknown;
}

export interface RunFinish {
  status: Exclude<RunStatus, 'running'>;
  rows?: number;
  windowsOk?: number;
  windowsFailed?: number;
  error?: string | null;
  details?: unknown;
}

export interface SourceEventRow {
  id: number;
  source: string;
  externalId: string;
  entity: string | null;
  start: number;
  end: number | null;
  kind: string | null;
  title: string | null;
  description: string | null;
  score: number | null;
  url: string | null;
  raw: unknown;
  fetchedAt: number;
}

/** The process that started a run: a run still `running` is left alone while its owner lives. */
export interface RunOwner {
  host: string;
  pid: number;
  /** Process start, Unix milliseconds (tells a reused pid apart). */
  started: number;
}

/** This process as a run owner. */
export const THIS_PROCESS: RunOwner = { host: hostname(), pid: process.pid, started: Math.round(performance.timeOrigin) };

/**
 * The signal store. The SQLite implementation below is the only one today; the interface is what a
 * PostgreSQL backend would implement.
 */
export interface SignalStore {
  readonly path: string;
  writeWindow(w: WindowWrite): WindowResult;
  ensureEntity(ref: string, extra?: { name?: string | null; country?: string | null }): number;
  ensureSignal(entity: string, spec: SignalSpec): number;
  listEntities(): Array<{ id: number; entity: string; name: string | null; country: string | null }>;
  listSignals(entity?: string): SignalRow[];
  readPoints(signalId: number, from: number, until: number): Array<{ ts: number; value: number | null }>;
  readRollup(signalId: number, resolution: 'hourly' | 'daily', from: number, until: number): RollupRow[];
  listSourceEvents(filter?: { entity?: string; source?: string; from?: number; until?: number }): SourceEventRow[];
  checkpoints(filter?: { collector?: string; entity?: string; signal?: string }): CheckpointRow[];
  uncovered(collector: string, entity: string, signal: string, from: number, until: number): Array<[number, number]>;
  startRun(job: string, collector?: string | null, details?: unknown): number;
  finishRun(id: number, f: RunFinish): void;
  /** Marks `running` runs `interrupted` when `ownerGone` says their owner is gone (null owner: an old run without one). */
  markInterruptedRuns(ownerGone?: (owner: RunOwner | null) => boolean, reason?: string): number;
  recentRuns(filter?: { job?: string; collector?: string; limit?: number }): RunRow[];
  schemaVersion(): number;
  sizeBytes(): number;
  close(): void;
}

/** A `runs` row as both backends return it; `D` is how the backend gives `details` (SQLite text, PostgreSQL jsonb). */
export type RunDbRow<D = string | null> = {
  id: number;
  job: string;
  collector: string | null;
  started_at: number;
  finished_at: number | null;
  status: RunStatus;
  rows: number;
  windows_ok: number;
  windows_failed: number;
  error: string | null;
  details: D;
};

/** A stored run as the program reads it, `details` decoded by the backend's `decode`. */
export function runFromDbRow<D>(r: RunDbRow<D>, decode: (details: D) => unknown): RunRow {
  return {
    id: r.id,
    job: r.job,
    collector: r.collector,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    status: r.status,
    rows: r.rows,
    windowsOk: r.windows_ok,
    windowsFailed: r.windows_failed,
    error: r.error,
    details: decode(r.details),
  };
}

const runFromRow = (r: RunDbRow): RunRow => runFromDbRow(r, (d) => (d ? (JSON.parse(d) as unknown) : null));

const HOUR = 3600;
const DAY = 86400;

const now = () => Math.floor(Date.now() / 1000);

/** One hour's aggregate of non-null values, as SQLite's min/avg/max/count/sum compute it. */
interface HourAgg {
  ts: number;
  min: number | null;
  max: number | null;
  /** time of the first point holding min / max (points arrive in increasing time) */
  minTs: number | null;
  maxTs: number | null;
  n: number;
  /** Kahan-Babuska-Neumaier running sum and error term, as SQLite's sum()/avg() (3.43+) keep them. */
  sum: number;
  err: number;
}

function addToHour(h: HourAgg, v: number, ts: number): void {
  if (h.min === null || h.min > v) {
    h.min = v;
    h.minTs = ts;
  }
  if (h.max === null || h.max < v) {
    h.max = v;
    h.maxTs = ts;
  }
  h.n++;
  const s = h.sum;
  const t = s + v;
  if (Math.abs(s) > Math.abs(v)) h.err += s - t + v;
  else h.err += v - t + s;
  h.sum = t;
}

function json(v: unknown): string {
  return JSON.stringify(v ?? null);
}

const EMPTY_COLUMN = new Float64Array(0);

/** A `signals` row joined with its entity, as both backends return it; `B` is how the driver gives booleans. */
export interface SignalDbRow<B> {
  id: number;
  type: string;
  code: string;
  name: string;
  source: string;
  metric: string;
  target: string | null;
  step: number | null;
  unit: string | null;
  synthetic: B;
  source_name: string | null;
  licence: string | null;
  citation: string | null;
  label: string | null;
  axis: 'connectivity' | 'services' | null;
}

/** The signal listing query of both backends (each adds its WHERE and ORDER BY). */
export const SIGNAL_SELECT =
  'SELECT s.id, e.type, e.code, s.name, s.source, s.metric, s.target, s.step, s.unit, s.synthetic, s.source_name, s.licence, s.citation, s.label, s.axis FROM signals s JOIN entities e ON e.id = s.entity_id';

/** A signal with its provenance from its row on either backend (`flag` reads the driver's boolean). */
export function signalFromDbRow<B>(r: SignalDbRow<B>, flag: (b: B) => boolean): SignalRow {
  return {
    id: r.id,
    entity: `${r.type}:${r.code}`,
    name: r.name,
    source: r.source,
    metric: r.metric,
    target: r.target,
    step: r.step,
    unit: r.unit,
    synthetic: flag(r.synthetic),
    provenance: mergeProvenance(r.name, {
      sourceName: r.source_name,
      licence: r.licence,
      citation: r.citation,
      unit: r.unit,
      label: r.label,
      axis: r.axis,
      target: r.target,
    }),
  };
}

export class SqliteStore implements SignalStore {
  readonly db: Db;
  readonly path: string;
  private readonly entityIds = new Map<string, number>();
  private readonly signalIds = new Map<string, number>();
  private readonly stmts;
  /** Where `ow_collect_point` (registered on this connection) writes the rows `readColumns` scans. */
  private readonly columnSink = { ts: EMPTY_COLUMN, values: EMPTY_COLUMN, n: 0 };
  /** Points packed per signal and day (migration 0106): what `readColumns` reads. */
  private readonly packed: PackedPoints;
  /** Recorded with every run this store starts (tests give another). */
  readonly owner: RunOwner;

  constructor(db: Db, path: string, owner: RunOwner = THIS_PROCESS) {
    this.db = db;
    this.path = path;
    this.owner = owner;
    const sink = this.columnSink;
    this.packed = new PackedPoints(db);
    db.function('ow_collect_point', { directOnly: true }, (t: unknown, v: unknown) => {
      if (sink.n === sink.ts.length) {
        // rows written by another connection between the count and the scan: grow
        const ts = new Float64Array(sink.ts.length * 2 + 1024);
        const values = new Float64Array(ts.length);
        ts.set(sink.ts);
        values.set(sink.values);
        sink.ts = ts;
        sink.values = values;
      }
      sink.ts[sink.n] = t as number;
      sink.values[sink.n] = v === null ? Number.NaN : (v as number);
      sink.n++;
      return null;
    });
    this.stmts = {
      entityGet: db.prepare<[string, string], { id: number }>('SELECT id FROM entities WHERE type = ? AND code = ?'),
      pointsOfSignal: db.prepare<[number], number>('SELECT coalesce(sum(n), 0) FROM points_daily WHERE signal_id = ?').pluck(),
      entityIns: db.prepare(
        'INSERT INTO entities (type, code, name, country) VALUES (?, ?, ?, ?) ON CONFLICT (type, code) DO UPDATE SET name = coalesce(excluded.name, name), country = coalesce(excluded.country, country)',
      ),
      signalGet: db.prepare<[number, string], { id: number }>('SELECT id FROM signals WHERE entity_id = ? AND name = ?'),
      signalIns: db.prepare(
        'INSERT INTO signals (entity_id, name, source, metric, target, step, unit, synthetic, meta, source_name, licence, citation, label, axis) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (entity_id, name) DO UPDATE SET step = coalesce(excluded.step, step), unit = coalesce(excluded.unit, unit), synthetic = excluded.synthetic, meta = coalesce(excluded.meta, meta), ' +
          'target = coalesce(excluded.target, target), source_name = coalesce(excluded.source_name, source_name), licence = coalesce(excluded.licence, licence), citation = coalesce(excluded.citation, citation), ' +
          'label = coalesce(excluded.label, label), axis = coalesce(excluded.axis, axis)',
      ),
      pointUpsert: db.prepare(
        'INSERT INTO points (signal_id, ts, value) VALUES (?, ?, ?) ON CONFLICT (signal_id, ts) DO UPDATE SET value = excluded.value',
      ),
      // min_ts / max_ts (migration 0105): the first point in time holding the hour's minimum / maximum
      hourly: db.prepare(
        'INSERT OR REPLACE INTO points_hourly (signal_id, ts, min, mean, max, n, sum, min_ts, max_ts) ' +
          'SELECT g.signal_id, g.h, g.mn, g.av, g.mx, g.c, g.s, ' +
          '(SELECT p.ts FROM points p WHERE p.signal_id = g.signal_id AND p.ts >= g.h AND p.ts < g.h + 3600 AND p.value = g.mn ORDER BY p.ts LIMIT 1), ' +
          '(SELECT p.ts FROM points p WHERE p.signal_id = g.signal_id AND p.ts >= g.h AND p.ts < g.h + 3600 AND p.value = g.mx ORDER BY p.ts LIMIT 1) ' +
          'FROM (SELECT signal_id, (ts / 3600) * 3600 AS h, min(value) AS mn, avg(value) AS av, max(value) AS mx, count(value) AS c, sum(value) AS s ' +
          'FROM points WHERE signal_id = ? AND ts >= ? AND ts < ? GROUP BY h) g',
      ),
      // fast path (see writeWindowTx): hourly rows computed in JS when the window brings every point of its hours
      pointsAny: db.prepare<[number, number, number], { one: number }>(
        'SELECT 1 AS one FROM points WHERE signal_id = ? AND ts >= ? AND ts < ? LIMIT 1',
      ),
      hourlyPut: db.prepare(
        'INSERT OR REPLACE INTO points_hourly (signal_id, ts, min, mean, max, n, sum, min_ts, max_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      // min_ts / max_ts: those of the first hour holding the extreme
      daily: db.prepare(
        'INSERT OR REPLACE INTO points_daily (signal_id, ts, min, mean, max, n, sum, min_ts, max_ts) ' +
          'SELECT g.signal_id, g.b, g.mn, g.av, g.mx, g.c, g.s, ' +
          '(SELECT h.min_ts FROM points_hourly h WHERE h.signal_id = g.signal_id AND h.ts >= g.b AND h.ts < g.b + 86400 AND h.min = g.mn ORDER BY h.ts LIMIT 1), ' +
          '(SELECT h.max_ts FROM points_hourly h WHERE h.signal_id = g.signal_id AND h.ts >= g.b AND h.ts < g.b + 86400 AND h.max = g.mx ORDER BY h.ts LIMIT 1) ' +
          'FROM (SELECT signal_id, (ts / 86400) * 86400 AS b, min(min) AS mn, sum(sum) / sum(n) AS av, max(max) AS mx, sum(n) AS c, sum(sum) AS s ' +
          'FROM points_hourly WHERE signal_id = ? AND ts >= ? AND ts < ? GROUP BY b) g',
      ),
      sixHourly: db.prepare(
        'INSERT OR REPLACE INTO points_6h (signal_id, ts, min, mean, max, n, sum, min_ts, max_ts) ' +
          'SELECT g.signal_id, g.b, g.mn, g.av, g.mx, g.c, g.s, ' +
          '(SELECT h.min_ts FROM points_hourly h WHERE h.signal_id = g.signal_id AND h.ts >= g.b AND h.ts < g.b + 21600 AND h.min = g.mn ORDER BY h.ts LIMIT 1), ' +
          '(SELECT h.max_ts FROM points_hourly h WHERE h.signal_id = g.signal_id AND h.ts >= g.b AND h.ts < g.b + 21600 AND h.max = g.mx ORDER BY h.ts LIMIT 1) ' +
          'FROM (SELECT signal_id, (ts / 21600) * 21600 AS b, min(min) AS mn, sum(sum) / sum(n) AS av, max(max) AS mx, sum(n) AS c, sum(sum) AS s ' +
          'FROM points_hourly WHERE signal_id = ? AND ts >= ? AND ts < ? GROUP BY b) g',
      ),
      eventUpsert: db.prepare(
        'INSERT INTO source_events (source, external_id, entity_id, start, end, kind, title, description, score, url, raw, fetched_at) ' +
          'VALUES (@source, @externalId, @entityId, @start, @end, @kind, @title, @description, @score, @url, @raw, @fetchedAt) ' +
          'ON CONFLICT (source, external_id) DO UPDATE SET entity_id = excluded.entity_id, start = excluded.start, end = excluded.end, kind = excluded.kind, ' +
          'title = excluded.title, description = excluded.description, score = excluded.score, url = excluded.url, raw = excluded.raw, fetched_at = excluded.fetched_at',
      ),
      rawIns: db.prepare('INSERT INTO raw_responses (source, url, fetched_at, sha256, status, body_gzip) VALUES (?, ?, ?, ?, ?, ?)'),
      cpSame: db.prepare<[string, string, string, string, number, number], { from_ts: number; until_ts: number }>(
        'SELECT from_ts, until_ts FROM checkpoints WHERE collector = ? AND entity = ? AND signal = ? AND status = ? AND from_ts <= ? AND until_ts >= ?',
      ),
      cpOther: db.prepare<[string, string, string, string, number, number], { from_ts: number; until_ts: number; status: string }>(
        'SELECT from_ts, until_ts, status FROM checkpoints WHERE collector = ? AND entity = ? AND signal = ? AND status != ? AND from_ts < ? AND until_ts > ?',
      ),
      cpDel: db.prepare('DELETE FROM checkpoints WHERE collector = ? AND entity = ? AND signal = ? AND from_ts = ?'),
      cpIns: db.prepare(
        'INSERT INTO checkpoints (collector, entity, signal, from_ts, until_ts, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      cpRange: db.prepare<[string, string, string, number, number], { from_ts: number; until_ts: number }>(
        'SELECT from_ts, until_ts FROM checkpoints WHERE collector = ? AND entity = ? AND signal = ? AND from_ts < ? AND until_ts > ? ORDER BY from_ts',
      ),
      runIns: db.prepare(
        "INSERT INTO runs (job, collector, started_at, status, details, owner_host, owner_pid, owner_started) VALUES (?, ?, ?, 'running', ?, ?, ?, ?)",
      ),
      runRunning: db.prepare<[], { id: number; owner_host: string | null; owner_pid: number | null; owner_started: number | null }>(
        "SELECT id, owner_host, owner_pid, owner_started FROM runs WHERE status = 'running'",
      ),
      runFin: db.prepare(
        'UPDATE runs SET finished_at = ?, status = ?, rows = ?, windows_ok = ?, windows_failed = ?, error = ?, details = coalesce(?, details) WHERE id = ?',
      ),
      runInterrupt: db.prepare(
        "UPDATE runs SET status = 'interrupted', finished_at = ?, error = coalesce(error, ?) WHERE id = ? AND status = 'running'",
      ),
      readPoints: db.prepare<[number, number, number], { ts: number; value: number | null }>(
        'SELECT ts, value FROM points WHERE signal_id = ? AND ts >= ? AND ts < ? ORDER BY ts',
      ),
      readHourly: db.prepare<[number, number, number], RollupRow>(
        'SELECT ts, min, mean, max, n FROM points_hourly WHERE signal_id = ? AND ts >= ? AND ts < ? ORDER BY ts',
      ),
      readDaily: db.prepare<[number, number, number], RollupRow>(
        'SELECT ts, min, mean, max, n FROM points_daily WHERE signal_id = ? AND ts >= ? AND ts < ? ORDER BY ts',
      ),
      hoursWithData: db
        .prepare<[number, number, number], number>(
          'SELECT ts FROM points_hourly WHERE signal_id = ? AND ts >= ? AND ts < ? AND n > 0 ORDER BY ts',
        )
        .pluck(),
      daySpan: db.prepare<[number], { first: number | null; last: number | null }>(
        'SELECT min(ts) AS first, max(ts) AS last FROM points_daily WHERE signal_id = ? AND n > 0',
      ),
      countPoints: db
        .prepare<[number, number, number], number>('SELECT count(*) FROM points WHERE signal_id = ? AND ts >= ? AND ts < ?')
        .pluck(),
      collectPoints: db
        .prepare<[number, number, number], number>(
          'SELECT count(ow_collect_point(ts, value)) FROM (SELECT ts, value FROM points WHERE signal_id = ? AND ts >= ? AND ts < ? ORDER BY ts)',
        )
        .pluck(),
      iterPoints: db
        .prepare<[number, number, number], [number, number | null]>(
          'SELECT ts, value FROM points WHERE signal_id = ? AND ts >= ? AND ts < ? ORDER BY ts',
        )
        .raw(true),
    };
  }

  /** A database error in words naming `path` (read-only, not a database, damaged, full disk), or null. */
  static describeError(err: unknown, path: string): string | null {
    return describeDbError(err, path);
  }

  /**
   * Opens (and migrates, unless read-only) the store at `path`. A read-only connection writes nothing (no
   * migration, no pragma that writes) and refuses a schema older than this outagewatch's, naming the migration
   * it needs, instead of failing later on a missing table or column.
   */
  static open(path: string, opts: { readonly?: boolean; migrate?: boolean; owner?: RunOwner } = {}): SqliteStore {
    let db: Db | undefined;
    const abs = path === ':memory:' ? path : resolve(path);
    try {
      db = openDb(path, { readonly: opts.readonly });
      if (opts.readonly) checkSchemaForReading(db, abs);
      else if (opts.migrate !== false) migrate(db);
      const store = new SqliteStore(db, path, opts.owner);
      if (!opts.readonly) store.packPending();
      return store;
    } catch (err) {
      if (db?.open) db.close();
      if (err instanceof DatabaseError) throw err;
      if (opts.readonly && abs !== ':memory:' && isWalWithoutWritableFolder(err) && !folderWritable(abs)) {
        throw new DatabaseError(
          `database ${abs} is read-only here and its folder ${dirname(abs)} is not writable: SQLite needs to create ${abs}-shm beside it to read a database in WAL mode; ` +
            `make the folder writable, or (as its owner) switch the file to rollback mode before sharing it read-only: sqlite3 ${abs} 'PRAGMA journal_mode=DELETE'`,
          'SQLITE_READONLY',
          abs,
        );
      }
      throw namedDbError(err, abs);
    }
  }

  /**
   * The store of a command that only reads (status, listings, reports): opened and migrated as usual when this
   * user may write the file and its folder; otherwise read-only, with no migration and no write at all (a schema
   * older than this outagewatch's is refused, naming the migration it needs).
   */
  static openForReading(path: string, opts: { owner?: RunOwner } = {}): SqliteStore {
    if (path === ':memory:' || writableHere(path)) return SqliteStore.open(path, opts);
    return SqliteStore.open(path, { ...opts, readonly: true });
  }

  ensureEntity(ref: string, extra: { name?: string | null; country?: string | null } = {}): number {
    const e: EntityRef = parseEntity(ref);
    const key = formatEntity(e);
    const cached = this.entityIds.get(key);
    if (cached !== undefined && extra.name === undefined && extra.country === undefined) return cached;
    const country = extra.country ?? (e.type === 'country' ? e.code : null);
    this.stmts.entityIns.run(e.type, e.code, extra.name ?? null, country);
    const id = this.stmts.entityGet.get(e.type, e.code)!.id;
    this.entityIds.set(key, id);
    return id;
  }

  ensureSignal(entity: string, spec: SignalSpec): number {
    const key = `${formatEntity(parseEntity(entity))}|${spec.name}`;
    const cached = this.signalIds.get(key);
    if (cached !== undefined) return cached;
    const entityId = this.ensureEntity(entity);
    const n = parseSignalName(spec.name);
    const p = spec.provenance ?? {};
    // a built-in source's provenance is recorded with the signal even when its collector gave none
    const d = defaultProvenance(spec.name);
    const known = d.licence !== null;
    this.stmts.signalIns.run(
      entityId,
      spec.name,
      n.source,
      n.metric,
      p.target ?? n.target,
      spec.step ?? null,
      spec.unit ?? null,
      spec.synthetic ? 1 : 0,
      spec.meta ? json(spec.meta) : null,
      p.sourceName ?? (known ? d.sourceName : null),
      p.licence ?? (known ? d.licence : null),
      p.citation ?? (known ? d.citation : null),
      p.label ?? null,
      p.axis ?? null,
    );
    const id = this.stmts.signalGet.get(entityId, spec.name)!.id;
    this.signalIds.set(key, id);
    return id;
  }

  /** Adds [from, until) with `status` to the covered intervals, merging neighbours and cutting other statuses. */
  private cover(
    collector: string,
    entity: string,
    signal: string,
    from: number,
    until: number,
    status: 'ok' | 'no-data',
    at: number,
  ): void {
    if (!(until > from)) return;
    const s = this.stmts;
    for (const o of s.cpOther.all(collector, entity, signal, status, until, from)) {
      s.cpDel.run(collector, entity, signal, o.from_ts);
      if (o.from_ts < from) s.cpIns.run(collector, entity, signal, o.from_ts, from, o.status, at);
      if (o.until_ts > until) s.cpIns.run(collector, entity, signal, until, o.until_ts, o.status, at);
    }
    let lo = from;
    let hi = until;
    for (const o of s.cpSame.all(collector, entity, signal, status, until, from)) {
      lo = Math.min(lo, o.from_ts);
      hi = Math.max(hi, o.until_ts);
      s.cpDel.run(collector, entity, signal, o.from_ts);
    }
    s.cpIns.run(collector, entity, signal, lo, hi, status, at);
  }

  private writeWindowTx = (w: WindowWrite): WindowResult => {
    const at = now();
    const entity = formatEntity(parseEntity(w.entity));
    let points = 0;
    const up = this.stmts.pointUpsert;
    for (const { signal, points: pts } of w.series) {
      const id = this.ensureSignal(entity, signal);
      if (pts.length === 0) continue;
      let lo = Infinity;
      let hi = -Infinity;
      // Fast path: when the series' points are in strictly increasing time and the store holds no other point in
      // the hours they touch, the hourly rollup is exactly an aggregate of these points, computed here in one pass
      // (same results as the SQL below, bit for bit: SQLite's compensated sum is reproduced). The first and last
      // hour may already hold points (windows that do not start or end on the hour): those two are recomputed
      // from the stored points. Points already stored in any other hour: every hour is recomputed.
      const first = pts[0]![0];
      const last = pts[pts.length - 1]![0];
      const hFirst = first - (first % HOUR);
      const hLast = last - (last % HOUR);
      const any = (a: number, b: number) => this.stmts.pointsAny.get(id, a, b) !== undefined;
      let fast = first >= 0 && (pts.length === 1 || first < last) && !(hLast - hFirst > HOUR && any(hFirst + HOUR, hLast));
      const redoFirst = fast && any(hFirst, hFirst + HOUR);
      const redoLast = fast && hLast !== hFirst && any(hLast, hLast + HOUR);
      const hours: HourAgg[] = [];
      // the points as stored, merged into the packed days they touch below
      const tsCol = new Float64Array(pts.length);
      const valueCol: Array<number | null> = new Array<number | null>(pts.length);
      let cur: HourAgg | null = null;
      let prev = -Infinity;
      for (let i = 0; i < pts.length; i++) {
        const p = pts[i]!;
        const ts = p[0];
        const raw = p[1];
        if (!Number.isInteger(ts)) throw new Error(`${signal.name}: point time ${ts} is not whole seconds`);
        const value = raw === null || Number.isNaN(raw) ? null : raw;
        up.run(id, ts, value);
        tsCol[i] = ts;
        valueCol[i] = value;
        if (ts < lo) lo = ts;
        if (ts > hi) hi = ts;
        if (fast) {
          if (ts <= prev) {
            fast = false;
            continue;
          }
          prev = ts;
          const h = ts - (ts % HOUR);
          if (cur === null || cur.ts !== h) {
            cur = { ts: h, min: null, max: null, minTs: null, maxTs: null, n: 0, sum: 0, err: 0 };
            hours.push(cur);
          }
          if (value !== null) addToHour(cur, value, ts);
        }
      }
      points += pts.length;
      this.packed.merge(id, tsCol, valueCol, pts.length);
      const hFrom = Math.floor(lo / HOUR) * HOUR;
      const hUntil = Math.floor(hi / HOUR) * HOUR + HOUR;
      if (fast) {
        for (const h of hours) {
          if ((redoFirst && h.ts === hFirst) || (redoLast && h.ts === hLast)) {
            this.stmts.hourly.run(id, h.ts, h.ts + HOUR);
            continue;
          }
          const total = h.n === 0 ? null : Number.isFinite(h.err) ? h.sum + h.err : h.sum;
          this.stmts.hourlyPut.run(id, h.ts, h.min, total === null ? null : total / h.n, h.max, h.n, total, h.minTs, h.maxTs);
        }
      } else {
        this.stmts.hourly.run(id, hFrom, hUntil);
      }
      const dFrom = Math.floor(lo / DAY) * DAY;
      const dUntil = Math.floor(hi / DAY) * DAY + DAY;
      this.stmts.daily.run(id, dFrom, dUntil);
      // 6-hour blocks lie inside UTC days: the same day range covers every block the window touched
      this.stmts.sixHourly.run(id, dFrom, dUntil);
    }
    let events = 0;
    for (const e of w.sourceEvents ?? []) {
      this.stmts.eventUpsert.run({
        source: e.source,
        externalId: e.externalId,
        entityId: e.entity ? this.ensureEntity(e.entity) : null,
        start: e.start,
        end: e.end ?? null,
        kind: e.kind ?? null,
        title: e.title ?? null,
        description: e.description ?? null,
        score: e.score ?? null,
        url: e.url ?? null,
        raw: json(e.raw),
        fetchedAt: at,
      });
      events++;
    }
    for (const r of w.raw ?? []) {
      const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
      this.stmts.rawIns.run(
        r.source,
        r.url,
        r.fetchedAt,
        createHash('sha256').update(body).digest('hex'),
        r.status ?? null,
        gzipSync(body),
      );
    }
    const coverage = w.coverage ?? w.series.map((s) => ({ signal: s.signal.name, status: 'ok' as const }));
    for (const c of coverage) this.cover(w.collector, entity, c.signal, w.from, w.until, c.status, at);
    return { points, events };
  };

  /** Writes one window in ONE transaction: after a crash either all of it is there or none. */
  writeWindow(w: WindowWrite): WindowResult {
    if (!(w.until > w.from)) throw new Error(`window ${w.from}..${w.until} is empty`);
    const entityCacheSize = this.entityIds.size;
    const signalCacheSize = this.signalIds.size;
    try {
      return this.db.transaction(this.writeWindowTx).immediate(w);
    } catch (err) {
      // ids created inside the rolled-back transaction are gone: forget them
      if (this.entityIds.size !== entityCacheSize) this.entityIds.clear();
      if (this.signalIds.size !== signalCacheSize) this.signalIds.clear();
      throw err;
    }
  }

  listEntities() {
    return this.db
      .prepare<[], { id: number; type: string; code: string; name: string | null; country: string | null }>(
        'SELECT id, type, code, name, country FROM entities ORDER BY type, code',
      )
      .all()
      .map((r) => ({ id: r.id, entity: `${r.type}:${r.code}`, name: r.name, country: r.country }));
  }

  listSignals(entity?: string): SignalRow[] {
    type Row = SignalDbRow<number>;
    let rows: Row[];
    if (entity) {
      const e = parseEntity(entity);
      rows = this.db.prepare<[string, string], Row>(`${SIGNAL_SELECT} WHERE e.type = ? AND e.code = ? ORDER BY s.name`).all(e.type, e.code);
    } else {
      rows = this.db.prepare<[], Row>(`${SIGNAL_SELECT} ORDER BY e.type, e.code, s.name`).all();
    }
    return rows.map((r) => signalFromDbRow(r, (b) => b === 1));
  }

  readPoints(signalId: number, from: number, until: number) {
    return this.stmts.readPoints.all(signalId, from, until);
  }

  /**
   * Where another thread of this process can read this signal's columns itself (`readPackedSource`, db/packed.ts),
   * with about how many points it has (the daily rollup's count); null for an in-memory database or a signal not
   * packed yet (read it here).
   */
  columnsSource(signalId: number): (PackedSource & { points: number }) | null {
    if (this.path === ':memory:' || !this.packed.ready(signalId)) return null;
    return { path: resolve(this.path), signalId, points: this.stmts.pointsOfSignal.get(signalId) ?? 0 };
  }

  /**
   * The points of [from, until) as two columns (time, value; NaN = no data) in time order: what the detector (and
   * the report) reads. From the points packed per day (`db/packed.ts`, migration 0106): one row and two copies per
   * day, no JavaScript call per point; a signal not packed yet is read from `points`.
   */
  readColumns(signalId: number, from: number, until: number): { ts: Float64Array; values: Float64Array; length: number } {
    if (this.packed.ready(signalId)) return this.packed.read(signalId, from, until);
    return this.scanColumns(signalId, from, until);
  }

  /**
   * Packs the points of signals stored before migration 0106 (one transaction per signal; see `db/packed.ts`).
   * Opening a database for writing does this; a database busy with another writer or read-only keeps reading
   * those signals from `points` until a later opening packs them. Returns how many signals it packed.
   */
  packPending(): number {
    try {
      return this.packed.packPending((id) => this.scanColumns(id, -Infinity, Infinity));
    } catch (err) {
      if (isBusyOrReadonly(err)) return 0;
      throw err;
    }
  }

  /** After points were written around `writeWindow` (`db copy` into SQLite): packs every signal's points again. */
  repackPoints(): number {
    return this.packed.repackAll((id) => this.scanColumns(id, -Infinity, Infinity));
  }

  /**
   * `readColumns` from the `points` table (a function registered on this connection called once per row): how
   * signals not packed yet are read, and how every signal was read before migration 0106 (the detection bench
   * measures both).
   */
  scanColumns(signalId: number, from: number, until: number): { ts: Float64Array; values: Float64Array; length: number } {
    const sink = this.columnSink;
    const size = Math.max(1024, (this.stmts.countPoints.get(signalId, from, until) as number) + 16);
    sink.ts = new Float64Array(size);
    sink.values = new Float64Array(size);
    sink.n = 0;
    try {
      this.stmts.collectPoints.get(signalId, from, until);
      return { ts: sink.ts.subarray(0, sink.n), values: sink.values.subarray(0, sink.n), length: sink.n };
    } finally {
      sink.ts = EMPTY_COLUMN;
      sink.values = EMPTY_COLUMN;
    }
  }

  /**
   * The points of [from, until) in time order as `[ts, value]` rows, one at a time (nothing is gathered in
   * memory). The connection is busy until the iteration ends: finish it (or `return()`) before other queries.
   */
  iteratePoints(signalId: number, from: number, until: number): IterableIterator<[number, number | null]> {
    return this.stmts.iterPoints.iterate(signalId, from, until);
  }

  /** Start times of the hours of [from, until) in which the signal has at least one value, ascending (coverage). */
  hoursWithData(signalId: number, from: number, until: number): number[] {
    return this.stmts.hoursWithData.all(signalId, from, until);
  }

  /** The first and last UTC day (start times) on which the signal has a value, or null when it has none. */
  daySpan(signalId: number): { first: number; last: number } | null {
    const r = this.stmts.daySpan.get(signalId);
    return r && r.first !== null && r.last !== null ? { first: r.first, last: r.last } : null;
  }

  /** The rules hash an entity's stored outages were detected with (null before its first detection over all data). */
  detectionState(entity: string): DetectionState | null {
    return getDetectionState(this.db, entity);
  }

  /** After a detection over all of an entity's data: the rules it used and the span it saw. */
  recordFullDetection(entity: string, rulesHash: string, from: number | null, until: number | null, now: number): void {
    putDetectionState(this.db, { entity, rulesHash, detectedFrom: from, detectedUntil: until, updatedAt: now });
  }

  /** The detector's stored state for an entity's level signals and their final episodes (incremental detection). */
  detectorStates(entity: string): { states: SignalStateRow[]; derived: string | null } {
    return { states: getSignalStates(this.db, entity), derived: getDerived(this.db, entity) };
  }

  /** The final episodes of an entity's level signals that end at or after `fromEnd` (incremental detection). */
  detectorEpisodes(entity: string, fromEnd?: number): EpisodeRow[] {
    return getStoredEpisodes(this.db, entity, fromEnd);
  }

  /** The earliest start of the entity's stored outages that end at or after `t` (null: none). */
  firstOutageEndingFrom(entity: string, t: number): number | null {
    return firstOutageEndingFrom(this.db, entity, t);
  }

  /** Saves detector states and newly final episodes (`replace`: a detection from the start, dropping the old ones). */
  saveDetectorStates(
    entity: string,
    states: ReadonlyArray<{ signal: string; row: SignalStateRow | null }>,
    episodes: readonly EpisodeRow[],
    replace: boolean,
    derived: string,
  ): void {
    saveSignalStates(this.db, entity, states, episodes, replace);
    putDerived(this.db, entity, derived);
  }

  /** After a window was detected with the stored rules. */
  recordWindowDetection(entity: string, until: number, now: number): void {
    extendDetectionState(this.db, entity, until, now);
  }

  readRollup(signalId: number, resolution: 'hourly' | 'daily', from: number, until: number): RollupRow[] {
    return (resolution === 'hourly' ? this.stmts.readHourly : this.stmts.readDaily).all(signalId, from, until);
  }

  /**
   * The UTC days (start of day, Unix seconds) in [from, until) on which at least one of the signals holds a value,
   * from the daily rollups (they outlive raw points pruned by retention), in order; `synthetic` when a synthetic
   * signal gave the day (and no measured one).
   */
  daysWithData(signalIds: readonly number[], from: number, until: number): Array<{ day: number; synthetic: boolean }> {
    if (signalIds.length === 0) return [];
    return this.db
      .prepare<[string, number, number], { day: number; measured: number }>(
        'SELECT d.ts AS day, max(s.synthetic = 0) AS measured FROM points_daily d JOIN signals s ON s.id = d.signal_id ' +
          'WHERE d.signal_id IN (SELECT value FROM json_each(?)) AND d.ts >= ? AND d.ts < ? AND d.n > 0 GROUP BY d.ts ORDER BY d.ts',
      )
      .all(JSON.stringify(signalIds), from, until)
      .map((r) => ({ day: r.day, synthetic: r.measured === 0 }));
  }

  listSourceEvents(filter: { entity?: string; source?: string; from?: number; until?: number } = {}): SourceEventRow[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter.entity) {
      const e = parseEntity(filter.entity);
      where.push('e.type = ? AND e.code = ?');
      args.push(e.type, e.code);
    }
    if (filter.source) {
      where.push('se.source = ?');
      args.push(filter.source);
    }
    if (filter.until !== undefined) {
      where.push('se.start < ?');
      args.push(filter.until);
    }
    if (filter.from !== undefined) {
      where.push('coalesce(se.end, se.start) >= ?');
      args.push(filter.from);
    }
    type Row = {
      id: number;
      source: string;
      external_id: string;
      type: string | null;
      code: string | null;
      start: number;
      end: number | null;
      kind: string | null;
      title: string | null;
      description: string | null;
      score: number | null;
      url: string | null;
      raw: string;
      fetched_at: number;
    };
    const rows = this.db
      .prepare<Array<string | number>, Row>(
        `SELECT se.id, se.source, se.external_id, e.type, e.code, se.start, se.end, se.kind, se.title, se.description, se.score, se.url, se.raw, se.fetched_at
         FROM source_events se LEFT JOIN entities e ON e.id = se.entity_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY se.start, se.id`,
      )
      .all(...args);
    return rows.map((r) => ({
      id: r.id,
      source: r.source,
      externalId: r.external_id,
      entity: r.type ? `${r.type}:${r.code}` : null,
      start: r.start,
      end: r.end,
      kind: r.kind,
      title: r.title,
      description: r.description,
      score: r.score,
      url: r.url,
      raw: JSON.parse(r.raw) as unknown,
      fetchedAt: r.fetched_at,
    }));
  }

  checkpoints(filter: { collector?: string; entity?: string; signal?: string } = {}): CheckpointRow[] {
    const where: string[] = [];
    const args: string[] = [];
    for (const [col, v] of [
      ['collector', filter.collector],
      ['entity', filter.entity],
      ['signal', filter.signal],
    ] as const) {
      if (v !== undefined) {
        where.push(`${col} = ?`);
        args.push(v);
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
    return this.db
      .prepare<string[], Row>(
        `SELECT * FROM checkpoints ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY collector, entity, signal, from_ts`,
      )
      .all(...args)
      .map((r) => ({
        collector: r.collector,
        entity: r.entity,
        signal: r.signal,
        from: r.from_ts,
        until: r.until_ts,
        status: r.status,
        updatedAt: r.updated_at,
      }));
  }

  /** Parts of [from, until) not yet covered by a checkpoint of any status, oldest first. */
  uncovered(collector: string, entity: string, signal: string, from: number, until: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let cur = from;
    for (const c of this.stmts.cpRange.all(collector, formatEntity(parseEntity(entity)), signal, until, from)) {
      if (c.from_ts > cur) out.push([cur, Math.min(c.from_ts, until)]);
      cur = Math.max(cur, c.until_ts);
      if (cur >= until) break;
    }
    if (cur < until) out.push([cur, until]);
    return out;
  }

  startRun(job: string, collector: string | null = null, details?: unknown): number {
    return Number(
      this.stmts.runIns.run(
        job,
        collector,
        now(),
        details === undefined ? null : json(details),
        this.owner.host,
        this.owner.pid,
        this.owner.started,
      ).lastInsertRowid,
    );
  }

  finishRun(id: number, f: RunFinish): void {
    this.stmts.runFin.run(
      now(),
      f.status,
      f.rows ?? 0,
      f.windowsOk ?? 0,
      f.windowsFailed ?? 0,
      f.error ?? null,
      f.details === undefined ? null : json(f.details),
      id,
    );
  }

  markInterruptedRuns(
    ownerGone: (owner: RunOwner | null) => boolean = () => true,
    reason = 'the process that ran it ended before the run finished',
  ): number {
    const gone = this.stmts.runRunning
      .all()
      .filter((r) =>
        ownerGone(
          r.owner_host === null || r.owner_pid === null ? null : { host: r.owner_host, pid: r.owner_pid, started: r.owner_started ?? 0 },
        ),
      );
    const t = now();
    let n = 0;
    this.db.transaction(() => {
      for (const r of gone) n += this.stmts.runInterrupt.run(t, reason, r.id).changes;
    })();
    return n;
  }

  recentRuns(filter: { job?: string; collector?: string; limit?: number } = {}): RunRow[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter.job) {
      where.push('job = ?');
      args.push(filter.job);
    }
    if (filter.collector) {
      where.push('collector = ?');
      args.push(filter.collector);
    }
    args.push(Math.max(1, Math.min(1000, filter.limit ?? 20)));
    return this.db
      .prepare<Array<string | number>, RunDbRow>(
        `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ?`,
      )
      .all(...args)
      .map(runFromRow);
  }

  /** One run by id, or null. */
  getRun(id: number): RunRow | null {
    const r = this.db.prepare<[number], RunDbRow>('SELECT * FROM runs WHERE id = ?').get(id);
    return r ? runFromRow(r) : null;
  }

  schemaVersion(): number {
    return schemaVersion(this.db);
  }

  /** The engine and its version, e.g. `SQLite 3.50.4` (health, status). */
  engineVersion(): string {
    const r = this.db.prepare<[], { v: string }>('SELECT sqlite_version() AS v').get();
    return `SQLite ${r?.v ?? '?'}`;
  }

  /**
   * A number that changes whenever something correlation results are computed from changes (points, outages,
   * calendar, reference lists, source events, checkpoints; kept by triggers, migration 0060). Cache keys use it.
   */
  dataVersion(): number {
    // read on every page request (the page cache's key): prepared once, not per call (preparing was ~7% of a
    // warm page's CPU). Not prepared in the constructor: a database without migration 0060 has no such table.
    this.dataVersionStmt ??= this.db.prepare<[], { v: number }>("SELECT v FROM data_version WHERE name = 'correlation'");
    const r = this.dataVersionStmt.get();
    return r?.v ?? 0;
  }
  private dataVersionStmt: Statement<[], { v: number }> | undefined;

  /** True when this connection cannot write (opened read-only, or the file or its folder is read-only here). */
  get readOnly(): boolean {
    return this.db.readonly;
  }

  /** The calendar's events (id, country, span), ordered by start: what the collection planner reads. */
  calendarSpans(): Array<{ id: string; country: string; start: number; end: number }> {
    return listEvents(this.db).map((e) => ({ id: e.id, country: e.country, start: e.start, end: e.end }));
  }

  /** A cheap read of the schema and the newest run: throws when the database cannot be read at all. */
  probe(): void {
    this.db.prepare('SELECT count(*) AS n FROM sqlite_master').get();
    this.db.prepare('SELECT id FROM runs ORDER BY id DESC LIMIT 1').get();
  }

  /** SQLite's `quick_check` of the whole file, in a worker thread (never blocks the event loop). */
  quickCheck(max = 10): Promise<IntegrityResult> {
    return quickCheck(this.path, this.db, max);
  }

  sizeBytes(): number {
    if (this.path === ':memory:') return 0;
    let total = 0;
    for (const suffix of ['', '-wal', '-shm']) {
      try {
        total += statSync(this.path + suffix).size;
      } catch {
        /* absent */
      }
    }
    return total;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** This user may write the file and the folder it is in (SQLite writes journals beside the file). */
function writableHere(path: string): boolean {
  try {
    accessSync(resolve(path), fsConstants.W_OK);
    accessSync(dirname(resolve(path)), fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function folderWritable(abs: string): boolean {
  try {
    accessSync(dirname(abs), fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function isWalWithoutWritableFolder(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === 'SQLITE_READONLY_DIRECTORY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY_CANTINIT' || code === 'SQLITE_READONLY'
  );
}

/** A read-only connection cannot migrate: a schema older than this outagewatch's is refused, naming the first migration missing. */
/** SQLITE_BUSY (another connection is writing) or SQLITE_READONLY*: a write to leave for later. */
function isBusyOrReadonly(err: unknown): boolean {
  const code = err instanceof Error && 'code' in err ? String(err.code) : '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_READONLY');
}

function checkSchemaForReading(db: Db, abs: string): void {
  const version = schemaVersion(db);
  const migrations = loadMigrations();
  const latest = migrations.at(-1)?.version ?? 0;
  if (version > latest)
    throw new DatabaseError(
      `database ${abs} has schema version ${version}, newer than this outagewatch (${latest}); upgrade outagewatch`,
      'SCHEMA_NEWER',
      abs,
    );
  const missing = migrations.find((m) => m.version > version);
  if (missing) {
    throw new DatabaseError(
      `database ${abs} is read-only and needs migration ${missing.name} (its schema is version ${version}, this outagewatch needs ${latest}); ` +
        'run `outagewatch db migrate` once with write access to the file and its folder',
      'SQLITE_READONLY',
      abs,
    );
  }
}
