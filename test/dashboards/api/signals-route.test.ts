/**
 * `GET /api/signals` is mounted as its own route at the front of the app (issue 21: every chart asks it, and each
 * miss walked the whole middleware stack). A user must not notice: the same security headers, request id and log
 * line, metrics, range limit, rate limit (one budget shared with every API route), CORS, caching header and errors
 * as any other API request.
 */
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp, fixtureStore } from './fixture.js';

const Q = { entity: 'country:KZ', from: '2016-05-19', until: '2016-05-23' };

/** Headers that describe the body or this one answer, not the app's policy. */
const PER_ANSWER = new Set([
  'content-type',
  'content-length',
  'etag',
  'date',
  'vary',
  'content-encoding',
  'x-request-id',
  'connection',
  'keep-alive',
  'x-total-count',
]);
const policy = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => !PER_ANSWER.has(k)));

describe('the /api/signals route', () => {
  let t: ReturnType<typeof fixtureStore>;
  beforeAll(() => {
    t = fixtureStore();
  });
  afterAll(() => t.cleanup());

  it('answers with the same security and caching headers as any other API route', async () => {
    const app = fixtureApp(t, { api: { rateLimit: { max: 0 } } });
    const signals = await request(app).get('/api/signals').query(Q).expect(200);
    const entities = await request(app).get('/api/entities').expect(200);
    expect(policy(signals.headers)).toEqual(policy(entities.headers));
    expect(signals.headers).toMatchObject({
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
    });
    expect(signals.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(signals.headers['x-powered-by']).toBeUndefined();
  });

  it('counts against the one per-client rate limit of the API, both ways', async () => {
    const app = fixtureApp(t, { api: { rateLimit: { windowSeconds: 60, max: 3 } } });
    await request(app).get('/api/entities').expect(200);
    await request(app).get('/api/signals').query(Q).expect(200);
    await request(app).get('/api/entities').expect(200);
    const limited = await request(app).get('/api/signals').query(Q).expect(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
    await request(app).get('/api/sources').expect(429);
  });

  it('logs one line per request with its id, and is timed under its route in the metrics', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const app = fixtureApp(t, { log, api: { rateLimit: { max: 0 } } });
    const ok = await request(app).get('/api/signals').query(Q).expect(200);
    const id = ok.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.find((l) => l.msg === 'request' && l.reqId === id)).toMatchObject({
      req: { method: 'GET', url: expect.stringContaining('/api/signals?') },
      res: { status: 200 },
    });
    expect((await request(app).get('/api/signals').query(Q).set('X-Request-Id', 'edge-7')).headers['x-request-id']).toBe('edge-7');
    const metrics = (await request(app).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/outagewatch_http_request_duration_seconds_count\{method="GET",route="\/api\/signals",status="200"\} 2/);
  });

  it('answers errors as the API does: bad parameters, the range limit, a bad body, other methods', async () => {
    const app = fixtureApp(t, { api: { rateLimit: { max: 0 }, maxRangeDays: 30 } });
    const bad = await request(app).get('/api/signals').query({ entity: 'country:KZ', maxPoints: 'many' }).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'BAD_PARAMETER', parameter: 'maxPoints', requestId: bad.headers['x-request-id'] });
    const long = await request(app)
      .get('/api/signals')
      .query({ entity: 'country:KZ', from: '2016-01-01', until: '2016-06-01' })
      .expect(400);
    expect(long.body.error.message).toMatch(/longer than the limit of 30 days \(api\.maxRangeDays\)/);
    const body = await request(app).get('/api/signals').query(Q).set('Content-Type', 'application/json').send('{not json').expect(400);
    expect(body.body.error.code).toBe('BAD_BODY');
    const post = await request(app).post('/api/signals').send({}).expect(404);
    expect(post.body.error.code).toBe('NOT_FOUND');
  });

  it('allows the configured origins (CORS) as the other API routes do', async () => {
    const app = fixtureApp(t, { api: { rateLimit: { max: 0 }, corsOrigins: ['https://dash.example'] } });
    const ok = await request(app).get('/api/signals').query(Q).set('Origin', 'https://dash.example').expect(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://dash.example');
    const other = await request(app).get('/api/signals').query(Q).set('Origin', 'https://evil.example').expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a run of different charts on one app as a fresh app answers each (columns reused between requests)', async () => {
    // a dashboard asking one range after another: long and short, raw and rollups, all series or one, at several
    // sizes, as each encoding; the route keeps its point columns, the opening text of each series and its reading of
    // Accept-Encoding between requests
    const queries = [
      { entity: 'country:KZ', from: '2016-04-01', until: '2016-06-01', maxPoints: 2000 },
      { entity: 'country:KZ', from: '2016-05-19', until: '2016-05-23', signals: 'ioda.bgp', maxPoints: 50 },
      { entity: 'country:KZ', from: '2016-05-01', until: '2016-06-01', resolution: 'raw', maxPoints: 300 },
      { entity: 'country:KZ', from: '2016-05-20', until: '2016-05-21' },
      { entity: 'country:KZ', from: '2016-04-01', until: '2016-06-01', maxPoints: 2000, times: 'iso' },
      { entity: 'country:KZ', from: '2016-05-19', until: '2016-05-23', format: 'csv' },
    ];
    const encodings = ['gzip, deflate, br', 'identity', 'gzip', 'br;q=0, gzip', 'gzip;q=0, br;q=0'];
    const app = fixtureApp(t, { api: { rateLimit: { max: 0 }, cacheEntries: 0 } });
    for (let round = 0; round < 2; round++)
      for (const [i, q] of queries.entries()) {
        const encoding = encodings[(i + round) % encodings.length]!;
        const got = await request(app).get('/api/signals').query(q).set('Accept-Encoding', encoding).expect(200);
        const fresh = await request(fixtureApp(t, { api: { rateLimit: { max: 0 } } }))
          .get('/api/signals')
          .query(q)
          .set('Accept-Encoding', encoding)
          .expect(200);
        expect(got.text).toBe(fresh.text);
        expect(got.headers['content-encoding']).toBe(fresh.headers['content-encoding']);
        expect(got.headers.etag).toBe(fresh.headers.etag);
      }
  });
});
