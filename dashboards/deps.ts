import type { Logger } from 'pino';
import type { Collector } from '../collectors/types.js';
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
  /** Read-only connection for pages and the API. */
  store: SqliteStore;
  /** Writable connection (the daemon's); absent in read-only deployments and most tests. */
  writer?: SqliteStore;
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
