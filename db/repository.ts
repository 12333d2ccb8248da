import type { DbBackend } from '../core/db-location.js';
import type { Db } from './connection.js';
import type { PackedSource } from './packed.js';
import type { WindowLeases } from './leases.js';
import { getMeta, setMeta } from './meta.js';
import {
  dailyValueCounts,
  readSeries,
  signalExtent,
  signalExtents,
  type DailyCountWindow,
  type Resolution,
  type SeriesColumns,
} from './signals-read.js';
import type {
  CheckpointRow,
  RollupRow,
  RunFinish,
  RunOwner,
  RunRow,
  SignalRow,
  SignalSpec,
  SourceEventRow,
  SqliteStore,
  WindowResult,
  WindowWrite,
} from './store.js';

/**
 * The core store behind one asynchronous interface (issue 23): points and rollups, signals and entities, source
 * events, runs and checkpoints, meta. Two implementations: SQLite (`SqlitePointStore`, today's `SqliteStore`
 * wrapped as it is) and PostgreSQL (`PgPointStore`, db/postgres/store.ts). Both give the same results for the
 * same calls (test/db/point-store.test.ts runs the same tests on both).
 *
 * Not converted yet: the rest of the program still calls `SqliteStore` and the free functions of db/ directly
 * (calendar, outages, alerts, reference lists…); docs/scale.md lists what remains.
 */

export type RollupResolution = Exclude<Resolution, 'raw'>;

export interface EntityRow {
  id: number;
  entity: string;
  name: string | null;
  country: string | null;
}

export interface SourceEventFilter {
  entity?: string;
  source?: string;
  from?: number;
  until?: number;
}

export interface CheckpointFilter {
  collector?: string;
  entity?: string;
  signal?: string;
}

/** A signal's points as two columns in time order: times (Unix seconds) and values (NaN = a stored null). */
export interface PointColumns {
  ts: Float64Array;
  values: Float64Array;
  length: number;
}

/** A batch of one signal's points in time order, `[ts, value]` (null value = no data). */
export interface PointBatch {
  signalId: number;
  rows: Array<[number, number | null]>;
}

/**
 * A per-source request budget shared by every process on the database (PostgreSQL: db/postgres/request-budget.ts), so
 * that several collectors together keep a source's pace instead of each keeping it on its own.
 */
export interface RequestBudget {
  /**
   * Claims the next request start of `source`, at least `spacingMs` after the one claimed before it by any process:
   * resolves with the milliseconds to wait before starting the request (0: start now).
   */
  claim(source: string, spacingMs: number): Promise<number>;
}

export interface PointStore {
  readonly backend: DbBackend;
  /** Where it is, for messages (a path, or the URL without its password). */
  readonly location: string;
  /** e.g. `SQLite 3.50.4`, `PostgreSQL 15.18`. */
  serverVersion(): Promise<string>;
  /** The newest migration applied (each backend numbers its own). */
  schemaVersion(): Promise<number>;

  /** One collected window in ONE transaction: all of it or nothing; writing it again changes nothing. */
  writeWindow(w: WindowWrite): Promise<WindowResult>;
  ensureEntity(ref: string, extra?: { name?: string | null; country?: string | null }): Promise<number>;
  ensureSignal(entity: string, spec: SignalSpec): Promise<number>;
  listEntities(): Promise<EntityRow[]>;
  listSignals(entity?: string): Promise<SignalRow[]>;

