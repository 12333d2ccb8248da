import { z } from 'zod';
import { ConfigError, type Config } from '../../core/config.js';
import { parseDuration } from '../../core/time.js';

const duration = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+(?:\.\d+)?\s*[smhdw]$/, 'must be a duration such as 1d, 36h')]).transform((v) => (typeof v === 'number' ? v : parseDuration(v)));

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

function parseSection<T>(schema: z.ZodType<T>, name: string, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = [name, ...issue.path.map(String)].join('.');
    throw new ConfigError(path, issue.code === 'unrecognized_keys' ? `unknown setting(s) ${issue.keys.join(', ')}` : issue.message);
  }
  return r.data;
}

export function correlatorConfig(cfg?: Pick<Config, 'correlator'>): CorrelatorConfig {
  return parseSection(correlatorConfigSchema, 'correlator', cfg?.correlator);
}

export function referenceConfig(cfg?: Pick<Config, 'reference'>): ReferenceConfig {
  return parseSection(referenceConfigSchema, 'reference', cfg?.reference);
}
