import type { Logger } from 'pino';
import type { Collector } from '../collectors/types.js';
import type { SqliteStore } from '../db/store.js';
import type { Config } from '../services/config.js';

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
  /** Injected clock (Unix seconds) for tests. */
  now?: () => number;
}
