import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../dashboards/app.js';
import { openRepositories } from '../../../db/open.js';
import type { Repositories } from '../../../db/repositories.js';
import { SqlitePointStore, type PointStore } from '../../../db/repository.js';
import { validateEvent } from '../../../services/calendar/validate.js';
import type { PointTuple } from '../../../db/store.js';
import { configSchema } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { bothBackends, usePostgres } from '../../pg.js';
import { fakeCollector, LAND_PROTESTS } from './fixture.js';

// The dashboard and API on both backends (issue 23): the same requests against a SQLite file and a real
// PostgreSQL (the suite's private cluster), the data seeded through the store interface, as a collector writes it.
// The data stands for a small real deployment: Kazakhstan's IODA BGP series around the May 2016 land-reform
// protests (5-minute points, a one-point dip, a half-day hole in coverage), seven Kazakh regions (enough to fold
// into one group on /sources), a network, IODA source events and more collection runs than one page holds.

const pgt = usePostgres({ database: false });

const D20 = Date.UTC(2016, 4, 20) / 1000;
const D21 = D20 + 86400;
const D22 = D21 + 86400;
const DIP = D20 + 18 * 3600;
const NOW = Date.UTC(2016, 5, 1) / 1000;
const RUNS = 61;

/** The pages and routes that run the correlator, and what each backend answered (compared at the end). */
const CORRELATION_PATHS = [
  '/api/events/kz-2016-05-21-land-protests',
  '/api/correlation?country=KZ',
  '/countries/KZ',
  '/events/kz-2016-05-21-land-protests',
];
const SEEN = new Map<string, Record<string, string>>();

const BACKENDS = bothBackends(pgt);

function bgp(from: number, until: number): PointTuple[] {
  const out: PointTuple[] = [];
  for (let ts = from; ts < until; ts += 300) out.push([ts, ts === DIP ? 5 : 1000 + ((ts / 300) % 7)]);
  return out;
}

/** The calendar, two detected outages and a reference list, through the repositories (as the commands write them). */
async function seedRepositories(r: Repositories): Promise<void> {
  for (const raw of [
    { id: 'kz-2016-05-21-land-protests', ...LAND_PROTESTS },
    {
      id: 'kz-2016-05-17-rally',
      title: 'Rally',
      country: 'KZ',
      start: '2016-05-17',
      tz: 'Asia/Almaty',
      kind: 'protest',
      sources: ['https://example.org/kz'],
    },
    {
      id: 'ua-2016-05-01-rally',
      title: 'Rally',
      country: 'UA',
      start: '2016-05-01',
      tz: 'Europe/Kyiv',
      kind: 'protest',
      sources: ['https://example.org/ua'],
    },
  ]) {
    const v = validateEvent({ line: 1, raw }, { file: 'fixture', origin: 'seed' });
    if (!v.ok) throw new Error(JSON.stringify(v.errors));
    await r.calendar.upsertEvent(v.event, NOW);
  }
  await r.outages.replaceOutages('country:KZ', D20, D22, [
    {
      entity: 'country:KZ',
      start: DIP,
      end: DIP + 300,
      kind: 'connectivity',
      severity: 'warning',
      score: 10,
      signals: [{ signal: 'ioda.bgp', start: DIP, end: DIP + 300, severity: 'warning', depth: 0.99, score: 10 }],
      targets: [],
      evidence: [],
    },
    {
      entity: 'country:KZ',
      start: D21,
      end: D21 + 43200,
      kind: 'connectivity',
      severity: 'critical',
      score: 99,
      signals: [{ signal: 'ioda.bgp', start: D21, end: D21 + 43200, severity: 'critical', depth: 1, score: 99 }],
      targets: [],
      evidence: [],
    },
  ]);
  await r.reference.upsertReferenceOutages(
    'stop',
    'stop',
    'stop-2016.csv',
    [
      {
        list: 'stop',
        naturalKey: 'KZ-2016-05-20',
        country: 'KZ',
        start: D20,
        end: D22,
        kind: 'service-blocking',
        scope: 'national',
        scopeRaw: 'Country',
        scopeDetail: null,
        area: null,
        cause: 'protests',
        services: ['Facebook', 'WhatsApp'],
        source: 'https://www.accessnow.org/keepiton',
        originFile: 'stop-2016.csv',
        originLine: 2,
        raw: {},
      },
    ],
    { rejected: 0 },
    NOW,
  );
}

