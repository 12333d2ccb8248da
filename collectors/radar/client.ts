import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../../core/config.js';
import { FetchError, formatPath, httpClientFromConfig, type HttpClient, type HttpClientOptions, type TextResponse } from '../framework/index.js';
import type { RadarConfig } from './config.js';
import { radarErrorSchema, radarOutagesResponseSchema, type RadarAnnotation, type RadarOutagesResponse } from './schema.js';

export const OUTAGES_PATH = 'annotations/outages';

export function radarHttp(config: Config, cfg: RadarConfig, token: string, log: Logger, overrides: Partial<HttpClientOptions> = {}): HttpClient {
  return httpClientFromConfig(config, 'radar', {
    log,
    // spread evenly: n requests per 5 minutes
    rateLimit: { requests: 1, intervalMs: Math.ceil(300_000 / cfg.requestsPer5Minutes) },
    concurrency: 1,
    // a 429 blocks all calls for 5 minutes; Retry-After says how long
    retryAfterMaxMs: 330_000,
    ...overrides,
    headers: { Authorization: `Bearer ${token}`, ...(overrides.headers ?? {}) },
  });
}

export function validateRadarOutages(doc: unknown, origin: string): RadarOutagesResponse {
  const err = radarErrorSchema.safeParse(doc);
  if (err.success) {
    throw new FetchError('api-error', origin, `${origin}: Cloudflare Radar answered success=false: ${err.data.errors.map((e) => e.message).join('; ') || 'no message'}`);
  }
  const r = radarOutagesResponseSchema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = formatPath(issue.path);
    throw new FetchError('schema', origin, `${origin}: unexpected response shape at ${path}: ${issue.message}`, { path });
  }
  return r.data;
}

function iso(ts: number): string {
  return new Date(ts * 1000).toISOString().replace('.000Z', 'Z');
}

/** All outage annotations for a location or ASN in [from, until), page by page (`limit`/`offset`). */
export async function fetchOutageAnnotations(
  http: HttpClient,
  args: { location?: string; asn?: string; from: number; until: number; pageSize: number; signal?: AbortSignal; maxPages?: number },
): Promise<{ annotations: RadarAnnotation[]; responses: TextResponse[] }> {
  const annotations: RadarAnnotation[] = [];
  const responses: TextResponse[] = [];
  const maxPages = args.maxPages ?? 100;
  for (let page = 0; page < maxPages; page++) {
    const query: Record<string, string | number> = { limit: args.pageSize, offset: page * args.pageSize, dateStart: iso(args.from), dateEnd: iso(args.until - 1), format: 'json' };
    if (args.location) query.location = args.location;
    if (args.asn) query.asn = args.asn;
    const r = await http.getJson(OUTAGES_PATH, query, z.unknown(), { signal: args.signal });
    const data = validateRadarOutages(r.data, r.url);
    responses.push(r);
    for (const item of data.result.annotations) annotations.push(item);
    if (data.result.annotations.length < args.pageSize) return { annotations, responses };
  }
  throw new FetchError('api-error', http.url(OUTAGES_PATH), `Cloudflare Radar returned more than ${maxPages} full pages; narrow collection.radar.windowDays`);
}
