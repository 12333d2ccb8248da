import { z } from 'zod';
import { parseSection, type Config } from '../../core/config.js';

/** The `calendar` section of the configuration. */
export const CalendarConfigSchema = z
  .object({
    /** Load the built-in seed on the daemon's first start (and when the seed changed). */
    seedOnStart: z.boolean().default(true),
    /** ACLED import: merge the rows of one country and day into one event (`--no-merge` overrides). */
    acledMerge: z.boolean().default(true),
  })
  .strict();

export type CalendarConfig = z.infer<typeof CalendarConfigSchema>;

export function calendarConfig(config: Pick<Config, 'calendar'>): CalendarConfig {
  return parseSection(CalendarConfigSchema, config.calendar, ['calendar']);
}