  readPoints(signalId: number, from: number, until: number): Promise<Array<{ ts: number; value: number | null }>>;
  /** Rollup rows with the times of their extremes (`minTs` / `maxTs`). */
  readRollup(signalId: number, resolution: RollupResolution, from: number, until: number): Promise<RollupRow[]>;
  /** [from, until) at a resolution as columns (the chart read), with the times of each row's extremes (`loTs` / `hiTs`). */
  readSeries(signalId: number, resolution: Resolution, from: number, until: number): Promise<SeriesColumns>;
  signalExtent(signalId: number): Promise<{ first: number | null; last: number | null }>;
  /** `signalExtent` of many signals in ONE query (a page's signals); signals without points map to nulls. */
  signalExtents(signalIds: readonly number[]): Promise<Map<number, { first: number | null; last: number | null }>>;
  /**
   * For each window, per signal of it, the number of values the daily rollup holds in [from, until) (the sum of
   * `n` over its rows there; 0 without), every window in ONE query.
   */
  dailyValueCounts(windows: readonly DailyCountWindow[]): Promise<Array<Map<number, number>>>;
  /**
   * Runs `fn` so that the reads it makes through this database (store, listings, repositories) see one snapshot:
   * PostgreSQL pins them to one read-only REPEATABLE READ transaction; SQLite runs `fn` inside one read
   * transaction on its connection (the repositories made from the same store read on that connection).
   */
  readSnapshot<R>(fn: () => Promise<R>): Promise<R>;
  /** The UTC days in [from, until) on which any of these signals holds a value (daily rollup n > 0), and whether only synthetic signals do. */
  daysWithData(signalIds: readonly number[], from: number, until: number): Promise<Array<{ day: number; synthetic: boolean }>>;
  /** Start times of the hours of [from, until) in which the signal has at least one value, ascending (the correlator's coverage read). */
  hoursWithData(signalId: number, from: number, until: number): Promise<number[]>;
  /** The first and last UTC day (start times) on which the signal has a value, or null when it has none. */
  daySpan(signalId: number): Promise<{ first: number; last: number } | null>;
  /**
   * A number that changes whenever something correlation results are computed from changes (daily rollups, outages,
   * calendar, reference lists, source events, checkpoints), by this process or any other; the correlation caches key
   * on it. Null when it cannot vouch for a cached result: a database without the counter, or (PostgreSQL) a writer's
   * change to those tables not committed yet.
   */
  dataVersion(): Promise<number | null>;
  /** [from, until) raw points as two typed columns (no object per point): the report's and correlator's scan. */
  readColumns(signalId: number, from: number, until: number): Promise<PointColumns>;
  /**
   * Where another thread of this process can read the signal's columns itself, on a connection of its own
   * (`readPackedSource`: a detection's judging threads), with about how many points it has; null when it cannot
   * (PostgreSQL, an in-memory SQLite database, a signal not packed yet): read it with `readColumns` then.
   */
  columnsSource(signalId: number): Promise<(PackedSource & { points: number }) | null>;
  /**
   * Every raw point of these signals in [from, until), signal after signal (in the order given), each in time order,
   * in batches of at most `batchRows` — memory stays flat however many points there are (the `--full-csv` export).
   * PostgreSQL reads all of it inside ONE read-only REPEATABLE READ transaction (one snapshot), in keyset pages.
   */
  iteratePoints(signalIds: readonly number[], from: number, until: number, batchRows?: number): AsyncIterable<PointBatch>;

  listSourceEvents(filter?: SourceEventFilter): Promise<SourceEventRow[]>;
  checkpoints(filter?: CheckpointFilter): Promise<CheckpointRow[]>;
  uncovered(collector: string, entity: string, signal: string, from: number, until: number): Promise<Array<[number, number]>>;

  startRun(job: string, collector?: string | null, details?: unknown): Promise<number>;
  finishRun(id: number, f: RunFinish): Promise<void>;
  markInterruptedRuns(ownerGone?: (owner: RunOwner | null) => boolean, reason?: string): Promise<number>;
  recentRuns(filter?: { job?: string; collector?: string; limit?: number }): Promise<RunRow[]>;
  getRun(id: number): Promise<RunRow | null>;

  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;

  /**
   * Leases on collection windows, so that several collectors on one database split a range (db/leases.ts); a
   * claim not renewed lives `ttlSeconds`. Absent on SQLite, where one daemon per database holds the lock file.
   */
  windowLeases?(ttlSeconds?: number): WindowLeases;