async function seed(s: PointStore): Promise<void> {
  await s.ensureEntity('asn:9198', { name: 'KazakhTelecom', country: 'KZ' });
  await s.ensureEntity('country:UA');
  await s.writeWindow({
    collector: 'ioda',
    entity: 'country:KZ',
    from: D20,
    until: D21,
    series: [{ signal: { name: 'ioda.bgp', step: 300, unit: 'prefixes' }, points: bgp(D20, D21) }],
    sourceEvents: [0, 1, 2].map((i) => ({
      source: 'ioda',
      externalId: `kz-${i}`,
      entity: 'country:KZ',
      start: D20 + i * 3600,
      end: D20 + i * 3600 + 1800,
      kind: 'outage',
      title: `IODA event ${i}`,
      raw: { id: i },
    })),
  });
  // the next window starts half a day later: a hole in coverage
  await s.writeWindow({
    collector: 'ioda',
    entity: 'country:KZ',
    from: D21 + 43200,
    until: D22,
    series: [{ signal: { name: 'ioda.bgp', step: 300, unit: 'prefixes' }, points: bgp(D21 + 43200, D22) }],
    sourceEvents: [{ source: 'ioda', externalId: 'ua-0', entity: 'country:UA', start: D21, end: null, raw: { id: 'ua' } }],
  });
  for (let r = 1; r <= 7; r++) {
    await s.ensureEntity(`region:${4400 + r}`, { name: `Region ${r}`, country: 'KZ' });
    await s.writeWindow({
      collector: 'ioda',
      entity: `region:${4400 + r}`,
      from: D20,
      until: D21,
      series: [{ signal: { name: 'ioda.bgp', step: 300 }, points: bgp(D20, D20 + 3600) }],
    });
  }
  for (let i = 0; i < RUNS; i++) {
    const id = await s.startRun('collect:ioda', 'ioda');
    await s.finishRun(id, {
      status: i === RUNS - 1 ? 'failed' : 'ok',
      rows: i,
      windowsOk: 1,
      error: i === RUNS - 1 ? 'HTTP 502 from IODA' : null,
    });
  }
}

