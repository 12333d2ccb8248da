import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { fixtureApp, fixtureStore, T } from './fixture.js';

const iso = (ts: number) => new Date(ts * 1000).toISOString().replace('.000Z', 'Z');

describe('read API', () => {
  let t: ReturnType<typeof fixtureStore>;
  let app: Express;
  beforeAll(() => {
    t = fixtureStore();
    app = fixtureApp(t);
  });
  afterAll(() => t.cleanup());

  describe('/api/entities', () => {
    it('lists entities with their signals, first/last point and synthetic flag', async () => {
      const res = await request(app).get('/api/entities').expect(200);
      expect(res.body.map((e: { entity: string }) => e.entity)).toEqual(['asn:9198', 'country:KZ', 'country:UA']);
      const kz = res.body.find((e: { entity: string }) => e.entity === 'country:KZ');
      expect(kz).toMatchObject({ type: 'country', code: 'KZ', country: 'KZ' });
      const bgp = kz.signals.find((s: { signal: string }) => s.signal === 'ioda.bgp');
      expect(bgp).toEqual({
        signal: 'ioda.bgp',
        source: 'ioda',
        metric: 'bgp',
        target: null,
        unit: 'prefixes',
        step: 300,
        synthetic: false,
        provenance: expect.objectContaining({
          sourceName: 'IODA',
          unit: 'prefixes',
          axis: 'connectivity',
          label: 'BGP: visible /24 blocks',
        }),
        first: '2016-04-01T00:00:00Z',
        last: '2016-05-31T23:55:00Z',
      });
      // provenance of every signal is in the metadata: a services signal names its axis and target
      expect(kz.signals.find((s: { signal: string }) => s.signal === 'ooni.anomaly_rate:facebook.com').provenance).toMatchObject({
        sourceName: 'OONI',
        axis: 'services',
        target: 'facebook.com',
        licence: 'CC BY-NC-SA 4.0',
      });
      expect(kz.signals.find((s: { signal: string }) => s.signal === 'custom.connectivity').synthetic).toBe(true);
      expect(kz.signals.find((s: { signal: string }) => s.signal === 'ooni.anomaly_rate:facebook.com')).toMatchObject({
        target: 'facebook.com',
        metric: 'anomaly_rate',
      });
    });

    it('filters by country and type; one entity by id; unknown entity 404', async () => {
      const kz = await request(app).get('/api/entities?country=kz').expect(200);
      expect(kz.body.map((e: { entity: string }) => e.entity)).toEqual(['asn:9198', 'country:KZ']);
      const asn = await request(app).get('/api/entities?type=asn').expect(200);
      expect(asn.body.map((e: { entity: string }) => e.entity)).toEqual(['asn:9198']);
      const one = await request(app).get('/api/entities/country:KZ').expect(200);
      expect(one.body.entity).toBe('country:KZ');
      const missing = await request(app).get('/api/entities/country:ZZ').expect(404);
      expect(missing.body.error.code).toBe('NOT_FOUND');
      const bad = await request(app).get('/api/entities?type=planet').expect(400);
      expect(bad.body.error).toMatchObject({ code: 'BAD_PARAMETER', parameter: 'type' });
    });
  });

  describe('/api/signals', () => {
    it('reads raw points for one day, keeps the stored null, and carries the synthetic flag', async () => {
      const res = await request(app)
        .get('/api/signals')
        .query({ entity: 'country:KZ', from: '2016-05-20', until: '2016-05-20', maxPoints: 1000 })
        .expect(200);
      expect(res.body).toMatchObject({
        entity: 'country:KZ',
        from: '2016-05-20T00:00:00Z',
        until: '2016-05-21T00:00:00Z',
        maxPoints: 1000,
        resolution: 'raw',
      });
      const names = res.body.series.map((s: { signal: string }) => s.signal);
      expect(names).toEqual(['custom.connectivity', 'ioda.bgp', 'ioda.ping-slash24', 'ooni.anomaly_rate:facebook.com']);
      const bgp = res.body.series.find((s: { signal: string }) => s.signal === 'ioda.bgp');
      expect(bgp).toMatchObject({ resolution: 'raw', bucketSeconds: 300, downsampled: false, synthetic: false, step: 300 });
      expect(bgp.points).toHaveLength(288);
      expect(bgp.points).toContainEqual([T.storedNull, null]);
      expect(bgp.points).toContainEqual([T.dip, 5]);
      expect(res.body.series.find((s: { signal: string }) => s.signal === 'custom.connectivity').synthetic).toBe(true);
      // the inferred step of a signal stored without one
      expect(res.body.series.find((s: { signal: string }) => s.signal === 'ioda.ping-slash24').step).toBe(600);
    });

    it('reads the 6-hour rollup for two months, keeps the dip and marks the one-day gap as null', async () => {
      const res = await request(app)
        .get('/api/signals')
        .query({ entity: 'country:KZ', signals: 'ioda.bgp', from: iso(T.dataFrom), until: String(T.dataUntil), maxPoints: 200 })
        .expect(200);
      expect(res.body.resolution).toBe('6h');
      const [bgp] = res.body.series;
      expect(bgp.points.length).toBeLessThanOrEqual(200);
      expect(bgp.downsampled).toBe(true);
      expect(bgp.points.some((p: [number, number | null]) => p[1] === 5)).toBe(true);
      const nulls = bgp.points.filter((p: [number, number | null]) => p[1] === null);
      expect(nulls).toHaveLength(1);
      expect(nulls[0][0]).toBeGreaterThanOrEqual(T.gapFrom - bgp.bucketSeconds);
      expect(nulls[0][0]).toBeLessThan(T.gapUntil);
    });

    it('uses the daily rollup for years, raw when forced, and ISO point times on request', async () => {
      const years = await request(app)
        .get('/api/signals')
        .query({ entity: 'country:KZ', signals: 'ioda.bgp', from: '2010-01-01', until: '2020-01-01', maxPoints: 500 })
        .expect(200);
      expect(years.body.series[0].resolution).toBe('daily');
      expect(years.body.series[0].points.some((p: [number, number]) => p[1] === 5)).toBe(true);
      const raw = await request(app)
        .get('/api/signals')
        .query({ entity: 'country:KZ', signals: 'ioda.bgp', from: '2016-05-01', until: '2016-05-31', maxPoints: 300, resolution: 'raw' })
        .expect(200);
      expect(raw.body.series[0]).toMatchObject({ resolution: 'raw', downsampled: true });
      expect(raw.body.series[0].points).toContainEqual([T.dip, 5]);
      const isoTimes = await request(app)
        .get('/api/signals')
        .query({ entity: 'country:KZ', signals: 'ooni.anomaly_rate:facebook.com', from: '2016-05-15', until: '2016-05-24', times: 'iso' })
        .expect(200);
      expect(isoTimes.body.series[0].resolution).toBe('raw');
      expect(isoTimes.body.series[0].points.slice(0, 2)).toEqual([
        ['2016-05-15T00:00:00Z', 0.05],
        ['2016-05-16T00:00:00Z', 0.05],
      ]);
      // the body is written from columns (dashboards/api/signals-json.ts): byte for byte what JSON.stringify writes
      for (const res of [years, raw, isoTimes]) expect(res.text).toBe(JSON.stringify(JSON.parse(res.text)));
    });

    it('gzips a large answer for clients that accept it, plain otherwise', async () => {
      const q = { entity: 'country:KZ', from: '2016-05-01', until: '2016-06-01', maxPoints: 2000 };
      const gz = await request(app).get('/api/signals').query(q).set('Accept-Encoding', 'gzip').expect(200);
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gz.headers.vary).toContain('Accept-Encoding');
      const plain = await request(app).get('/api/signals').query(q).set('Accept-Encoding', 'identity').expect(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(gz.body).toEqual(plain.body);
      expect(Number(gz.headers['content-length'])).toBeLessThan(Number(plain.headers['content-length']) / 2);
    });

    it('sends a large answer as Brotli to clients that accept it (cheaper than gzip), with its own ETag', async () => {
      const q = { entity: 'country:KZ', from: '2016-05-01', until: '2016-06-01', maxPoints: 2000 };
      const br = await request(app).get('/api/signals').query(q).set('Accept-Encoding', 'gzip, deflate, br').expect(200);
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers.vary).toContain('Accept-Encoding');
      const plain = await request(app).get('/api/signals').query(q).set('Accept-Encoding', 'identity').expect(200);
      // the client library decodes Brotli itself: the same document, in well under half the bytes
      expect(br.body).toEqual(plain.body);
      expect(Number(br.headers['content-length'])).toBeLessThan(Number(plain.headers['content-length']) / 2);
      expect(br.headers.etag).not.toBe(plain.headers.etag);
      // a client holding the Brotli answer revalidates it
      await request(app).get('/api/signals').query(q).set('Accept-Encoding', 'br').set('If-None-Match', br.headers.etag!).expect(304);
    });

    it('defaults to the last 7 days before now', async () => {
      const res = await request(app).get('/api/signals?entity=country:KZ&signals=ioda.bgp').expect(200);
      expect(res.body).toMatchObject({ from: iso(T.now - 7 * 86400), until: iso(T.now) });
    });

    it('answers a changed database with fresh data (the response cache is keyed by data version)', async () => {
      const q = { entity: 'country:UA', from: '2016-05-20', until: '2016-05-20' };
      const before = await request(app).get('/api/signals').query(q).expect(200);
      expect(before.body.series).toEqual([]);
      expect(before.body.resolution).toBe('none');
      t.store.writeWindow({
        collector: 'ioda',
        entity: 'country:UA',
        from: T.gapFrom - 86400,
        until: T.gapFrom,
        series: [{ signal: { name: 'ioda.bgp', step: 300 }, points: [[T.gapFrom - 86400, 7]] }],
      });
      const after = await request(app).get('/api/signals').query(q).expect(200);
      expect(after.body.series[0].points).toEqual([[T.gapFrom - 86400, 7]]);
      // a client holding the same answer gets 304 without a body
      expect(after.headers.etag).toBeDefined();
      expect(after.headers.etag).not.toBe(before.headers.etag);
      await request(app).get('/api/signals').query(q).set('If-None-Match', after.headers.etag!).expect(304);
    });

    it('400s name the parameter; unknown entity 404', async () => {
      const cases: Array<[Record<string, string>, string]> = [
        [{ entity: 'country:KZ', from: 'banana' }, 'from'],
        [{ entity: 'country:KZ', until: '2016-13-45' }, 'until'],
        [{ entity: 'country:KZ', from: '2016-02-30T00:00:00Z' }, 'from'],
        [{ entity: 'country:KZ', from: '2016-05-22', until: '2016-05-20' }, 'until'],
        [{}, 'entity'],
        [{ entity: 'KZ' }, 'entity'],
        [{ entity: 'country:KZ', maxPoints: 'lots' }, 'maxPoints'],
        [{ entity: 'country:KZ', maxPoints: '5' }, 'maxPoints'],
        [{ entity: 'country:KZ', signals: 'ioda.nope' }, 'signals'],
        [{ entity: 'country:KZ', resolution: 'weekly' }, 'resolution'],
        [{ entity: 'country:KZ', resolution: 'raw', from: '2000-01-01', until: '2016-01-01' }, 'resolution'],
        [{ entity: 'country:KZ', format: 'xml' }, 'format'],
      ];
      for (const [query, param] of cases) {
        const res = await request(app).get('/api/signals').query(query);
        expect(res.status, JSON.stringify(query)).toBe(400);
        expect(res.body.error).toMatchObject({ code: 'BAD_PARAMETER', parameter: param });
        expect(res.body.error.message).toContain(param);
        expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
      }
      const twice = await request(app).get('/api/signals?entity=country:KZ&from=2016-05-01&from=2016-05-02').expect(400);
      expect(twice.body.error.parameter).toBe('from');
      await request(app).get('/api/signals?entity=country:ZZ').expect(404);
    });

    it('serves CSV in long format', async () => {
      const res = await request(app)
        .get('/api/signals')
        .query({
          entity: 'country:KZ',
          signals: 'custom.connectivity',
          from: '2016-05-19T00:00:00Z',
          until: '2016-05-19T03:00:00Z',
          format: 'csv',
        })
        .expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.text.split('\r\n')).toEqual([
        'signal,time,value,resolution,synthetic',
        'custom.connectivity,2016-05-19T00:00:00Z,100,raw,true',
        'custom.connectivity,2016-05-19T01:00:00Z,100,raw,true',
        'custom.connectivity,2016-05-19T02:00:00Z,100,raw,true',
        '',
      ]);
    });
  });

  describe('/api/sources', () => {
    it('shows collectors, runs, checkpoints and coverage, filtered by collector and entity', async () => {
      const res = await request(app).get('/api/sources').expect(200);
      expect(res.body.collectors.map((c: { name: string }) => c.name)).toEqual(['ioda', 'ooni']);
      expect(res.body.collectors[0]).toMatchObject({ state: 'ok', signals: null });
      expect(res.body.runs[0]).toMatchObject({ job: 'collect:ioda', collector: 'ioda', status: 'ok', windowsOk: 1 });
      const cov = res.body.coverage.find((c: { signal: string; entity: string }) => c.signal === 'ioda.bgp' && c.entity === 'country:KZ');
      expect(cov).toMatchObject({
        collector: 'ioda',
        first: '2016-04-01T00:00:00Z',
        until: '2016-06-01T00:00:00Z',
        okSeconds: 61 * 86400,
        noDataSeconds: 0,
        gaps: [],
      });
      const ooni = await request(app).get('/api/sources?collector=ooni&entity=country:KZ').expect(200);
      expect(ooni.body.collectors).toEqual([expect.objectContaining({ name: 'ooni', signals: ['ooni.anomaly_rate:facebook.com'] })]);
      expect(ooni.body.runs).toEqual([]);
      expect(ooni.body.checkpoints.map((c: { signal: string }) => c.signal)).toEqual(['ooni.anomaly_rate:facebook.com']);
      const runs = await request(app).get('/api/sources/runs?collector=ioda').expect(200);
      expect(runs.body).toHaveLength(1);
      const cps = await request(app).get('/api/sources/checkpoints?entity=country:KZ&format=csv').expect(200);
      expect(cps.text.split('\r\n')[0]).toBe('collector,entity,signal,from,until,status,updated_at');
      const csv = await request(app).get('/api/sources').set('Accept', 'text/csv').expect(200);
      expect(csv.text).toContain('ioda,country:KZ,ioda.bgp,2016-04-01T00:00:00Z,2016-06-01T00:00:00Z,5270400,0,0,');
      await request(app).get('/api/sources?runs=-1').expect(400);
    });
  });

  describe('/api/outages', () => {
    it('lists outages with every filter, one by id, 404 and 400', async () => {
      const all = await request(app).get('/api/outages').expect(200);
      expect(all.body.map((o: { kind: string }) => o.kind)).toEqual(['service-blocking', 'connectivity']);
      expect(all.body[0]).toMatchObject({
        entity: 'country:KZ',
        start: '2016-05-20T06:00:00Z',
        end: '2016-05-21T18:00:00Z',
        targets: ['facebook.com'],
      });
      const byKind = await request(app).get('/api/outages?kind=connectivity').expect(200);
      expect(byKind.body).toHaveLength(1);
      const bySeverity = await request(app).get('/api/outages?severity=critical').expect(200);
      expect(bySeverity.body.map((o: { kind: string }) => o.kind)).toEqual(['service-blocking']);
      const byRange = await request(app)
        .get(`/api/outages?from=${T.dip + 300}&until=2016-06-01`)
        .expect(200);
      expect(byRange.body.map((o: { kind: string }) => o.kind)).toEqual(['service-blocking']);
      expect((await request(app).get('/api/outages?country=KZ').expect(200)).body).toHaveLength(2);
      expect((await request(app).get('/api/outages?country=UA').expect(200)).body).toHaveLength(0);
      expect((await request(app).get('/api/outages?entity=asn:9198').expect(200)).body).toHaveLength(0);
      const one = await request(app).get(`/api/outages/${all.body[1].id}`).expect(200);
      expect(one.body).toEqual(all.body[1]);
      await request(app).get('/api/outages/999999').expect(404);
      const badId = await request(app).get('/api/outages/abc').expect(400);
      expect(badId.body.error.parameter).toBe('id');
      const badKind = await request(app).get('/api/outages?kind=meteor').expect(400);
      expect(badKind.body.error.message).toContain('kind');
      const badCountry = await request(app).get('/api/outages?country=Kazakhstan').expect(400);
      expect(badCountry.body.error.parameter).toBe('country');
    });
  });
});