  /**
   * The sources' request budget shared with the other processes on this database (collectors/framework/budget.ts).
   * Absent on SQLite, where one daemon per database holds the lock file and its own limiter keeps the pace.
   */
  requestBudget?(): RequestBudget;

  close(): Promise<void>;
}

/** Rows per batch of `iteratePoints` unless asked otherwise. */
export const POINT_BATCH_ROWS = 20_000;

/** A rollup's rows with the times of their extremes (migration 0105), as PostgreSQL's `readRollup` gives them. */
const ROLLUP_SQL = {
  hourly:
    'SELECT ts, min, mean, max, n, min_ts AS minTs, max_ts AS maxTs FROM points_hourly WHERE signal_id = ? AND ts >= ? AND ts < ? ORDER BY ts',
  '6h': 'SELECT ts, min, mean, max, n, min_ts AS minTs, max_ts AS maxTs FROM points_6h WHERE signal_id = ? AND ts >= ? AND ts < ? ORDER BY ts',
  daily:
    'SELECT ts, min, mean, max, n, min_ts AS minTs, max_ts AS maxTs FROM points_daily WHERE signal_id = ? AND ts >= ? AND ts < ? ORDER BY ts',
} as const;

/** Open `readSnapshot`s per SQLite connection (the one read transaction they share). */
const snapshotDepth = new WeakMap<Db, number>();

/** `PointStore` over today's SQLite store: every call is the synchronous one, settled. */
export class SqlitePointStore implements PointStore {
  readonly backend = 'sqlite' as const;
  readonly location: string;

  constructor(readonly store: SqliteStore) {
    this.location = store.path;
  }

  private get db(): Db {
    return this.store.db;
  }

  serverVersion(): Promise<string> {
    const r = this.db.prepare<[], { v: string }>('SELECT sqlite_version() AS v').get();
    return Promise.resolve(`SQLite ${r?.v ?? '?'}`);
  }

  schemaVersion(): Promise<number> {
    return Promise.resolve(this.store.schemaVersion());
  }

  async writeWindow(w: WindowWrite): Promise<WindowResult> {
    return this.store.writeWindow(w);
  }

  async ensureEntity(ref: string, extra?: { name?: string | null; country?: string | null }): Promise<number> {
    return this.store.ensureEntity(ref, extra);
  }

  async ensureSignal(entity: string, spec: SignalSpec): Promise<number> {
    return this.store.ensureSignal(entity, spec);
  }

  async listEntities(): Promise<EntityRow[]> {
    return this.store.listEntities();
  }

  async listSignals(entity?: string): Promise<SignalRow[]> {
    return this.store.listSignals(entity);
  }

  async readPoints(signalId: number, from: number, until: number): Promise<Array<{ ts: number; value: number | null }>> {
    return this.store.readPoints(signalId, from, until);
  }

  async readRollup(signalId: number, resolution: RollupResolution, from: number, until: number): Promise<RollupRow[]> {
    return this.db.prepare<[number, number, number], RollupRow>(ROLLUP_SQL[resolution]).all(signalId, from, until);
  }

  async readSeries(signalId: number, resolution: Resolution, from: number, until: number): Promise<SeriesColumns> {
    // with the times of each row's extremes (loTs / hiTs), as PostgreSQL's
    return readSeries(this.store, signalId, resolution, from, until, true);
  }

  async signalExtent(signalId: number): Promise<{ first: number | null; last: number | null }> {
    return signalExtent(this.store, signalId);
  }

  async signalExtents(signalIds: readonly number[]): Promise<Map<number, { first: number | null; last: number | null }>> {
    return signalExtents(this.store, signalIds);
  }

  async dailyValueCounts(windows: readonly DailyCountWindow[]): Promise<Array<Map<number, number>>> {
    return dailyValueCounts(this.store, windows);
  }

