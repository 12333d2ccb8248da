import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  backoffDelay,
  createHttpClient,
  FetchError,
  parseRetryAfter,
  type HttpClientOptions,
} from '../../../collectors/framework/index.js';
import { withRequestBudget } from '../../../collectors/framework/budget.js';

const BASE = 'http://api.example.test/v2';
const schema = z.object({ data: z.array(z.object({ v: z.number().nullable() })) });

function client(extra: Partial<HttpClientOptions> = {}) {
  const sleeps: number[] = [];
  const c = createHttpClient({
    source: 'test',
    baseUrl: BASE,
    timeoutMs: 200,
    maxAttempts: 4,
    rateLimit: { requests: 1000, intervalMs: 1000 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...extra,
  });
  return { c, sleeps };
}

afterEach(() => {
  nock.cleanAll();
});

describe('HTTP client', () => {
  it('sends a User-Agent naming outagewatch and joins the base path', async () => {
    const scope = nock('http://api.example.test', {
      reqheaders: { 'user-agent': /^outagewatch\/\d+\.\d+\.\d+ \(\+https:\/\/github.com\/outagewatch\)$/ },
    })
      .get('/v2/things/KZ')
      .query({ a: '1' })
      .reply(200, { data: [{ v: 1 }] });
    const { c } = client();
    const r = await c.getJson('/things/KZ', { a: 1 }, schema);
    expect(r.data.data[0]!.v).toBe(1);
    expect(r.url).toBe(`${BASE}/things/KZ?a=1`);
    scope.done();
  });

  it('retries a 500 and succeeds, with exponential backoff', async () => {
    nock('http://api.example.test').get('/v2/x').times(2).reply(500, 'oops').get('/v2/x').reply(200, { data: [] });
    const { c, sleeps } = client();
    const r = await c.getJson('x', {}, schema);
    expect(r.attempts).toBe(3);
    expect(sleeps).toEqual([backoffDelay(1, 1000, 60_000, () => 0.5), backoffDelay(2, 1000, 60_000, () => 0.5)]);
    expect(sleeps[1]!).toBeGreaterThan(sleeps[0]!);
  });

  it('fails at once, without retrying, when the name does not resolve or the connection is refused (offline: the next run tries again)', async () => {
    for (const code of ['ENOTFOUND', 'ECONNREFUSED']) {
      nock('http://api.example.test')
        .get('/v2/x')
        .replyWithError(Object.assign(new Error(`getaddrinfo ${code} api.example.test`), { code }));
      const { c, sleeps } = client();
      const err = await c.getJson('x', {}, schema).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FetchError);
      expect((err as FetchError).kind).toBe('unreachable');
      expect((err as FetchError).message).toMatch(/cannot reach the source.*next run tries again/);
      expect(sleeps).toEqual([]);
      nock.cleanAll();
    }
  });

  it('retries a network error (connection reset) with backoff and succeeds', async () => {
    nock('http://api.example.test')
      .get('/v2/x')
      .replyWithError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))
      .get('/v2/x')
      .reply(200, { data: [{ v: null }] });
    const { c, sleeps } = client();
    const r = await c.getJson('x', {}, schema);
    expect(r.attempts).toBe(2);
    expect(r.data.data[0]!.v).toBeNull();
    expect(sleeps).toEqual([backoffDelay(1, 1000, 60_000, () => 0.5)]);
  });

  it('honours Retry-After in seconds and as an HTTP date on 429', async () => {
    const date = new Date(Date.now() + 7000).toUTCString();
    nock('http://api.example.test')
      .get('/v2/x')
      .reply(429, 'slow down', { 'Retry-After': '3' })
      .get('/v2/x')
      .reply(429, '', { 'Retry-After': date })
      .get('/v2/x')
      .reply(200, { data: [] });
    const { c, sleeps } = client();
    await c.getJson('x', {}, schema);
    expect(sleeps[0]).toBe(3000);
    expect(sleeps[1]).toBeGreaterThan(4000);
    expect(sleeps[1]).toBeLessThanOrEqual(7000);
    expect(parseRetryAfter('garbage')).toBeNull();
  });

  it('gives up after the attempt cap and names the URL', async () => {
    nock('http://api.example.test').get('/v2/x').times(4).reply(503, 'down');
    const { c } = client();
    const err = (await c.getJson('x', {}, schema).catch((e: unknown) => e)) as FetchError;
    expect(err).toBeInstanceOf(FetchError);
    expect(err.message).toContain(`${BASE}/x`);
    expect(err.message).toContain('gave up after 4 attempts');
    expect(err.status).toBe(503);
  });

  it('does not retry a 404', async () => {
    nock('http://api.example.test').get('/v2/x').reply(404, 'nope');
    const { c, sleeps } = client();
    await expect(c.getJson('x', {}, schema)).rejects.toThrow(/HTTP 404/);
    expect(sleeps).toEqual([]);
  });

  it('times out, retries, and reports a timeout', async () => {
    nock('http://api.example.test').get('/v2/x').times(2).delay(1000).reply(200, { data: [] });
    const { c } = client({ maxAttempts: 2 });
    const err = (await c.getJson('x', {}, schema).catch((e: unknown) => e)) as FetchError;
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/no answer within 200 ms.*gave up after 2 attempts/);
  });

  it('distinguishes invalid JSON, truncated bodies and schema mismatches (naming the field)', async () => {
    nock('http://api.example.test').get('/v2/bad').reply(200, '<html>busy</html>');
    nock('http://api.example.test').get('/v2/cut').times(4).reply(200, '{"data":[{"v":1},{"v"');
    nock('http://api.example.test')
      .get('/v2/shape')
      .reply(200, { data: [{ v: 1 }, { v: 'x' }] });
    const { c } = client();
    const bad = (await c.getJson('bad', {}, schema).catch((e: unknown) => e)) as FetchError;
    expect(bad.kind).toBe('invalid-json');
    const cut = (await c.getJson('cut', {}, schema).catch((e: unknown) => e)) as FetchError;
    expect(cut.kind).toBe('truncated');
    expect(cut.message).toContain(`${BASE}/cut`);
    const shape = (await c.getJson('shape', {}, schema).catch((e: unknown) => e)) as FetchError;
    expect(shape.kind).toBe('schema');
    expect(shape.path).toBe('data[1].v');
    expect(shape.message).toContain(`${BASE}/shape`);
  });

  it('is cancelled by an AbortSignal while waiting to retry', async () => {
    nock('http://api.example.test').get('/v2/x').reply(500, 'x');
    const ac = new AbortController();
    const c = createHttpClient({ source: 't', baseUrl: BASE, backoffBaseMs: 10_000, rateLimit: { requests: 100, intervalMs: 1000 } });
    setTimeout(() => ac.abort(), 50);
    const err = (await c.getText('x', {}, { signal: ac.signal }).catch((e: unknown) => e)) as FetchError;
    expect(err.kind).toBe('aborted');
  });

  it('keeps to the rate limit and the concurrency limit', async () => {
    nock('http://api.example.test').get('/v2/r').times(6).delay(20).reply(200, { data: [] });
    const c = createHttpClient({ source: 't', baseUrl: BASE, rateLimit: { requests: 2, intervalMs: 100 }, concurrency: 1 });
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => c.getJson('r', {}, schema)));
    // 6 requests at 2 per 100 ms: the last starts no earlier than 200 ms after the first
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });
});

