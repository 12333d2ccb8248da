import type { Logger } from 'pino';
import type { SqliteStore } from '../db/store.js';
import type { Config } from '../core/config.js';
import { calendarConfig } from './calendar/config.js';
import { seedCalendarIfChanged } from './calendar/seed.js';

export interface StartupContext {
  store: SqliteStore;
  config: Config;
  log: Logger;
}

/**
 * Work done once when the daemon starts, after migrations and before scheduling (e.g. loading the
 * calendar seed on first start). Each task is named so failures can be reported.
 */
export const STARTUP_TASKS: Array<{ name: string; run(ctx: StartupContext): void | Promise<void> }> = [
  {
    name: 'calendar-seed',
    run: ({ store, config, log }) => {
      if (calendarConfig(config).seedOnStart) seedCalendarIfChanged(store, log);
    },
  },
];
