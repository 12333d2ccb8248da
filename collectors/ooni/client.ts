import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../../core/config.js';
import {
  FetchError,
  parseShape,
  httpClientFromConfig,
  type HttpClient,
  type HttpClientOptions,
  type TextResponse,
} from '../framework/index.js';
import type { OoniConfig } from './config.js';
import { aggregationMismatch, aggregationQueryParams, type AggregationQuery } from './map.js';
import {
  aggregationSchemaFor,
  measurementsResponseSchema,
  ooniErrorMessage,
  type AggregationResponse,
  type Measurement,
} from './schema.js';

export const AGGREGATION_PATH = 'api/v1/aggregation';
export const MEASUREMENTS_PATH = 'api/v1/measurements';

export function ooniHttp(config: Config, cfg: OoniConfig, log: Logger, overrides: Partial<HttpClientOptions> = {}): HttpClient {
  // quota is time-based (10 ms of server time = 1 unit); HTTP 429 {"error":"quota exceeded"} is retried with backoff
  return httpClientFromConfig(config, 'ooni', {
    log,
    rateLimit: {
      requests: Math.max(1, Math.round(cfg.requestsPerSecond)),
      intervalMs: Math.round(1000 / Math.min(1, cfg.requestsPerSecond)),
    },
    concurrency: 1,
    backoffBaseMs: 2000,
    ...overrides,
  });
}

/** Checks an OONI document: an error body (`msg`, `detail` or `error`, even on HTTP 200) or the expected shape. */
export function validateOoni<S extends z.ZodType>(doc: unknown, schema: S, origin: string): z.infer<S> {
  const msg = ooniErrorMessage(doc);
  if (msg !== null) throw new FetchError('api-error', origin, `${origin}: OONI answered with an error: ${msg}`);
  return parseShape(doc, schema, origin);
}

export interface Fetched<T> {
  data: T;
  response: TextResponse;
}

export async function fetchAggregation(http: HttpClient, q: AggregationQuery, signal?: AbortSignal): Promise<Fetched<AggregationResponse>> {
  const r = await http.getJson(AGGREGATION_PATH, aggregationQueryParams(q), z.unknown(), { signal });
  const data = validateOoni(r.data, aggregationSchemaFor(r.data), r.url);
  checkAggregationAnswer(q, data, r.url);
  return { data, response: r };
}

/** An aggregation answer to a different question (place, axis, range, grain) fails the window; it is fetched again later. */
export function checkAggregationAnswer(q: AggregationQuery, data: AggregationResponse, origin: string): void {
  const m = aggregationMismatch(q, data);
  if (m) throw new FetchError('mismatch', origin, `${origin}: answer does not match the request at ${m.path}: ${m.why}`, { path: m.path });
}

/** `2016-05-20T00:00:00` as the measurements endpoint takes datetimes (UTC). */
function apiTime(ts: number): string {
  return new Date(ts * 1000).toISOString().slice(0, 19);
}

export interface EvidenceQuery {
  cc?: string;
  asn?: string;
  domain: string | null;
  /** Filter by test when exactly one (app tests); web targets search by domain across tests. */
  testName?: string;
  /** [ts, ts + step) */
  ts: number;
  step: number;
  confirmedOnly: boolean;
}

/**
 * Anomalous measurements of one day/target from `/api/v1/measurements`, following pages by offset. Its
 * `count`/`pages` are -1 until the page that comes back short, so the end is a short page (or no next_url),
 * never `count`. Stops once `want` usable ids are found or after `maxPages`.
 */
export async function fetchEvidenceMeasurements(
  http: HttpClient,
  q: EvidenceQuery,
  opts: { pageSize: number; maxPages: number; want: number; signal?: AbortSignal; pick: (ms: Measurement[]) => Measurement[] },
): Promise<{ measurements: Measurement[]; responses: TextResponse[] }> {
  const all: Measurement[] = [];
  const responses: TextResponse[] = [];
  // the endpoint's window is (since, until]
  const base: Record<string, string | number> = { since: apiTime(q.ts - 1), until: apiTime(q.ts + q.step - 1) };
  if (q.cc) base.probe_cc = q.cc;
  if (q.asn) base.probe_asn = `AS${q.asn}`;
  if (q.domain) base.domain = q.domain;
  if (q.testName) base.test_name = q.testName;
  if (q.confirmedOnly) base.confirmed = 'true';
  else base.anomaly = 'true';
  base.order_by = 'measurement_start_time';
  base.order = 'desc';
  base.limit = opts.pageSize;
  let offset = 0;
  for (let page = 0; page < opts.maxPages; page++) {
    const r = await http.getJson(MEASUREMENTS_PATH, { ...base, offset }, z.unknown(), { signal: opts.signal });
    const data = validateOoni(r.data, measurementsResponseSchema, r.url);
    responses.push(r);
    for (const item of data.results) all.push(item);
    if (opts.pick(all).length >= opts.want) break;
    const last = data.metadata.next_url === null || data.results.length < data.metadata.limit || data.metadata.count !== -1;
    if (last) break;
    offset = data.metadata.offset + data.results.length;
  }
  return { measurements: all, responses };
}
