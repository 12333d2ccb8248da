import type { Logger } from 'pino';
import type { SqliteStore } from '../../db/store.js';
import type { Config } from '../../core/config.js';

/** What a hook run after each successful collection is given (the hooks are listed in hooks.ts). */
export interface AfterCollectContext {
  store: SqliteStore;
  config: Config;
  log: Logger;
  collector: string;
  entity: string;
  from: number;
  until: number;
}

export interface AfterCollectHook {
  name: string;
  run(ctx: AfterCollectContext): void | Promise<void>;
}