  async daysWithData(signalIds: readonly number[], from: number, until: number): Promise<Array<{ day: number; synthetic: boolean }>> {
    return this.store.daysWithData(signalIds, from, until);
  }

  /**
   * One read transaction on this connection around `fn` (BEGIN … COMMIT, never a rollback: a write that joined
   * it from elsewhere on the connection is committed as it would have been), so a count and the pages after it
   * see one snapshot although their calls are asynchronous. Nested or concurrent snapshots on one connection share
   * the transaction (the last to finish commits); inside a transaction someone else opened, `fn` just runs in it.
   */
  async readSnapshot<R>(fn: () => Promise<R>): Promise<R> {
    const db = this.db;
    const depth = snapshotDepth.get(db) ?? 0;
    if (depth === 0) {
      if (db.inTransaction) return fn();
      db.exec('BEGIN');
    }
    snapshotDepth.set(db, depth + 1);
    try {
      return await fn();
    } finally {
      const left = (snapshotDepth.get(db) ?? 1) - 1;
      snapshotDepth.set(db, left);
      if (left === 0 && db.inTransaction) db.exec('COMMIT');
    }
  }

  async hoursWithData(signalId: number, from: number, until: number): Promise<number[]> {
    return this.store.hoursWithData(signalId, from, until);
  }

  async daySpan(signalId: number): Promise<{ first: number; last: number } | null> {
    return this.store.daySpan(signalId);
  }

  async dataVersion(): Promise<number | null> {
    try {
      return this.store.dataVersion();
    } catch {
      return null; // a database without migration 0060: nothing is cached
    }
  }

  async readColumns(signalId: number, from: number, until: number): Promise<PointColumns> {
    return this.store.readColumns(signalId, from, until);
  }

  async columnsSource(signalId: number): Promise<(PackedSource & { points: number }) | null> {
    return this.store.columnsSource(signalId);
  }

  async *iteratePoints(signalIds: readonly number[], from: number, until: number, batchRows = POINT_BATCH_ROWS): AsyncIterable<PointBatch> {
    for (const signalId of signalIds) {
      let rows: Array<[number, number | null]> = [];
      for (const row of this.store.iteratePoints(signalId, from, until)) {
        rows.push(row);
        if (rows.length >= batchRows) {
          yield { signalId, rows };
          rows = [];
        }
      }
      if (rows.length) yield { signalId, rows };
    }
  }

  async listSourceEvents(filter?: SourceEventFilter): Promise<SourceEventRow[]> {
    return this.store.listSourceEvents(filter);
  }

  async checkpoints(filter?: CheckpointFilter): Promise<CheckpointRow[]> {
    return this.store.checkpoints(filter);
  }

  async uncovered(collector: string, entity: string, signal: string, from: number, until: number): Promise<Array<[number, number]>> {
    return this.store.uncovered(collector, entity, signal, from, until);
  }

  async startRun(job: string, collector?: string | null, details?: unknown): Promise<number> {
    return this.store.startRun(job, collector, details);
  }

  async finishRun(id: number, f: RunFinish): Promise<void> {
    this.store.finishRun(id, f);
  }

  async markInterruptedRuns(ownerGone?: (owner: RunOwner | null) => boolean, reason?: string): Promise<number> {
    return this.store.markInterruptedRuns(ownerGone, reason);
  }

  async recentRuns(filter?: { job?: string; collector?: string; limit?: number }): Promise<RunRow[]> {
    return this.store.recentRuns(filter);
  }

  async getRun(id: number): Promise<RunRow | null> {
    return this.store.getRun(id);
  }

  async getMeta(key: string): Promise<string | null> {
    return getMeta(this.db, key);
  }

  async setMeta(key: string, value: string): Promise<void> {
    setMeta(this.db, key, value);
  }

  async close(): Promise<void> {
    this.store.close();
  }
}