describe('HTTP client: the request budget shared across processes (PostgreSQL)', () => {
  it('claims every request start (retries included) from the budget in force, spaced by the source rate, and waits what it says', async () => {
    const claims: Array<[string, number]> = [];
    const budget = {
      claim: async (source: string, spacingMs: number) => {
        claims.push([source, spacingMs]);
        return 30;
      },
    };
    const { c } = client({ rateLimit: { requests: 2, intervalMs: 1000 } });
    const scope = nock('http://api.example.test').get('/v2/x').reply(503, '').get('/v2/x').reply(200, '{"data":[]}');
    const t0 = performance.now();
    const r = await withRequestBudget(budget, () => c.getText('x'));
    expect(r.status).toBe(200);
    scope.done();
    expect(claims).toEqual([
      ['test', 500],
      ['test', 500],
    ]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
    // outside a collection's budget nothing is claimed
    nock('http://api.example.test').get('/v2/y').reply(200, '{}');
    await c.getText('y');
    expect(claims).toHaveLength(2);
  });

  it('a budget that cannot be claimed (database gone) does not stop the request: the process keeps its own pace', async () => {
    const { c } = client();
    const scope = nock('http://api.example.test').get('/v2/x').reply(200, '{}');
    const budget = { claim: () => Promise.reject(new Error('connection terminated')) };
    const r = await withRequestBudget(budget, () => c.getText('x'));
    expect(r.status).toBe(200);
    scope.done();
  });
});
