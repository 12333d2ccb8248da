// SYNTHETIC IODA responses built on the fly in the documented `signals/raw` / `outages/events` shape
// (envelope keys copied from the real fixtures in test/fixtures/ioda/). Values are a deterministic
// function of (datasource, product, time), so any re-collection must give the same rows.
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'ioda');
export const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

const COPYRIGHT = 'This data is Copyright (c) 2021-2024 Georgia Tech Research Corporation. All Rights Reserved.';
export const STEPS: Record<string, number> = { bgp: 300, 'ping-slash24': 600, 'merit-nt': 300, gtr: 1800 };

/** Deterministic value; every 97th slot is null (no data). */
export function valueAt(datasource: string, product: string, ts: number): number | null {
  const slot = ts / (STEPS[datasource] ?? 300);
  if (slot % 97 === 0) return null;
  return 1000 + ((slot * 7919 + datasource.length * 31 + product.length) % 500);
}

export function signalsBody(args: {
  type: string;
  code: string;
  datasource: string;
  from: number;
  until: number;
  sourceParams?: string | null;
}): string {
  const step = STEPS[args.datasource] ?? 300;
  const from = Math.floor(args.from / step) * step;
  const n = Math.max(0, Math.ceil((args.until - from) / step));
  const products = args.datasource === 'gtr' ? (args.sourceParams ?? 'WEB_SEARCH').split(',') : [''];
  const data = [
    products.map((p) => ({
      entityType: args.type,
      entityCode: args.code,
      entityName: args.code === 'KZ' ? 'Kazakhstan' : args.code,
      entityFqid: `geo.provider.AS.${args.code}`,
      datasource: args.datasource,
      subtype: p,
      from,
      until: args.until,
      step,
      nativeStep: step,
      values: Array.from({ length: n }, (_, i) => valueAt(args.datasource, p, from + i * step)),
    })),
  ];
  return JSON.stringify({
    type: 'signals',
    metadata: { requestTime: '2025-01-29T04:24:14+00:00', responseTime: '2025-01-29T04:24:14+00:00' },
    requestParameters: {
      from: args.from,
      until: args.until,
      datasource: args.datasource,
      sourceParams: args.sourceParams ?? null,
      maxPoints: null,
    },
    error: null,
    perf: null,
    data,
    copyright: COPYRIGHT,
  });
}

export function eventsBody(q: URLSearchParams, events: unknown[] = []): string {
  return JSON.stringify({
    type: 'outages.events',
    metadata: { requestTime: '2025-01-29T04:24:14+00:00', responseTime: '2025-01-29T04:24:14+00:00' },
    requestParameters: {
      from: q.get('from'),
      until: q.get('until'),
      limit: Number(q.get('limit')),
      page: Number(q.get('page')),
      relatedTo: null,
      entityType: q.get('entityType'),
      entityCode: q.get('entityCode'),
      orderBy: null,
      ignoreMethods: q.get('ignoreMethods'),
    },
    error: null,
    perf: null,
    data: events,
    copyright: COPYRIGHT,
  });
}

/** Answers a request path (`/v2/signals/raw/country/KZ?...`) like IODA would, or null for an unknown path. */
export function answer(pathAndQuery: string): { status: number; body: string } | null {
  const u = new URL(pathAndQuery, 'http://ioda.test');
  const q = u.searchParams;
  const m = /\/signals\/raw\/(\w+)\/([\w.-]+)$/.exec(u.pathname);
  if (m) {
    const from = Number(q.get('from'));
    const until = Number(q.get('until'));
    if (until - from >= 100 * 86400)
      return { status: 400, body: JSON.stringify({ error: 'Time range for a single query must be less than 100 days' }) };
    return {
      status: 200,
      body: signalsBody({
        type: m[1]!,
        code: m[2]!,
        datasource: q.get('datasource') ?? '',
        from,
        until,
        sourceParams: q.get('sourceParams'),
      }),
    };
  }
  if (u.pathname.endsWith('/outages/events')) return { status: 200, body: eventsBody(q) };
  return null;
}

/** A stand-in server's reply to a request: `answer(url)` (404 `{}` for an unknown path) sent after `ms` of latency. */
export function replyLater(url: string, res: ServerResponse, ms = 20): () => void {
  const a = answer(url);
  return () =>
    setTimeout(() => {
      res.writeHead(a?.status ?? 404, { 'content-type': 'application/json' });
      res.end(a?.body ?? '{}');
    }, ms);
}
