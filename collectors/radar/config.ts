import { z } from 'zod';
import { parseSection } from '../../core/errors.js';
import type { Config } from '../../core/config.js';

/** `collection.radar` in the configuration. */
export const radarConfigSchema = z
  .object({
    /** Annotations per page (`limit`); pages continue by `offset` until a short page. */
    pageSize: z.number().int().min(1).max(1000).default(100),
    windowDays: z.number().int().min(1).max(3650).default(90),
    /** Cloudflare allows 1200 requests per 5 minutes per token (and 429 blocks every call for 5 minutes). */
    requestsPer5Minutes: z.number().int().min(1).max(1200).default(600),
  })
  .strict();
export type RadarConfig = z.infer<typeof radarConfigSchema>;

export function radarConfig(config: Pick<Config, 'collection'>): RadarConfig {
  return parseSection(radarConfigSchema, config.collection.radar, ['collection', 'radar']);
}
