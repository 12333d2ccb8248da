import { z } from 'zod';
import { parseSection, type Config } from '../../core/config.js';

/**
 * The `api` section of the configuration (validated here, like every module's own section):
 * ```json
 * { "api": { "rateLimit": { "windowSeconds": 60, "max": 600 }, "corsOrigins": [], "cacheEntries": 200 } }
 * ```
 * `rateLimit.max: 0` turns the limit off. `corsOrigins` empty = no CORS headers (the default).
 */
export const apiOptionsSchema = z
  .object({
    rateLimit: z
      .object({
        windowSeconds: z.number().int().min(1).max(86400).default(60),
        max: z.number().int().min(0).default(600),
      })
      .strict()
      .default({ windowSeconds: 60, max: 600 }),
    corsOrigins: z.array(z.url({ protocol: /^https?$/ })).default([]),
    /** Responses of /api/signals kept in memory (keyed by the query and the database's data version). */
    cacheEntries: z.number().int().min(0).max(10000).default(200),
    /** Longest `from`..`until` one request may ask for (API and pages), days; a longer one is a 400 naming this limit. */
    maxRangeDays: z.number().int().min(1).max(100_000).default(7305),
    /** Most calendar events one request may correlate or list (one country's range); more is a 400 naming this limit. */
    maxEvents: z.number().int().min(1).max(10_000_000).default(5000),
    /** Most windows (one source request each) one `POST /api/collect` may start; more is a 400 naming this limit. */
    maxCollectWindows: z.number().int().min(1).max(1_000_000).default(1000),
    /** Server-rendered pages (and report files) per client address; `max: 0` turns it off. */
    pageRateLimit: z
      .object({ windowSeconds: z.number().int().min(1).max(86400).default(60), max: z.number().int().min(0).default(300) })
      .strict()
      .default({ windowSeconds: 60, max: 300 }),
    /** Failed `POST /login` attempts per client address (successful ones do not count). */
    loginRateLimit: z
      .object({ windowSeconds: z.number().int().min(1).max(86400).default(900), max: z.number().int().min(1).default(10) })
      .strict()
      .default({ windowSeconds: 900, max: 10 }),
    /** Send CSP `upgrade-insecure-requests` on plain-HTTP requests too (a TLS proxy in front); always sent over HTTPS. */
    upgradeInsecureRequests: z.boolean().default(false),
  })
  .strict();

export type ApiOptions = z.infer<typeof apiOptionsSchema>;

export function apiOptions(config: Config): ApiOptions {
  return parseSection(apiOptionsSchema, config.api, ['api']);
}
