import type { Logger } from 'pino';
import { z } from 'zod';
import type { EntityRef } from '../../db/entities.js';
import { createHttpClient, type HttpClient, type HttpClientOptions, type TextResponse } from '../framework/index.js';
import { probeDeploymentResponseSchema, type ProbeDeploymentResponse } from './schema.js';
import { validateRipestat } from '../ripestat/envelope.js';

export const PROBE_DEPLOYMENT_PATH = 'data/atlas-probe-deployment/data.json';

/** The RIPEstat resource of an entity: `cc_kz` for a country, `asn4_9198` for an AS (IPv4 probes); null otherwise. */
export function atlasResource(e: EntityRef): string | null {
  if (e.type === 'country') return `cc_${e.code.toLowerCase()}`;
  if (e.type === 'asn') return `asn4_${e.code}`;
  return null;
}

export function atlasHttp(baseUrl: string, rps: number, log: Logger, overrides: Partial<HttpClientOptions> = {}): HttpClient {
  return createHttpClient({
    source: 'atlas',
    baseUrl,
    log,
    rateLimit: { requests: Math.max(1, Math.round(rps)), intervalMs: Math.round(1000 / Math.min(1, rps)) },
    ...overrides,
    // RIPEstat allows at most 8 concurrent requests per IP
    concurrency: Math.min(8, overrides.concurrency ?? 2),
  });
}

/** Checks the envelope (`status` must be "ok") and then the data call's shape. */
export function validateProbeDeployment(doc: unknown, origin: string): ProbeDeploymentResponse {
  return validateRipestat(doc, probeDeploymentResponseSchema, origin);
}

const day = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 10);

export async function fetchProbeDeployment(
  http: HttpClient,
  args: { resource: string; from: number; until: number; sourceapp: string; signal?: AbortSignal },
): Promise<{ data: ProbeDeploymentResponse; response: TextResponse }> {
  const query = { resource: args.resource, starttime: day(args.from), endtime: day(args.until - 1), sourceapp: args.sourceapp };
  const r = await http.getJson(PROBE_DEPLOYMENT_PATH, query, z.unknown(), { signal: args.signal });
  return { data: validateProbeDeployment(r.data, r.url), response: r };
}
