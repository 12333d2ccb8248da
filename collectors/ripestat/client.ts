import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../../core/config.js';
import { httpClientFromConfig, type HttpClient, type HttpClientOptions, type TextResponse } from '../framework/index.js';
import type { RipestatConfig } from './config.js';
import { tsToRipeTime } from './map.js';
import { countryResourceStatsResponseSchema, type CountryResourceStatsResponse } from './schema.js';
import { validateRipestat } from './envelope.js';

export const COUNTRY_RESOURCE_STATS_PATH = 'data/country-resource-stats/data.json';

export function ripestatHttp(config: Config, cfg: RipestatConfig, log: Logger, overrides: Partial<HttpClientOptions> = {}): HttpClient {
  const rps = cfg.requestsPerSecond;
  return httpClientFromConfig(config, 'ripestat', {
    log,
    rateLimit: { requests: Math.max(1, Math.round(rps)), intervalMs: Math.round(1000 / Math.min(1, rps)) },
    ...overrides,
    // never more than 8 at once, whatever the overrides say
    concurrency: Math.min(8, overrides.concurrency ?? cfg.concurrency),
  });
}

/** Checks the envelope (`status` must be "ok") and then the data call's shape. */
export function validateCountryResourceStats(doc: unknown, origin: string): CountryResourceStatsResponse {
  return validateRipestat(doc, countryResourceStatsResponseSchema, origin);
}

export async function fetchCountryResourceStats(
  http: HttpClient,
  args: { cc: string; from: number; until: number; resolution: string; sourceapp: string; signal?: AbortSignal },
): Promise<{ data: CountryResourceStatsResponse; response: TextResponse }> {
  const query = {
    resource: args.cc,
    starttime: tsToRipeTime(args.from),
    endtime: tsToRipeTime(args.until - 1),
    resolution: args.resolution,
    sourceapp: args.sourceapp,
  };
  const r = await http.getJson(COUNTRY_RESOURCE_STATS_PATH, query, z.unknown(), { signal: args.signal });
  return { data: validateCountryResourceStats(r.data, r.url), response: r };
}
