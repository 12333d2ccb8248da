import type { Logger } from 'pino';
import type { Repositories } from '../db/repositories.js';
import type { Config } from '../core/config.js';
import { calendarConfig } from './calendar/config.js';
import { seedCalendarIfChanged } from './calendar/seed.js';

export interface StartupContext {
  /** The daemon's database, either backend. */
  db: Repositories;
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
    // the seed on first start and whenever the seed file changed since it was last loaded (so an event the user
    // removed stays removed until then)
    run: async ({ db, config, log }) => {
      if (calendarConfig(config).seedOnStart) await seedCalendarIfChanged(db.calendar, log);
    },
  },
];
