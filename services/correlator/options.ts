/**
 * The one options builder of the correlator: the configuration's `correlator` and `reference` sections, with
 * a caller's overrides (command-line flags, query parameters, report options) on top. The CLI, the API, the
 * pages, the reports and the daemon all build their options here, so that the same event gives the same p
 * everywhere.
 */
import type { Config } from '../../core/config.js';
import type { CorrelateOptions, OutageSource } from './assemble.js';
import { correlatorConfig, referenceConfig } from './config.js';
import type { SurrogateMethod } from './surrogate.js';

export interface CorrelateOverrides {
  lead?: number | undefined;
  lag?: number | undefined;
  B?: number | undefined;
  seed?: number | undefined;
  method?: SurrogateMethod | undefined;
  outages?: OutageSource | undefined;
  from?: number | undefined;
  until?: number | undefined;
}

/** Fully resolved options: every statistical setting is explicit. */
export type ResolvedCorrelateOptions = CorrelateOptions &
  Required<Pick<CorrelateOptions, 'lead' | 'lag' | 'B' | 'seed' | 'method' | 'blockDays' | 'minCoverage' | 'openEndedSeconds' | 'alpha'>>;

export function correlateOptions(
  cfg: Partial<Pick<Config, 'correlator' | 'reference'>> | undefined,
  overrides: CorrelateOverrides = {},
): ResolvedCorrelateOptions {
  const c = correlatorConfig({ correlator: cfg?.correlator ?? {} });
  const r = referenceConfig({ reference: cfg?.reference ?? {} });
  const o: ResolvedCorrelateOptions = {
    lead: overrides.lead ?? c.lead,
    lag: overrides.lag ?? c.lag,
    B: overrides.B ?? c.surrogates,
    seed: overrides.seed ?? c.seed,
    method: overrides.method ?? c.method,
    blockDays: c.blockDays,
    minCoverage: c.minCoverage,
    alpha: c.alpha,
    openEndedSeconds: r.openEndedDefault,
  };
  if (overrides.outages) o.outages = overrides.outages;
  if (overrides.from !== undefined) o.from = overrides.from;
  if (overrides.until !== undefined) o.until = overrides.until;
  return o;
}
