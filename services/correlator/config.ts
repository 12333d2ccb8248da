import { z } from 'zod';
import { duration, parseSection, type Config } from '../../core/config.js';

/** Config section `correlator` (all optional). */
export const correlatorConfigSchema = z
  .object({
    lead: duration.default(86400),
    lag: duration.default(2 * 86400),
    surrogates: z.number().int().min(1).max(1_000_000).default(9999),
    seed: z.number().int().default(1),
    method: z.enum(['circular-shift', 'block-permutation']).default('circular-shift'),
    blockDays: z.number().int().min(1).default(14),
    /** share of a window's hours a source must cover to count as "had data" */
    minCoverage: z.number().min(0).max(1).default(0.5),
    /** significance level the pages and reports use to call a p (or q) "significant" */
    alpha: z.number().gt(0).lt(1).default(0.05),
  })
  .strict();

export type CorrelatorConfig = z.infer<typeof correlatorConfigSchema>;

/** Config section `reference`. */
export const referenceConfigSchema = z
  .object({
    /** how long an Ongoing / Unknown / blank-end reference outage is taken to last */
    openEndedDefault: duration.default(86400),
  })
  .strict();

export type ReferenceConfig = z.infer<typeof referenceConfigSchema>;

export function correlatorConfig(cfg?: Pick<Config, 'correlator'>): CorrelatorConfig {
  return parseSection(correlatorConfigSchema, cfg?.correlator, ['correlator']);
}

export function referenceConfig(cfg?: Pick<Config, 'reference'>): ReferenceConfig {
  return parseSection(referenceConfigSchema, cfg?.reference, ['reference']);
}
