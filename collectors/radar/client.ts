import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../../core/config.js';
import {
  FetchError,
  formatPath,
  httpClientFromConfig,
  type HttpClient,
  type HttpClientOptions,
  type TextResponse,
} from '../framework/index.js';
import type { RadarConfig } from './config.js';
import { radarErrorSchema, radarOutagesResponseSchema, type RadarAnnotation, type RadarOutagesResponse } from './schema.js';

export const OUTAGES_PATH = 'annotations/outages';

export function radarHttp(
  config: Config,
  cfg: RadarConfig,
  token: string,
  log: Logger,
  overrides: Partial<HttpClientOptions> = {},
): HttpClient {
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
    throw new FetchError(
      'api-error',
      origin,
      `${origin}: Cloudflare Radar answered success=false: ${err.data.errors.map((e) => e.message).join('; ') || 'no message'}`,
    );
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

/**
 * Every annotation must answer the request: its `[startDate, endDate ?? ∞)` overlaps the asked range (Radar also
 * returns ongoing annotations that started earlier, so overlap, not containment), and it is about the asked
 * location or network when it names any (`locations`, `asnsDetails[].locations`/`location`; `asns`). An answer to
 * another question fails the window (fetched again later) instead of being written and checkpointed.
 */
export function checkAnnotationsAnswer(
  data: RadarOutagesResponse,
  ask: { location?: string; asn?: string; from: number; until: number; url: string },
): void {
  const fail = (path: string, why: string) => {
    throw new FetchError('mismatch', ask.url, `${ask.url}: answer does not match the request at ${path}: ${why}`, { path });
  };
  data.result.annotations.forEach((a, i) => {
    const at = `result.annotations[${i}]`;
    const start = Date.parse(a.startDate) / 1000;
    const end = a.endDate ? Date.parse(a.endDate) / 1000 : Infinity;
    if (start >= ask.until)
      fail(`${at}.startDate`, `starts at ${a.startDate}, after the asked range ${iso(ask.from)}–${iso(ask.until - 1)}`);
    if (end < ask.from) fail(`${at}.endDate`, `ended at ${a.endDate}, before the asked range ${iso(ask.from)}–${iso(ask.until - 1)}`);
    if (end < start) fail(`${at}.endDate`, `ends (${a.endDate}) before it starts (${a.startDate})`);
    if (ask.location) {
      const want = ask.location.toUpperCase();
      const named = [
        ...a.locations,
        ...(a.asnsDetails ?? []).flatMap((d) => [d.locations?.code, d.location?.code]).filter((c): c is string => typeof c === 'string'),
      ].map((c) => c.toUpperCase());
      if (named.length > 0 && !named.includes(want)) fail(`${at}.locations`, `about ${[...new Set(named)].join(', ')}, asked for ${want}`);
    }
    if (ask.asn) {
      const want = Number(ask.asn);
      if (a.asns.length > 0 && !a.asns.includes(want))
        fail(`${at}.asns`, `about ${a.asns.map((n) => `AS${n}`).join(', ')}, asked for AS${want}`);
    }
  });
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
    const query: Record<string, string | number> = {
      limit: args.pageSize,
      offset: page * args.pageSize,
      dateStart: iso(args.from),
      dateEnd: iso(args.until - 1),
      format: 'json',
    };
    if (args.location) query.location = args.location;
    if (args.asn) query.asn = args.asn;
    const r = await http.getJson(OUTAGES_PATH, query, z.unknown(), { signal: args.signal });
    const data = validateRadarOutages(r.data, r.url);
    checkAnnotationsAnswer(data, { location: args.location, asn: args.asn, from: args.from, until: args.until, url: r.url });
    responses.push(r);
    for (const item of data.result.annotations) annotations.push(item);
    if (data.result.annotations.length < args.pageSize) return { annotations, responses };
  }
  throw new FetchError(
    'api-error',
    http.url(OUTAGES_PATH),
    `Cloudflare Radar returned more than ${maxPages} full pages; narrow collection.radar.windowDays`,
  );
}
