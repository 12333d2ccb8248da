import type { Express } from 'express';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../dashboards/app.js';
import { openRepositories } from '../../../db/open.js';
import type { Repositories } from '../../../db/repositories.js';
import { SqlitePointStore } from '../../../db/repository.js';
import { eventToJson } from '../../../services/calendar/json.js';
import { configSchema } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { bothBackends, usePostgres } from '../../pg.js';
import { ADMIN_TOKEN, fakeCollector, LAND_PROTESTS } from './fixture.js';
import { pointStoreOf } from '../../../collectors/framework/store.js';

// The dashboard's writes on both backends (issue 23 items 1 and 4): the calendar forms (admin session + CSRF),
// POST/PUT/DELETE /api/events and POST /api/collect go through the repositories, so that they work on a
// PostgreSQL database from any number of dashboards (`serve`, `start --no-collect`) and, on SQLite, through the
// daemon's writable connection. The same requests against a SQLite file and a real PostgreSQL (the suite's cluster)
// must give the same answers and leave the same calendar. The events stand for what a researcher adds by hand
// around Kazakhstan's May 2016 land-reform protests (the calendar's real seed event, re-dated and renamed).

const pgt = usePostgres({ database: false });
const open: Repositories[] = [];
afterAll(async () => {
  for (const r of open) await r.close();
});

const NOW = Date.UTC(2016, 5, 1) / 1000;
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const LAND = { ...LAND_PROTESTS, places: [{ name: 'Almaty' }, { name: 'Atyrau' }] };
const RALLY = {
  title: 'Rally in Almaty',
  country: 'kz',
  start: '2016-06-12',
  tz: 'Asia/Almaty',
  kind: 'protest',
  sources: ['https://example.org/rally'],
};

const BACKENDS = bothBackends(pgt);

/** A dashboard on `where` that writes: on PostgreSQL as `serve` wires it, on SQLite as the daemon does (its writer). */
async function dashboard(
  where: string,
  collectors = [fakeCollector('ioda', ['ioda.bgp'])],
): Promise<{ app: Express; repos: Repositories }> {
  const repos = await openRepositories(where);
  open.push(repos);
  const sqlite = repos.points instanceof SqlitePointStore ? repos.points.store : undefined;
  const app = createApp({
    config: configSchema.parse({ db: where, adminToken: ADMIN_TOKEN }),
    points: repos.points,
    repos,
    ...(sqlite ? { store: sqlite, writer: sqlite } : { writes: repos }),
    collectors,
    log: silentLogger,
    version: '1.2.3',
    now: () => NOW,
  });
  return { app, repos };
}

/** One answer as a user sees it: status, the location header and the body (JSON, or the page's text). */
interface Answer {
  status: number;
  location: string | null;
  body: unknown;
}

/** Request ids and CSRF tokens are random per request and session: left out of the comparison. */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

function answer(res: request.Response): Answer {
  const text = res.type === 'application/json' ? JSON.stringify(res.body) : res.text;
  return {
    status: res.status,
    location: (res.headers.location as string | undefined) ?? null,
    body: text.replace(UUID, '<request id>').replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value="…"'),
  };
}

/** What each backend answered and stored, compared at the end. */
const SEEN = new Map<string, { answers: Answer[]; calendar: unknown[] }>();

async function login(app: Express): Promise<{ cookie: string; csrf: string }> {
  const res = await request(app).post('/login').type('form').send({ token: ADMIN_TOKEN, next: '/calendar' }).expect(303);
  const cookie = (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
  const page = await request(app).get('/calendar').set('Cookie', cookie).expect(200);
  return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(page.text)![1]! };
}

