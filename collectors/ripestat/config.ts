import { z } from 'zod';
import { parseSection } from '../../core/errors.js';
import type { Config } from '../../core/config.js';

/** Days per request by resolution: RIPEstat answers at a coarser resolution when a range is long. */
export const DEFAULT_WINDOW_DAYS = { '5m': 1, '1h': 4, '1d': 365, '1w': 1825 } as const;

/** `collection.ripestat` in the configuration. */
export const ripestatConfigSchema = z
  .object({
    resolution: z.enum(['5m', '1h', '1d', '1w']).default('1d'),
    /** Days per request; default depends on the resolution (see DEFAULT_WINDOW_DAYS). */
    windowDays: z.number().int().min(1).max(3650).optional(),
    /** RIPEstat allows at most 8 concurrent requests per IP. */
    concurrency: z.number().int().min(1).max(8, 'RIPEstat allows at most 8 concurrent requests').default(4),
    requestsPerSecond: z.number().positive().max(20).default(2),
    /** `sourceapp` identifies the caller to RIPEstat (required above ~1000 requests a day). */
    sourceapp: z
      .string()
      .regex(/^[\w.-]{1,64}$/)
      .default('outagewatch'),
  })
  .strict();
export type RipestatConfig = z.infer<typeof ripestatConfigSchema>;

export function ripestatConfig(config: Pick<Config, 'collection'>): RipestatConfig {
  return parseSection(ripestatConfigSchema, config.collection.ripestat, ['collection', 'ripestat']);
}
