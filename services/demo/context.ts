import type { Logger } from 'pino';
import type { Repositories } from '../../db/repositories.js';
import type { Config } from '../../core/config.js';

/** What a demo step runs with (`outagewatch demo`; the steps are listed in steps.ts). */
export interface DemoContext {
  /** The database being filled, SQLite or PostgreSQL. */
  repos: Repositories;
  config: Config;
  log: Logger;
  /** Where `../shared/data` style inputs live inside the repo. */
  root: string;
}

export interface DemoStep {
  name: string;
  run(ctx: DemoContext): Promise<string> | string;
}