for (const b of BACKENDS) {
  describe.skipIf(!b.enabled)(`dashboard writes on ${b.name}`, () => {
    it('POST/PUT/DELETE /api/events and the calendar forms: validation, conflicts, 404s, the stored calendar, the correlation cache', async () => {
      const { app, repos } = await dashboard(await b.location());
      const answers: Answer[] = [];
      const say = (res: request.Response) => {
        answers.push(answer(res));
        return res;
      };

      // the API: create, the same again (id taken), another id with the same country + start + title, bad fields
      const created = say(await request(app).post('/api/events').set(auth).send(LAND));
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      expect(id).toBe('kz-2016-05-21-land-reform-protests');
      expect(created.body).toMatchObject({ country: 'KZ', start: '2016-05-20T18:00:00Z', origin: { type: 'manual' } });
      const again = say(await request(app).post('/api/events').set(auth).send(LAND));
      expect(again.status).toBe(409);
      expect(again.body.error.message).toContain(`PUT /api/events/${id}`);
      const twin = say(
        await request(app)
          .post('/api/events')
          .set(auth)
          .send({ ...LAND, id: 'kz-land-2016' }),
      );
      expect(twin.status).toBe(409);
      expect(twin.body.error.message).toContain(`same country, start and title exists: ${id}`);
      const bad = say(
        await request(app)
          .post('/api/events')
          .set(auth)
          .send({ ...RALLY, country: 'Atlantis', kind: 'party' }),
      );
      expect(bad.status).toBe(400);
      expect(bad.body.error.errors.map((e: { field: string }) => e.field).sort()).toEqual(['country', 'kind']);
      expect(say(await request(app).post('/api/events').set(auth).send(RALLY)).status).toBe(201);

      // the event's correlation is cached under the data version; a write moves the version and the next answer
      const before = say(await request(app).get(`/api/events/${id}`));
      expect(before.status).toBe(200);
      const v0 = await repos.points.dataVersion();
      const moved = say(
        await request(app)
          .put(`/api/events/${id}`)
          .set(auth)
          .send({ ...LAND, start: '2016-05-22', notes: 'moved a day' }),
      );
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ id, start: '2016-05-21T18:00:00Z', notes: 'moved a day' });
      expect(await repos.points.dataVersion()).not.toBe(v0);
      const after = say(await request(app).get(`/api/events/${id}`));
      expect(after.body.start).toBe('2016-05-21T18:00:00Z');
      expect(JSON.stringify(after.body.correlation)).not.toBe(JSON.stringify(before.body.correlation));

      // PUT: unchanged (200, nothing written), unknown id, body id differing from the path, taking another's key
      const v1 = await repos.points.dataVersion();
      const same = say(
        await request(app)
          .put(`/api/events/${id}`)
          .set(auth)
          .send({ ...LAND, start: '2016-05-22', notes: 'moved a day' }),
      );
      expect(same.status).toBe(200);
      expect(await repos.points.dataVersion()).toBe(v1);
      expect(say(await request(app).put('/api/events/kz-nope').set(auth).send(LAND)).status).toBe(404);
      expect(
        say(
          await request(app)
            .put(`/api/events/${id}`)
            .set(auth)
            .send({ ...LAND, id: 'other' }),
        ).status,
      ).toBe(400);
      const clash = say(
        await request(app)
          .put(`/api/events/${id}`)
          .set(auth)
          .send({ ...RALLY, notes: 'same key as the rally' }),
      );
      expect(clash.status).toBe(409);
      expect(clash.body.error.id).toBe('kz-2016-06-12-rally-almaty');

      // the calendar forms with the admin session and its CSRF token
      const { cookie, csrf } = await login(app);
      const form = {
        title: 'Strike in Zhanaozen',
        country: 'KZ',
        start: '2016-05-25',
        tz: 'Asia/Aqtau',
        sources: 'https://example.org/strike',
      };
      expect(say(await request(app).post('/calendar/events').set('Cookie', cookie).type('form').send(form)).status).toBe(403);
      const added = say(
        await request(app)
          .post('/calendar/events')
          .set('Cookie', cookie)
          .type('form')
          .send({ ...form, _csrf: csrf }),
      );
      expect(added.status).toBe(303);
      expect(added.headers.location).toBe('/events/kz-2016-05-25-strike-zhanaozen');
      const dup = say(
        await request(app)
          .post('/calendar/events')
          .set('Cookie', cookie)
          .type('form')
          .send({ ...form, _csrf: csrf }),
      );
      expect(dup.status).toBe(409);
      const invalid = say(
        await request(app)
          .post('/calendar/events')
          .set('Cookie', cookie)
          .type('form')
          .send({ ...form, start: '2016-02-30', _csrf: csrf }),
      );
      expect(invalid.status).toBe(400);
      expect(invalid.text).toContain('<strong>start</strong>');
      const content = JSON.stringify([
        {
          title: 'Imported rally',
          country: 'KZ',
          start: '2016-07-01',
          tz: 'Asia/Almaty',
          kind: 'protest',
          sources: ['https://example.org/imp'],
        },
        { title: 'Broken', country: 'KZ', start: 'not a date', sources: ['https://example.org/b'] },
      ]);
      const imported = say(
        await request(app).post('/calendar/import').set('Cookie', cookie).type('form').send({ format: 'json', content, _csrf: csrf }),
      );
      expect(imported.status).toBe(422);
      expect(imported.text).toContain('1 added, 0 updated, 0 unchanged, 1 rejected');

      // DELETE, then again
      expect(say(await request(app).delete('/api/events/kz-2016-06-12-rally-almaty').set(auth)).status).toBe(204);
      expect(say(await request(app).delete('/api/events/kz-2016-06-12-rally-almaty').set(auth)).status).toBe(404);

      const listed = say(await request(app).get('/api/events?format=csv'));
      expect(listed.headers['x-total-count']).toBe('3');
      const calendar = (await repos.calendar.listEvents()).map(eventToJson);
      expect(calendar.map((e) => e.id)).toEqual([id, 'kz-2016-05-25-strike-zhanaozen', 'kz-2016-07-01-imported-rally']);
      SEEN.set(b.name, { answers, calendar });
    });

    it('two dashboards on one database adding the same event at once: one 201, one 409, one stored row', async () => {
      const where = await b.location();
      const [a, c] = [await dashboard(where), await dashboard(where)];
      const results = await Promise.all([a.app, c.app, a.app, c.app].map((app) => request(app).post('/api/events').set(auth).send(RALLY)));
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
      expect(await a.repos.calendar.countEvents()).toBe(1);
      // what one dashboard wrote, the other serves
      expect((await request(c.app).get('/api/events/kz-2016-06-12-rally-almaty').expect(200)).body.title).toBe('Rally in Almaty');
      await request(c.app).delete('/api/events/kz-2016-06-12-rally-almaty').set(auth).expect(204);
      await request(a.app).get('/api/events/kz-2016-06-12-rally-almaty').expect(404);
    });

    it('POST /api/collect writes through the point store of this database and records its run', async () => {
      const where = await b.location();
      const ioda = fakeCollector('ioda', ['ioda.bgp'], async (args) => {
        await pointStoreOf(args.store).writeWindow({
          collector: 'ioda',
          entity: args.entity,
          from: args.from,
          until: args.until,
          series: [{ signal: { name: 'ioda.bgp', step: 300 }, points: [[args.from, 1000] as const, [args.from + 300, 990] as const] }],
        });
        return { points: 2, events: 0, coveredUntil: args.until, windowsOk: 1, windowsFailed: 0, failures: [] };
      });
      const { app, repos } = await dashboard(where, [ioda]);
      const res = await request(app)
        .post('/api/collect')
        .set(auth)
        .send({ source: 'ioda', entity: 'country:KZ', from: '2016-05-20', until: '2016-05-21' })
        .expect(202);
      let run: { status: string; rows: number } | null = null;
      for (let i = 0; i < 100 && run?.status !== 'ok'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        run = (await request(app).get(res.headers.location!).expect(200)).body;
      }
      expect(run).toMatchObject({ status: 'ok', rows: 2 });
      const cols = await repos.points.readColumns((await repos.points.listSignals('country:KZ'))[0]!.id, 0, 2e9);
      expect(Array.from(cols.values)).toEqual([1000, 990]);
    });
  });
}