for (const b of BACKENDS) {
  describe.skipIf(!b.enabled)(`the dashboard and API on ${b.name}`, () => {
    let repos: Repositories;
    let app: Express;
    beforeAll(async () => {
      const where = await b.location();
      repos = await openRepositories(where);
      const points = repos.points;
      await seed(points);
      await seedRepositories(repos);
      app = createApp({
        config: configSchema.parse({ db: where }),
        points,
        repos,
        ...(points instanceof SqlitePointStore ? { store: points.store } : {}),
        collectors: [fakeCollector('ioda', ['ioda.bgp'])],
        log: silentLogger,
        version: '1.2.3',
        now: () => NOW,
      });
    });
    afterAll(async () => {
      await repos?.close();
    });

    it('/api/health and /status name the engine and its version', async () => {
      const h = (await request(app).get('/api/health').expect(200)).body;
      expect(h.database.backend).toBe(b.name);
      expect(h.database.engine).toMatch(b.name === 'sqlite' ? /^SQLite 3\.\d+\.\d+$/ : /^PostgreSQL 1[5-9]\.\d+/);
      expect(h.database.schemaVersion).toBeGreaterThan(0);
      expect(h.database.sizeBytes).toBeGreaterThan(0);
      expect(h.collectors[0]).toMatchObject({ name: 'ioda', state: 'failing', lastError: { message: 'HTTP 502 from IODA' } });
      expect(h.status).toBe('degraded');
      if (b.name === 'postgres') {
        expect(h.database.path).toMatch(/^postgres(ql)?:\/\//);
        // backfill progress is computed on PostgreSQL too (test/services/commands/status.test.ts compares both)
        expect(h.backfillUnavailable).toBeUndefined();
        expect(h.backfill.length).toBeGreaterThan(0);
      }
      const page = await request(app).get('/status').expect(200);
      expect(page.text).toContain(h.database.engine);
    });

    it('/api/entities: counted and paged in SQL in a stable order, with the total and a link to the next page', async () => {
      const all = await request(app).get('/api/entities').expect(200);
      expect(all.headers['x-total-count']).toBe('10');
      expect(all.body.map((e: { entity: string }) => e.entity)).toEqual([
        'asn:9198',
        'country:KZ',
        'country:UA',
        ...[1, 2, 3, 4, 5, 6, 7].map((r) => `region:${4400 + r}`),
      ]);
      const kz = all.body.find((e: { entity: string }) => e.entity === 'country:KZ');
      expect(kz.signals).toEqual([
        expect.objectContaining({
          signal: 'ioda.bgp',
          step: 300,
          unit: 'prefixes',
          first: '2016-05-20T00:00:00Z',
          last: '2016-05-21T23:55:00Z',
        }),
      ]);
      const p2 = await request(app).get('/api/entities?limit=4&offset=4').expect(200);
      expect(p2.headers['x-total-count']).toBe('10');
      expect(p2.body.map((e: { entity: string }) => e.entity)).toEqual(['region:4402', 'region:4403', 'region:4404', 'region:4405']);
      expect(p2.headers.link).toBe('</api/entities?limit=4&offset=8>; rel="next"');
      const kzOnly = await request(app).get('/api/entities?country=KZ&type=region&limit=2').expect(200);
      expect(kzOnly.headers['x-total-count']).toBe('7');
      expect(kzOnly.body).toHaveLength(2);
      expect((await request(app).get('/api/entities/COUNTRY:kz').expect(200)).body.entity).toBe('country:KZ');
      await request(app).get('/api/entities/country:ZZ').expect(404);
      const csv = await request(app).get('/api/entities?format=csv&country=KZ&type=asn').expect(200);
      expect(csv.text.split('\r\n')[1]).toBe('asn:9198,asn,9198,KazakhTelecom,KZ,,');
    });

    it('/api/signals reads the same points on both backends (raw day, rollups for longer ranges)', async () => {
      const raw = await request(app)
        .get(`/api/signals?entity=country:KZ&from=${D20}&until=${D21}&resolution=raw&maxPoints=1000`)
        .expect(200);
      const s = raw.body.series[0];
      expect(s).toMatchObject({ signal: 'ioda.bgp', resolution: 'raw', step: 300, downsampled: false });
      expect(s.points).toHaveLength(288);
      expect(s.points.find((p: [number, number]) => p[0] === DIP)).toEqual([DIP, 5]);
      const hourly = await request(app).get(`/api/signals?entity=country:KZ&from=${D20}&until=${D22}&resolution=hourly`).expect(200);
      const h = hourly.body.series[0];
      expect(h.resolution).toBe('hourly');
      // the hole in coverage is a gap (null), the dip survives as the minimum of its hour
      expect(h.points.find((p: [number, number | null]) => p[0] === D21 + 3600)?.[1] ?? null).toBeNull();
      expect(h.points.reduce((m: number, p: [number, number | null]) => (p[1] === null ? m : Math.min(m, p[1])), Infinity)).toBe(5);
      await request(app).get('/api/signals?entity=country:ZZ').expect(404);
    });

    it('/api/sources: coverage paged in SQL with its gaps; runs and checkpoints paged in SQL', async () => {
      const doc = await request(app).get('/api/sources?limit=1&runs=3').expect(200);
      expect(doc.headers['x-total-count']).toBe('8');
      expect(doc.headers.link).toBe('</api/sources?runs=3&limit=1&offset=1>; rel="next"');
      expect(doc.body.coverage).toEqual([
        expect.objectContaining({
          collector: 'ioda',
          entity: 'country:KZ',
          signal: 'ioda.bgp',
          first: '2016-05-20T00:00:00Z',
          until: '2016-05-22T00:00:00Z',
          okSeconds: 86400 + 43200,
          gaps: [{ from: '2016-05-21T00:00:00Z', until: '2016-05-21T12:00:00Z' }],
        }),
      ]);
      expect(doc.body.checkpoints).toHaveLength(2);
      expect(doc.body.runs.map((r: { rows: number }) => r.rows)).toEqual([60, 59, 58]);
      const runs = await request(app).get('/api/sources/runs?limit=25&offset=50').expect(200);
      expect(runs.headers['x-total-count']).toBe(String(RUNS));
      expect(runs.body.map((r: { rows: number }) => r.rows)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      const cps = await request(app).get('/api/sources/checkpoints?limit=3').expect(200);
      expect(cps.headers['x-total-count']).toBe('9');
      expect(cps.body.map((c: { entity: string; from: string }) => `${c.entity} ${c.from}`)).toEqual([
        'country:KZ 2016-05-20T00:00:00Z',
        'country:KZ 2016-05-21T12:00:00Z',
        'region:4401 2016-05-20T00:00:00Z',
      ]);
      const csv = await request(app).get('/api/sources?format=csv').expect(200);
      expect(csv.headers['x-total-count']).toBe('8');
      expect(csv.text.trim().split('\r\n')).toHaveLength(9);
    });

    it('/api/source-events: counted and paged in SQL (start, then id), filtered by country', async () => {
      const all = await request(app).get('/api/source-events').expect(200);
      expect(all.headers['x-total-count']).toBe('4');
      expect(all.body.map((e: { externalId: string }) => e.externalId)).toEqual(['kz-0', 'kz-1', 'kz-2', 'ua-0']);
      expect(all.body[0].raw).toEqual({ id: 0 });
      const p = await request(app).get('/api/source-events?country=KZ&limit=2&offset=1').expect(200);
      expect(p.headers['x-total-count']).toBe('3');
      expect(p.body.map((e: { externalId: string }) => e.externalId)).toEqual(['kz-1', 'kz-2']);
      const ua = await request(app).get('/api/source-events?country=UA').expect(200);
      expect(ua.body.map((e: { entity: string }) => e.entity)).toEqual(['country:UA']);
    });

    it('/sources pages its runs and coverage in SQL and folds the seven regions into one group', async () => {
      const page = await request(app).get('/sources').expect(200);
      expect(page.text).toMatch(/Rows 1–50 of 61/);
      expect(page.text).toContain('HTTP 502 from IODA');
      expect(page.text).toMatch(/KZ: 7 region entities/);
      const p2 = await request(app).get('/sources?runs-page=2').expect(200);
      expect(p2.text).toMatch(/Rows 51–61 of 61/);
      const sorted = await request(app).get('/sources?sort=rows&dir=asc').expect(200);
      expect(sorted.text).toMatch(/<a href="\/api\/sources\/runs\/\d+">\d+<\/a><\/td><td>collect:ioda<\/td>/);
    });

    it('/api/outages, /api/events and /api/reference: counted and paged in SQL through the repositories', async () => {
      const o = await request(app).get('/api/outages?limit=1').expect(200);
      expect(o.headers['x-total-count']).toBe('2');
      expect(o.headers.link).toBe('</api/outages?limit=1&offset=1>; rel="next"');
      expect(o.body[0]).toMatchObject({ entity: 'country:KZ', start: '2016-05-20T18:00:00Z', severity: 'warning' });
      const o2 = await request(app).get('/api/outages?limit=1&offset=1').expect(200);
      expect(o2.body[0]).toMatchObject({ start: '2016-05-21T00:00:00Z', severity: 'critical' });
      expect((await request(app).get(`/api/outages/${o2.body[0].id}`).expect(200)).body.score).toBe(99);
      await request(app).get('/api/outages/999999').expect(404);
      const e = await request(app).get('/api/events?country=KZ').expect(200);
      expect(e.headers['x-total-count']).toBe('2');
      expect(e.body.map((x: { id: string }) => x.id)).toEqual(['kz-2016-05-17-rally', 'kz-2016-05-21-land-protests']);
      const csv = await request(app).get('/api/events?format=csv&limit=1&offset=0').expect(200);
      expect(csv.text.split('\r\n')[1]).toMatch(/^ua-2016-05-01-rally,Rally,UA,/);
      const lists = await request(app).get('/api/reference').expect(200);
      expect(lists.body).toEqual([expect.objectContaining({ name: 'stop', outages: 1 })]);
      const ref = await request(app).get('/api/reference/stop?country=KZ').expect(200);
      expect(ref.headers['x-total-count']).toBe('1');
      expect(ref.body[0]).toMatchObject({ country: 'KZ', scope: 'national', services: ['Facebook', 'WhatsApp'] });
      await request(app).get('/api/reference/nope').expect(404);
    });

    it('the /outages, /calendar and /reference pages count and page through the repositories', async () => {
      const o = await request(app).get('/outages?country=KZ').expect(200);
      expect(o.text).toContain('2 outage(s)');
      expect(o.text).toContain('href="/countries/KZ?');
      const c = await request(app).get('/calendar?country=KZ').expect(200);
      expect(c.text).toContain('Land reform protests');
      expect(c.text).not.toContain('ua-2016-05-01-rally');
      await request(app).get('/calendar/kz-2016-05-21-land-protests').expect(301);
      const r = await request(app).get('/reference?list=stop').expect(200);
      expect(r.text).toContain('Facebook');
      await request(app).get('/reference?list=nope').expect(404);
    });

    it('the overview shows the watched country, its latest outage and the events with data', async () => {
      const page = await request(app).get('/').expect(200);
      expect(page.text).toContain('Kazakhstan (KZ)');
      expect(page.text).toContain('Land reform protests');
      expect(page.text).toMatch(/connectivity outage|normal/);
    });

    it('the correlator’s pages and routes answer on this backend: /countries/KZ, /events/{id}, /api/events/{id}, /api/correlation', async () => {
      const got: Record<string, string> = {};
      for (const path of CORRELATION_PATHS) {
        const res = await request(app).get(path).expect(200);
        got[path] = res.type === 'application/json' ? JSON.stringify(res.body) : res.text;
      }
      const ev = JSON.parse(got['/api/events/kz-2016-05-21-land-protests']!) as {
        verdict: { label: string };
        correlation: { outages: unknown[] };
      };
      // the detected half-day outage on 21 May lies in the event's window
      expect(ev.verdict.label).toBe('connectivity-outage');
      expect(ev.correlation.outages.length).toBeGreaterThan(0);
      const corr = JSON.parse(got['/api/correlation?country=KZ']!) as { country: string; events: Array<{ id: string }> };
      expect(corr.country).toBe('KZ');
      expect(corr.events.map((e) => e.id)).toContain('kz-2016-05-21-land-protests'); // (the 17 May rally lies outside the data)
      expect(got['/countries/KZ']).toContain('Land reform protests');
      expect(got['/events/kz-2016-05-21-land-protests']).toContain('Land reform protests');
      SEEN.set(b.name, got);
    });

    if (b.name === 'postgres') {
      it('what still needs a folder answers 503 "not available on PostgreSQL": /reports without reportsDir', async () => {
        for (const path of ['/reports']) {
          const res = await request(app).get(path).expect(503);
          expect(res.text, path).toMatch(/not available on PostgreSQL in this version/);
        }
      });
    }
  });
}

describe.skipIf(!pgt.enabled)('the correlator’s pages and routes: the same on both backends', () => {
  it('/countries/KZ, /events/{id}, /api/events/{id} and /api/correlation give byte-identical JSON and HTML', () => {
    const sqlite = SEEN.get('sqlite')!;
    const pg = SEEN.get('postgres')!;
    for (const path of CORRELATION_PATHS) expect(pg[path], path).toBe(sqlite[path]);
  });
});
