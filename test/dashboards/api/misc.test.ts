import request from 'supertest';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { csvCell, toCsv } from '../../../services/util/csv-write.js';
import { fixtureApp, fixtureStore } from './fixture.js';

describe('CSV', () => {
  it('neutralises text cells that a spreadsheet would run as formulas, but not numbers', () => {
    expect(['=1+1', '+1', '-2+3', '@SUM(A1)', '\tx', 'plain', '3-2'].map(csvCell)).toEqual([
      "'=1+1",
      "'+1",
      "'-2+3",
      "'@SUM(A1)",
      "'\tx",
      'plain',
      '3-2',
    ]);
    expect(csvCell(-3.5)).toBe('-3.5');
    expect(csvCell(null)).toBe('');
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(
      toCsv(
        [{ a: 'x,y', b: 'line\nbreak' }],
        [
          { header: 'a', value: (r) => r.a },
          { header: 'b', value: (r) => r.b },
        ],
      ),
    ).toBe('a,b\r\n"x,y","line\nbreak"\r\n');
  });
});

describe('API listings, detail and protections', () => {
  let t: ReturnType<typeof fixtureStore>;
  let app: Express;
  beforeAll(() => {
    t = fixtureStore();
    app = fixtureApp(t);
  });
  afterAll(() => t.cleanup());

  it('serves every listing as CSV with ?format=csv or Accept: text/csv, neutralising formulas from the data', async () => {
    const ent = await request(app).get('/api/entities').set('Accept', 'text/csv').expect(200);
    expect(ent.headers['content-type']).toMatch(/^text\/csv/);
    expect(ent.headers['content-disposition']).toContain('entities.csv');
    expect(ent.text).toContain(`asn:9198,asn,9198,"'=HYPERLINK(""http://evil.example"",""KazakhTelecom"")",KZ`);
    expect(ent.text).not.toMatch(/,"?=HYPERLINK/);
    const events = await request(app).get('/api/events?format=csv').expect(200);
    expect(events.text.split('\r\n')[0]).toBe('id,title,country,kind,start,end,tz,all_day,local_start,local_end,places,sources,tags,notes');
    expect(events.text).toContain(",'-cmd|calc");
    for (const url of [
      '/api/outages',
      '/api/reference',
      '/api/reference/stop',
      '/api/sources/runs',
      '/api/sources/checkpoints',
      '/api/sources',
    ]) {
      const res = await request(app).get(url).query({ format: 'csv' }).expect(200);
      expect(res.headers['content-type'], url).toMatch(/^text\/csv/);
    }
    const ref = await request(app).get('/api/reference/stop?format=csv').expect(200);
    expect(ref.text).toContain("'@Crimea");
    // JSON stays the default, also for browsers sending */*
    await request(app).get('/api/outages').set('Accept', '*/*').expect('content-type', /json/);
  });

  it('/api/events filters by country, range and kind', async () => {
    const ids = async (q: string) => (await request(app).get(`/api/events${q}`).expect(200)).body.map((e: { id: string }) => e.id);
    expect(await ids('')).toEqual(['ua-2016-05-01-rally', 'kz-2016-05-21-land-protests', 'kz-2022-01-05-unrest']);
    expect(await ids('?country=kz')).toEqual(['kz-2016-05-21-land-protests', 'kz-2022-01-05-unrest']);
    expect(await ids('?kind=unrest')).toEqual(['kz-2022-01-05-unrest']);
    expect(await ids('?from=2016-05-21&until=2016-05-21')).toEqual(['kz-2016-05-21-land-protests']);
    expect(await ids('?from=1641340800')).toEqual(['kz-2022-01-05-unrest']);
    const bad = await request(app).get('/api/events?until=banana').expect(400);
    expect(bad.body.error.message).toMatch(/^until: /);
  });

  it('/api/events/:id carries the correlation and its verdict (the correlate --json document)', async () => {
    const res = await request(app).get('/api/events/kz-2016-05-21-land-protests').expect(200);
    expect(res.body).toMatchObject({
      id: 'kz-2016-05-21-land-protests',
      country: 'KZ',
      tz: 'Asia/Almaty',
      localStart: '2016-05-21T00:00:00+06:00',
    });
    expect(res.body.verdict).toEqual(res.body.correlation.verdict);
    expect(res.body.verdict.services).toBe('blocking');
    expect(res.body.correlation.event.id).toBe('kz-2016-05-21-land-protests');
    expect(res.body.correlation.outages.map((o: { kind: string }) => o.kind)).toContain('service-blocking');
    const narrow = await request(app).get('/api/events/kz-2016-05-21-land-protests?lead=0h&lag=0h').expect(200);
    expect(narrow.body.correlation.window).toMatchObject({
      from: '2016-05-20T18:00:00Z',
      until: '2016-05-21T18:00:00Z',
      leadSeconds: 0,
      lagSeconds: 0,
    });
    const ref = await request(app).get('/api/events/kz-2016-05-21-land-protests?outages=reference:stop').expect(200);
    expect(ref.body.correlation.outageInput).toBe('reference:stop');
    const bad = await request(app).get('/api/events/kz-2016-05-21-land-protests?outages=guess').expect(400);
    expect(bad.body.error.parameter).toBe('outages');
  });

  it("/api/reference lists the lists and one list's outages, with filters", async () => {
    const lists = await request(app).get('/api/reference').expect(200);
    expect(lists.body).toEqual([
      expect.objectContaining({
        name: 'stop',
        format: 'stop',
        outages: 2,
        countries: 2,
        first: '2016-05-20T00:00:00Z',
        scopes: { national: 1, regional: 1 },
        files: [expect.objectContaining({ file: 'stop-2016.csv', imported: 2 })],
      }),
    ]);
    const all = await request(app).get('/api/reference/stop').expect(200);
    expect(all.body.map((o: { country: string }) => o.country)).toEqual(['KZ', 'UA']);
    expect(all.body[1]).toMatchObject({
      end: null,
      scope: 'regional',
      scopeRaw: 'Region (@Crimea)',
      scopeDetail: '@Crimea',
      area: '@Crimea',
    });
    expect((await request(app).get('/api/reference/stop?country=UA').expect(200)).body).toHaveLength(1);
    expect((await request(app).get('/api/reference/stop?from=2016-05-25&until=2016-05-31').expect(200)).body).toHaveLength(0);
    await request(app).get('/api/reference/nope').expect(404);
    expect(
      (await request(app).get('/api/reference/stop?scope=regional').expect(200)).body.map((o: { country: string }) => o.country),
    ).toEqual(['UA']);
    await request(app).get('/api/reference/stop?scope=planet').expect(400);
  });

  it('sends no CORS headers by default and only for listed origins when configured', async () => {
    const res = await request(app).get('/api/outages').set('Origin', 'https://evil.example').expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const cors = fixtureApp(t, { api: { corsOrigins: ['https://dash.example'] } });
    const ok = await request(cors).get('/api/outages').set('Origin', 'https://dash.example').expect(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://dash.example');
    const other = await request(cors).get('/api/outages').set('Origin', 'https://evil.example').expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await request(cors).options('/api/events').set('Origin', 'https://dash.example').expect(204);
    expect(pre.headers['access-control-allow-methods']).toBe('GET, HEAD');
  });

  it('limits requests per client (429 with RateLimit headers); the limit is configurable and can be off', async () => {
    const limited = fixtureApp(t, { api: { rateLimit: { windowSeconds: 60, max: 3 } } });
    for (let i = 0; i < 3; i++) await request(limited).get('/api/entities').expect(200);
    const res = await request(limited).get('/api/entities').expect(429);
    expect(res.body.error.code).toBe('RATE_LIMITED');
    expect(res.headers['retry-after']).toBeDefined();
    const off = fixtureApp(t, { api: { rateLimit: { max: 0 } } });
    for (let i = 0; i < 5; i++) await request(off).get('/api/entities').expect(200);
    expect(() => fixtureApp(t, { api: { rateLimit: { max: -1 } } })).toThrow(/api\.rateLimit\.max/);
  });

  it('never sends a stack trace: an internal failure is a plain 500', async () => {
    const store = fixtureStore();
    const broken = fixtureApp(store);
    store.store.db.exec('DROP TABLE outages');
    const res = await request(broken).get('/api/outages').expect(500);
    expect(res.body).toEqual({
      error: { code: 'INTERNAL', status: 500, message: 'internal error', requestId: res.headers['x-request-id'] },
    });
    store.cleanup();
  });

  it('gives every request an id (X-Request-Id, in error answers and in its log line) and logs a failure with its stack', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const store = fixtureStore();
    const app = fixtureApp(store, { log });
    const ok = await request(app).get('/api/entities').expect(200);
    const id = ok.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const done = lines.find((l) => l.msg === 'request' && l.reqId === id);
    expect(done).toMatchObject({ level: 20, req: { method: 'GET', url: '/api/entities' }, res: { status: 200 } });
    expect(JSON.stringify(done)).not.toContain('authorization');
    // an id the caller sent (a proxy's) is kept; a malformed one is replaced
    expect((await request(app).get('/api/entities').set('X-Request-Id', 'edge-42.a')).headers['x-request-id']).toBe('edge-42.a');
    expect((await request(app).get('/api/entities').set('X-Request-Id', 'bad id <x>')).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await request(app).get('/api/outages?from=banana').expect(400);
    expect(bad.body.error.requestId).toBe(bad.headers['x-request-id']);
    store.store.db.exec('DROP TABLE outages');
    const failed = await request(app).get('/api/outages').expect(500);
    const line = lines.find((l) => l.reqId === failed.headers['x-request-id']);
    expect(line).toMatchObject({ level: 50, msg: 'request failed', res: { status: 500 } });
    expect((line!.err as { stack?: string }).stack).toContain('no such table: outages');
    const page = await request(app).get('/no-such-page').expect(404);
    expect(page.text).toContain(`Request id: <code>${page.headers['x-request-id']}</code>`);
    store.cleanup();
  });
});
