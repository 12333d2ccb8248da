import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, fixtureApp, fixtureStore } from './api/fixture.js';

describe('bounds and rate limits on everything a client can ask', () => {
  let t: ReturnType<typeof fixtureStore> | undefined;
  afterEach(() => t?.cleanup());

  it('a range longer than api.maxRangeDays is a 400 naming the limit, before any work (API and pages)', async () => {
    // the hostile probe's case: /api/correlation from 1970 to 2100 took 2–4 s and stalled every other request
    t = fixtureStore();
    const app = fixtureApp(t);
    const huge = await request(app).get('/api/correlation').query({ country: 'KZ', from: '1970-01-01', until: '2100-01-01' }).expect(400);
    expect(huge.body.error.parameter).toBe('until');
    expect(huge.body.error.message).toMatch(/longer than the limit of 7305 days \(api\.maxRangeDays\)/);
    const open = await request(app).get('/api/signals').query({ entity: 'country:KZ', from: 0 }).expect(400);
    expect(open.body.error.parameter).toBe('from');
    const page = await request(app)
      .get('/countries/KZ')
      .query({ from: '1900-01-01', until: '2100-01-01' })
      .expect(400)
      .expect('content-type', /html/);
    expect(page.text).toContain('api.maxRangeDays');
    // within the limit it is answered
    await request(app).get('/api/correlation').query({ country: 'KZ', from: '2016-01-01', until: '2017-01-01' }).expect(200);
    const small = fixtureApp(t, { api: { maxRangeDays: 30 } });
    expect(
      (await request(small).get('/api/signals').query({ entity: 'country:KZ', from: '2016-01-01', until: '2016-03-01' }).expect(400)).body
        .error.message,
    ).toContain('limit of 30 days');
  });

  it('a request over more calendar events than api.maxEvents is a 400 naming the limit (correlation, listings, country page)', async () => {
    // stands for a country with thousands of events (an ACLED import) correlated in one request; the fixture
    // calendar has 2 KZ events (2016 and 2022) and 1 UA event, so a limit of 1 shows the bound
    t = fixtureStore();
    const app = fixtureApp(t, { api: { maxEvents: 1 } });
    const corr = await request(app).get('/api/correlation').query({ country: 'KZ' }).expect(400);
    expect(corr.body.error.parameter).toBe('country');
    expect(corr.body.error.message).toContain(
      'KZ has 2 calendar events in the range, more than the limit of 1 per request (api.maxEvents)',
    );
    const ranged = await request(app).get('/api/correlation').query({ country: 'KZ', from: '2015-01-01', until: '2023-01-01' }).expect(400);
    expect(ranged.body.error.parameter).toBe('from');
    const list = await request(app).get('/api/events').expect(400);
    expect(list.body.error.message).toContain('the calendar has 3 calendar events');
    const page = await request(app).get('/countries/KZ').expect(400).expect('content-type', /html/);
    expect(page.text).toContain('api.maxEvents');
    // a narrower range (one event) is answered
    await request(app).get('/api/correlation').query({ country: 'KZ', from: '2016-01-01', until: '2017-01-01' }).expect(200);
    expect((await request(app).get('/api/events').query({ country: 'UA' }).expect(200)).body).toHaveLength(1);
    // the default limit leaves ordinary calendars alone
    await request(fixtureApp(t)).get('/api/correlation').query({ country: 'KZ' }).expect(200);
  });

  it('wrong logins are limited per client: 30 wrong tokens in a row: the 11th and later get 429', async () => {
    t = fixtureStore();
    const app = fixtureApp(t, { adminToken: ADMIN_TOKEN });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++)
      statuses.push(
        (
          await request(app)
            .post('/login')
            .type('form')
            .send({ token: `wrong-guess-${i}` })
        ).status,
      );
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
    const blocked = await request(app).post('/login').type('form').send({ token: ADMIN_TOKEN });
    expect(blocked.status).toBe(429);
    expect(blocked.text).toContain('too many failed logins');
    expect(blocked.headers['retry-after']).toBeDefined();
  });

  it('a successful login does not use up the allowance', async () => {
    t = fixtureStore();
    const app = fixtureApp(t, { adminToken: ADMIN_TOKEN, api: { loginRateLimit: { windowSeconds: 60, max: 2 } } });
    for (let i = 0; i < 5; i++) await request(app).post('/login').type('form').send({ token: ADMIN_TOKEN }).expect(303);
    await request(app).post('/login').type('form').send({ token: 'nope-nope-nope-nope' }).expect(401);
  });

  it('HTML pages are rate-limited per client (assets and health are not)', async () => {
    t = fixtureStore();
    const app = fixtureApp(t, { api: { pageRateLimit: { windowSeconds: 60, max: 3 } } });
    for (let i = 0; i < 3; i++) await request(app).get('/status').expect(200);
    const limited = await request(app).get('/outages').expect(429).expect('content-type', /html/);
    expect(limited.text).toContain('too many page requests');
    await request(app).get('/api/health').expect(200);
    await request(app).get('/static/style.css').expect(200);
    const off = fixtureApp(t, { api: { pageRateLimit: { max: 0 } } });
    for (let i = 0; i < 5; i++) await request(off).get('/status').expect(200);
  });
});
