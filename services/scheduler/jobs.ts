import type { Logger } from 'pino';
import type { Collector } from '../../collectors/types.js';
import type { SqliteStore } from '../../db/store.js';
import type { Config } from '../config.js';
import type { JobDefinition } from './scheduler.js';

export interface JobContext {
  config: Config;
  store: SqliteStore;
  collectors: Collector[];
  log: Logger;
}

/** The daemon's jobs. The collection policy decides what each collector fetches and when. */
export function buildJobs(_ctx: JobContext): JobDefinition[] {
  return [];
}
