import type { Logger } from 'pino';
import type { SqliteStore } from '../../db/store.js';
import type { Config } from '../../core/config.js';
import { detectAfterCollect } from '../detector/hooks.js';

export interface AfterCollectContext {
  store: SqliteStore;
  config: Config;
  log: Logger;
  collector: string;
  entity: string;
  from: number;
  until: number;
}

/** Run after each successful collection by the daemon (e.g. detection and live alerts). */
export const AFTER_COLLECT_HOOKS: Array<{ name: string; run(ctx: AfterCollectContext): void | Promise<void> }> = [detectAfterCollect];
