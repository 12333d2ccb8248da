import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, fakeCollector, fixtureApp, fixtureStore } from './fixture.js';
import type { CollectArgs } from '../../../collectors/types.js';
import { createRipestatCollector } from '../../../collectors/ripestat/collect.js';
import { loadConfig } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { SqlitePointStore } from '../../../db/repository.js';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const rally = {
  title: 'Rally in Almaty',
  country: 'kz',
  start: '2016-06-12',
  tz: 'Asia/Almaty',
  kind: 'protest',
  sources: ['https://example.org/rally'],
  places: [{ name: 'Almaty' }],
};

describe('writes', () => {
  let t: ReturnType<typeof fixtureStore>;
  afterEach(() => t?.cleanup());

  it('without a configured token every write is 403 with a message, whatever the header', async () => {
    t = fixtureStore();
    const app = fixtureApp(t, { writer: true });
    for (const r of [
      request(app).post('/api/events').send(rally),
      request(app).post('/api/events').set(auth).send(rally),
      request(app).delete('/api/events/ua-2016-05-01-rally').set(auth),
      request(app).post('/api/collect').set(auth).send({}),
    ]) {
      const res = await r;
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'WRITES_DISABLED' });
      expect(res.body.error.message).toContain('OUTAGEWATCH_ADMIN_TOKEN');
    }
    expect((await request(app).get('/api/events').expect(200)).body).toHaveLength(3);
  });

  it('a missing, malformed or wrong bearer token is 401; the right one writes', async () => {
    t = fixtureStore();
    const app = fixtureApp(t, { adminToken: ADMIN_TOKEN, writer: true });
    for (const header of [
      undefined,
      ADMIN_TOKEN,
      `Basic ${ADMIN_TOKEN}`,
      `Bearer ${ADMIN_TOKEN}x`,
      `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
      'Bearer ',
    ]) {
      let r = request(app).post('/api/events');
      if (header !== undefined) r = r.set('Authorization', header);
      const res = await r.send(rally);
      expect(res.status, String(header)).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    const created = await request(app).post('/api/events').set(auth).send(rally).expect(201);
    expect(created.body).toMatchObject({
      id: 'kz-2016-06-12-rally-almaty',
      country: 'KZ',
      start: '2016-06-11T18:00:00Z',
      end: '2016-06-12T18:00:00Z',
      allDay: true,
      origin: { type: 'manual' },
    });
    expect(created.headers.location).toBe('/api/events/kz-2016-06-12-rally-almaty');
    expect((await request(app).get('/api/events?country=KZ').expect(200)).body.map((e: { id: string }) => e.id)).toContain(
      'kz-2016-06-12-rally-almaty',
    );
  });

  it('validates events like the importers: 400 naming each bad field; 409 on a taken id', async () => {
    t = fixtureStore();
    const app = fixtureApp(t, { adminToken: ADMIN_TOKEN, writer: true });
    const bad = await request(app)
      .post('/api/events')
      .set(auth)
      .send({ ...rally, country: 'Atlantis', start: '2016-02-30', kind: 'party' })
      .expect(400);
    expect(bad.body.error.code).toBe('BAD_BODY');
    const fields = bad.body.error.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['country', 'kind']));
    expect(bad.body.error.message).toContain('country');
    const notJson = await request(app).post('/api/events').set(auth).set('Content-Type', 'application/json').send('{"title": ').expect(400);
    expect(notJson.body.error.code).toBe('BAD_BODY');
    const array = await request(app).post('/api/events').set(auth).send([rally]).expect(400);
    expect(array.body.error.message).toContain('one JSON object');
    const taken = await request(app)
      .post('/api/events')
      .set(auth)
      .send({ ...rally, id: 'kz-2016-05-21-land-protests' })
      .expect(409);
    expect(taken.body.error.message).toContain('PUT');
  });

  it('PUT replaces an event, DELETE removes it; unknown ids 404', async () => {
    t = fixtureStore();
    const app = fixtureApp(t, { adminToken: ADMIN_TOKEN, writer: true });
    const id = 'kz-2016-05-21-land-protests';
    const put = await request(app)
      .put(`/api/events/${id}`)
      .set(auth)
      .send({
        title: 'Land reform protests',
        country: 'KZ',
        start: '2016-05-21',
        end: '2016-05-22',
        tz: 'Asia/Almaty',
        kind: 'protest',
        notes: 'two days',
      })
      .expect(200);
    expect(put.body).toMatchObject({ id, notes: 'two days', localDays: { first: '2016-05-21', last: '2016-05-22' } });
    expect((await request(app).get(`/api/events/${id}`).expect(200)).body.notes).toBe('two days');
    const mismatch = await request(app)
      .put(`/api/events/${id}`)
      .set(auth)
      .send({ id: 'other', title: 'x', country: 'KZ', start: '2016-05-21' })
      .expect(400);
    expect(mismatch.body.error.message).toContain('id');
    await request(app).put('/api/events/no-such').set(auth).send(rally).expect(404);
    await request(app).delete('/api/events/ua-2016-05-01-rally').set(auth).expect(204);
    await request(app).delete('/api/events/ua-2016-05-01-rally').set(auth).expect(404);
    await request(app).get('/api/events/ua-2016-05-01-rally').expect(404);
    const badId = await request(app).delete('/api/events/%3Cscript%3E').set(auth).expect(400);
    expect(badId.body.error.parameter).toBe('id');
  });

  it('POST /api/collect runs the collector in the background with the writer store and returns a run to poll', async () => {
    t = fixtureStore();
    const calls: CollectArgs[] = [];
    let finish: () => void = () => {};
    const ioda = fakeCollector('ioda', ['ioda.bgp'], (args) => {
      calls.push(args);
      return new Promise(
        (resolve) =>
          (finish = () => resolve({ points: 288, events: 0, coveredUntil: args.until, windowsOk: 1, windowsFailed: 0, failures: [] })),
      );
    });
    const radar = {
      ...fakeCollector('radar', ['radar.outages']),
      enabled: () => false,
      disabledReason: () => 'no token configured (OUTAGEWATCH_RADAR_TOKEN)',
    };
    const app = fixtureApp(t, { adminToken: ADMIN_TOKEN, writer: true, collectors: [ioda, radar, fakeCollector('ooni', [])] });
    const res = await request(app)
      .post('/api/collect')
      .set(auth)
      .send({ source: 'ioda', entity: 'country:kz', from: '2016-05-20', until: 1463788800 })
      .expect(202);
    expect(res.body).toMatchObject({
      source: 'ioda',
      entity: 'country:KZ',
      from: '2016-05-20T00:00:00Z',
      until: '2016-05-21T00:00:00Z',
      run: { status: 'running', collector: 'ioda' },
    });
    expect(res.headers.location).toBe(`/api/sources/runs/${res.body.runId}`);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ entity: 'country:KZ', from: 1463702400, until: 1463788800 });
    // the writer's connection, through the point store (the same write path as on PostgreSQL)
    const given = calls[0]!.store;
    expect(given instanceof SqlitePointStore && given.store === t.store).toBe(true);
    await request(app).post('/api/collect').set(auth).send({ source: 'ioda', entity: 'country:KZ', from: '2016-05-20' }).expect(409);
    finish();
    await new Promise((r) => setTimeout(r, 20));
    const run = await request(app).get(res.headers.location!).expect(200);
    expect(run.body).toMatchObject({ id: res.body.runId, status: 'ok', rows: 288, windowsOk: 1 });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ entity: 'country:KZ', from: '2016-05-20' }, 'source'],
      [{ source: 'nope', entity: 'country:KZ', from: '2016-05-20' }, 'source'],
      [{ source: 'radar', entity: 'country:KZ', from: '2016-05-20' }, 'source'],
      [{ source: 'ioda', entity: 'Kazakhstan', from: '2016-05-20' }, 'entity'],
      [{ source: 'ooni', entity: 'country:KZ', from: '2016-05-20' }, 'entity'],
      [{ source: 'ioda', entity: 'country:KZ', from: 'banana' }, 'from'],
      [{ source: 'ioda', entity: 'country:KZ' }, 'from'],
      [{ source: 'ioda', entity: 'country:KZ', from: '2016-05-20', until: '2016-05-01' }, 'until'],
    ];
    for (const [body, param] of cases) {
      const r = await request(app).post('/api/collect').set(auth).send(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.parameter).toBe(param);
      expect(r.body.error.message).toContain(param);
    }
    const disabled = await request(app).post('/api/collect').set(auth).send({ source: 'radar', entity: 'country:KZ', from: '2016-05-20' });
    expect(disabled.body.error.message).toContain('OUTAGEWATCH_RADAR_TOKEN');
  });

  it('a failing collector ends its run as failed; writes without a writer store are 503', async () => {
    t = fixtureStore();
    const broken = fakeCollector('ioda', ['ioda.bgp'], async () => {
      throw new Error('socket hang up');
    });
    const app = fixtureApp(t, { adminToken: ADMIN_TOKEN, writer: true, collectors: [broken] });
    const res = await request(app)
      .post('/api/collect')
      .set(auth)
      .send({ source: 'ioda', entity: 'country:KZ', from: '2016-05-20', until: '2016-05-21' })
      .expect(202);
    await new Promise((r) => setTimeout(r, 20));
    expect((await request(app).get(`/api/sources/runs/${res.body.runId}`).expect(200)).body).toMatchObject({
      status: 'failed',
      error: 'socket hang up',
    });
    const ro = fixtureApp(t, { adminToken: ADMIN_TOKEN, collectors: [broken] });
    expect((await request(ro).post('/api/events').set(auth).send(rally).expect(503)).body.error.code).toBe('UNAVAILABLE');
  });

  // The real RIPEstat collector plans the windows (its windowDays by resolution) and declares its first data
  // (2004-01-01); only its network fetch is replaced, so nothing leaves the machine.
  function ripestat(resolution: '5m' | '1d', calls: CollectArgs[]) {
    const config = loadConfig({ env: {}, cwd: '/' });
    config.collection = { ripestat: { resolution } };
    const c = createRipestatCollector(config, { log: silentLogger });
    c.collect = async (args) => {
      calls.push(args);
      return { points: 0, events: 0, coveredUntil: args.until, windowsOk: 1, windowsFailed: 0, failures: [] };
    };
    return c;
  }

  it('POST /api/collect refuses a range needing more windows than api.maxCollectWindows, naming the cap, before any work', async () => {
    t = fixtureStore();
    const calls: CollectArgs[] = [];
    // 5-minute resolution: one-day windows, so 2004..2016 is about 4,500 requests to RIPEstat from one API call
    const app = fixtureApp(t, { adminToken: ADMIN_TOKEN, writer: true, collectors: [ripestat('5m', calls)] });
    const huge = await request(app)
      .post('/api/collect')
      .set(auth)
      .send({ source: 'ripestat', entity: 'country:KZ', from: '2004-01-01', until: '2016-05-21' })
      .expect(400);
    expect(huge.body.error.parameter).toBe('from');
    expect(huge.body.error.message).toMatch(
      /needs 4525 windows from ripestat, more than the limit of 1000 per request \(api\.maxCollectWindows\)/,
    );
    expect(calls).toHaveLength(0);
    await request(app)
      .post('/api/collect')
      .set(auth)
      .send({ source: 'ripestat', entity: 'country:KZ', from: '2016-05-01', until: '2016-05-21' })
      .expect(202);
    expect(calls).toHaveLength(1);
    // the cap is a setting: yearly windows, 13 of them, over a cap of 3
    const small = fixtureApp(t, {
      adminToken: ADMIN_TOKEN,
      writer: true,
      collectors: [ripestat('1d', calls)],
      api: { maxCollectWindows: 3 },
    });
    const r = await request(small)
      .post('/api/collect')
      .set(auth)
      .send({ source: 'ripestat', entity: 'country:KZ', from: '2004-01-01', until: '2016-05-21' })
      .expect(400);
    expect(r.body.error.message).toContain('limit of 3 per request (api.maxCollectWindows)');
  });

  it("POST /api/collect clips a range reaching before the source's first data to it instead of asking for years of nothing", async () => {
    t = fixtureStore();
    const calls: CollectArgs[] = [];
    const app = fixtureApp(t, { adminToken: ADMIN_TOKEN, writer: true, collectors: [ripestat('5m', calls)] });
    // 1990 is before RIPEstat's first data (2004-01-01): clipped, and then well within the window cap
    const res = await request(app)
      .post('/api/collect')
      .set(auth)
      .send({ source: 'ripestat', entity: 'country:KZ', from: '1990-01-01', until: '2004-01-10' })
      .expect(202);
    expect(res.body).toMatchObject({ from: '2004-01-01T00:00:00Z', until: '2004-01-11T00:00:00Z', clippedFrom: '1990-01-01T00:00:00Z' });
    expect(res.body.note).toContain('no data before 2004-01-01T00:00:00Z');
    expect(calls[0]).toMatchObject({ from: 1072915200, until: 1073779200 });
    // a range wholly before the first data has nothing to clip to: a 400 saying so
    const before = await request(app)
      .post('/api/collect')
      .set(auth)
      .send({ source: 'ripestat', entity: 'country:KZ', from: '1990-01-01', until: '1999-01-01' })
      .expect(400);
    expect(before.body.error.message).toContain('no data before 2004-01-01');
  });
});