describe.skipIf(!pgt.enabled)('dashboard writes: both backends', () => {
  it('the same write requests give the same answers and leave the same calendar on SQLite and PostgreSQL', () => {
    const s = SEEN.get('sqlite');
    const p = SEEN.get('postgres');
    expect(s && p).toBeTruthy();
    expect(p!.answers).toEqual(s!.answers);
    expect(p!.calendar).toEqual(s!.calendar);
  });
});

describe('dashboard writes on a SQLite database without the daemon', () => {
  it('answer 503 naming the daemon that writes a SQLite file (as `serve` does); reads still work', async () => {
    const where = await BACKENDS[0]!.location();
    const repos = await openRepositories(where);
    open.push(repos);
    const store = (repos.points as SqlitePointStore).store;
    const app = createApp({
      config: configSchema.parse({ db: where, adminToken: ADMIN_TOKEN }),
      store,
      collectors: [fakeCollector('ioda', ['ioda.bgp'])],
      log: silentLogger,
      version: '1.2.3',
      now: () => NOW,
    });
    for (const r of [
      request(app).post('/api/events').set(auth).send(RALLY),
      request(app).put('/api/events/x').set(auth).send(RALLY),
      request(app).delete('/api/events/x').set(auth),
      request(app).post('/api/collect').set(auth).send({ source: 'ioda', entity: 'country:KZ', from: '2016-05-20' }),
    ]) {
      const res = await r;
      expect(res.status).toBe(503);
      expect(res.body.error.message).toMatch(/SQLite database the dashboard writes through the daemon \(`outagewatch start`/);
    }
    await request(app).get('/api/events').expect(200);
  });
});
