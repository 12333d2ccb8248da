import type { Logger } from 'pino';
import type { Collector } from '../collectors/types.js';
import { listingsFor, type ListingReads } from '../db/listings.js';
import { SqlitePointStore, type PointStore } from '../db/repository.js';
import type { Repositories } from '../db/repositories.js';
import { sqliteRepositories } from '../db/sqlite-repositories.js';
import type { SqliteStore } from '../db/store.js';
import type { Config } from '../core/config.js';
import type { DbWatch } from './db-watch.js';

/** Background work that stops with the daemon (the scheduler implements it). */
export interface BackgroundJobs {
  /** Starts `fn` under the daemon's stop signal; null when stopping or when work of this name is in flight. */
  runDetached(name: string, fn: (signal: AbortSignal) => Promise<void>): Promise<void> | null;
  isRunning(name: string): boolean;
  readonly accepting: boolean;
}

/** What the dashboard needs; tests build these directly and call `createApp` without listening. */
export interface AppDeps {
  config: Config;
  /** The store pages and the API read through, on either backend (SQLite or PostgreSQL; db/repository.ts). */
  points: PointStore;
  /** Listings counted and paged in SQL, and small facts for health and caches, on the same database. */
  listings: ListingReads;
  /**
   * The calendar, detected outages and reference lists on either backend (db/repositories.ts); on SQLite made from
   * `store` when absent. Absent on a PostgreSQL database without those tables: their pages and routes answer 503.
   */
  repos?: Pick<Repositories, 'calendar' | 'outages' | 'reference'>;
  /**
   * Read-only SQLite connection, on a SQLite database only: the chart API's lean path and health's backfill
   * progress read it synchronously (no SQL here: through db/ functions and `SqliteStore` methods). Absent on
   * PostgreSQL, where the same routes read through `points` and `repos`.
   */
  store?: SqliteStore;
  /**
   * Where the dashboard's writes go (the calendar forms, `POST`/`PUT`/`DELETE /api/events`, `POST /api/collect`),
   * through the repositories: on PostgreSQL the same database as `repos` (any number of dashboards, under `serve`
   * or `start`, write one database); on SQLite the daemon's writable connection (`start`, `start --no-collect`).
   * Absent under `serve` on SQLite, on a read-only file and in most tests: those writes answer 503 saying why.
   */
  writes?: Pick<Repositories, 'points' | 'calendar'>;
  collectors: Collector[];
  log: Logger;
  version: string;
  /** Where reports are read from (default: `reports/` beside the database). */
  reportsDir?: string;
  /** Where API-started work runs so that stopping the daemon aborts and awaits it (default: a local runner that never aborts). */
  jobs?: BackgroundJobs;
  /** The database's integrity check and latest request error, shared by /api/health, /status and /sources (createApp makes one). */
  dbWatch?: DbWatch;
  /** Injected clock (Unix seconds) for tests. */
  now?: () => number;
}

/**
 * What `createApp` takes: on SQLite the point store may be left out (it then wraps `store`), and the daemon's
 * writable connection may be given as `writer` (wrapped into `writes`).
 */
export type AppInput = Omit<AppDeps, 'points' | 'listings'> & { points?: PointStore; writer?: SqliteStore };

/** Fills in the point store (on SQLite: `store` wrapped) and the listing reads of the same database. */
export function completeDeps(given: AppInput): AppDeps {
  const points = given.points ?? (given.store ? new SqlitePointStore(given.store) : undefined);
  if (!points) throw new Error('no database for the dashboard (give `points`, or a SQLite `store`)');
  const repos = given.repos ?? (given.store ? sqliteRepositories(given.store) : undefined);
  const { writer, ...rest } = given;
  const writes = given.writes ?? (writer ? sqliteRepositories(writer) : undefined);
  return { ...rest, points, listings: listingsFor(points), ...(repos ? { repos } : {}), ...(writes ? { writes } : {}) };
}
