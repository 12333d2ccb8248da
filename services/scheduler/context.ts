import type { Logger } from 'pino';
import type { Repositories } from '../../db/repositories.js';
import type { Config } from '../../core/config.js';

/** What a hook run after each successful collection is given (the hooks are listed in hooks.ts). */
export interface AfterCollectContext {
  /** The database on either backend (SQLite: the daemon's store, wrapped). */
  db: Repositories;
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
