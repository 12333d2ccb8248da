import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOoniCollector, type OoniCollector } from '../../../collectors/ooni/index.js';
import { anomalyRate, aggregateRows, aggregationQueryFromUrl } from '../../../collectors/ooni/map.js';
import { aggregationResponseSchema } from '../../../collectors/ooni/schema.js';
import type { SqliteStore } from '../../../db/store.js';
import { ConfigError } from '../../../core/config.js';
import { loadConfig } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { tempStore } from '../../helpers.js';
import { aggregationAnswer, counts, envelope, fixture, NETWORKS } from './mock.js';

const HOST = 'http://ooni.test';
const DAY = 86400;
const D = (s: string) => Date.parse(`${s}T00:00:00Z`) / 1000;
const FROM = D('2016-05-19');
const UNTIL = D('2016-05-23');

function makeConfig(ooni: Record<string, unknown> = {}) {
  const config = loadConfig({ env: { OUTAGEWATCH_OONI_URL: HOST }, cwd: '/' });
  config.collection = { ooni: { webTargets: ['facebook.com', 'twitter.com'], appTests: ['whatsapp'], ...ooni } };
  return config;
}

function collector(ooni: Record<string, unknown> = {}, sleeps: number[] = [], now = D('2026-01-01')): OoniCollector {
  return createOoniCollector(makeConfig(ooni), {
    log: silentLogger,
    http: {
      timeoutMs: 500,
      maxAttempts: 3,
      rateLimit: { requests: 1000, intervalMs: 1000 },
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
    },
    now: () => now,
  });
}

function points(store: SqliteStore, entity: string, signal: string): Array<{ ts: number; value: number | null }> {
  const s = store.listSignals(entity).find((x) => x.name === signal);
  return s ? store.readPoints(s.id, 0, 2 ** 31) : [];
}

function pointCount(store: SqliteStore): number {
  return store.listSignals().reduce((n, s) => n + store.readPoints(s.id, 0, 2 ** 31).length, 0);
}

/** Serves aggregation from the mock and measurements from the real page-1 fixture; records every request. */
function serve(seen: string[]) {
  return nock(HOST)
    .persist()
    .get(/^\/api\/v1\/aggregation\?/)
    .reply(function (uri) {
      seen.push(uri);
      return [200, aggregationAnswer(uri), { 'content-type': 'application/json' }];
    })
    .get(/^\/api\/v1\/measurements\?/)
    .reply(function (uri) {
      seen.push(uri);
      return [200, fixture('measurements-list-page1-limit50.json'), { 'content-type': 'application/json' }];
    });
}

let t: ReturnType<typeof tempStore>;
beforeEach(() => {
  t = tempStore();
});
afterEach(() => {
  nock.cleanAll();
  t.cleanup();
});

describe('OONI schemas and mapping', () => {
  it('accepts the real aggregation response and reads its three daily rows', () => {
    const doc = aggregationResponseSchema.parse(JSON.parse(fixture('aggregation-web_connectivity-daily-2022-03-01_2022-03-04.json')));
    const q = aggregationQueryFromUrl(
      'https://api.ooni.org/api/v1/aggregation?probe_cc=RU&test_name=web_connectivity&since=2022-03-01&until=2022-03-04&axis_x=measurement_start_day&time_grain=day',
    );
    const series = aggregateRows(q, doc);
    expect(series).toHaveLength(1);
    expect(series[0]!.entity).toBe('country:RU');
    const b = series[0]!.buckets.get(D('2022-03-02'))!;
    expect(b.measurement_count).toBe(1212215);
    // (57942 + 8782) / (1212215 − 13819)
    expect(anomalyRate(b, 5)).toBeCloseTo(66724 / 1198396, 10);
  });

  it('anomaly rate leaves out failures and is NULL below the minimum count', () => {
    const c = { measurement_count: 10, anomaly_count: 2, confirmed_count: 1, failure_count: 6, ok_count: 1 };
    expect(anomalyRate(c, 5)).toBeNull(); // 4 usable measurements
    expect(anomalyRate(c, 4)).toBeCloseTo(3 / 4, 10);
    expect(anomalyRate({ ...c, failure_count: 10, anomaly_count: 0, confirmed_count: 0, ok_count: 0 }, 1)).toBeNull();
  });

  it('rejects a bad minMeasurements naming the setting', () => {
    expect(() => collector({ minMeasurements: 0 })).toThrow(ConfigError);
    expect(() => collector({ minMeasurements: 0 })).toThrow(/collection\.ooni\.minMeasurements/);
  });
});

describe('OONI collect', () => {
  it('collects per country and per network, legacy tests for 2016, rates, counts and evidence for anomalous days', async () => {
    const seen: string[] = [];
    serve(seen);
    const c = collector({ evidence: { maxPages: 1 } });
    const r = await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(r.windowsFailed).toBe(0);
    expect(r.windowsOk).toBe(2);

    const agg = seen.filter((u) => u.includes('/aggregation')).map((u) => new URL(u, HOST).searchParams);
    expect(agg).toHaveLength(2 + 3); // web + apps, then per network: facebook.com, twitter.com, whatsapp
    const web = agg.find((q) => q.get('axis_y') === 'domain')!;
    expect(web.get('probe_cc')).toBe('KZ');
    expect(web.get('test_name')!.split(',')).toEqual(['web_connectivity', 'http_requests', 'dns_consistency', 'tcp_connect']);
    expect(web.get('domain')).toBe('facebook.com,www.facebook.com,twitter.com,www.twitter.com');
    expect([web.get('since'), web.get('until'), web.get('time_grain')]).toEqual(['2016-05-19', '2016-05-23', 'day']);

    // facebook.com + www.facebook.com on 20 May, both networks
    const fb = ['facebook.com', 'www.facebook.com'].flatMap((d) => NETWORKS.map((a) => counts(d, a, D('2016-05-20'))!));
    const bad = fb.reduce((n, x) => n + x.anomaly_count + x.confirmed_count, 0);
    const usable = fb.reduce((n, x) => n + x.measurement_count - x.failure_count, 0);
    const rate = points(t.store, 'country:KZ', 'ooni.anomaly_rate:facebook.com');
    expect(rate.map((p) => p.ts)).toEqual([D('2016-05-19'), D('2016-05-20'), D('2016-05-21'), D('2016-05-22')]);
    expect(rate[1]!.value).toBeCloseTo(bad / usable, 10);
    expect(rate[1]!.value).toBeGreaterThan(0.8);
    expect(rate[0]!.value).toBe(0);
    expect(points(t.store, 'country:KZ', 'ooni.measurement_count:facebook.com')[1]!.value).toBe(
      fb.reduce((n, x) => n + x.measurement_count, 0),
    );
    expect(points(t.store, 'country:KZ', 'ooni.confirmed_count:facebook.com')[1]!.value).toBe(1);
    expect(points(t.store, 'country:KZ', 'ooni.anomaly_rate:whatsapp')[2]!.value).toBeGreaterThan(0.8);

    // per network: asn:9198 and asn:21299 have their own signals
    const asnRate = points(t.store, 'asn:9198', 'ooni.anomaly_rate:facebook.com');
    expect(asnRate).toHaveLength(4);
    const one = ['facebook.com', 'www.facebook.com'].map((d) => counts(d, 9198, D('2016-05-20'))!);
    expect(asnRate[1]!.value).toBeCloseTo(
      one.reduce((n, x) => n + x.anomaly_count + x.confirmed_count, 0) / one.reduce((n, x) => n + x.measurement_count - x.failure_count, 0),
      10,
    );
    // a network with no twitter rows on 20 May: zero measurements, rate NULL (not missing, not 0)
    const tw = points(t.store, 'asn:21299', 'ooni.anomaly_rate:twitter.com');
    expect(tw[1]).toEqual({ ts: D('2016-05-20'), value: null });
    expect(points(t.store, 'asn:21299', 'ooni.measurement_count:twitter.com')[1]!.value).toBe(0);

    // evidence: facebook.com (confirmed) and whatsapp (anomalies) on 20 and 21 May
    const events = t.store.listSourceEvents({ source: 'ooni' });
    expect(
      events.map((e) => `${e.kind} ${(e.raw as { target: string }).target} ${new Date(e.start * 1000).toISOString().slice(0, 10)}`).sort(),
    ).toEqual([
      'anomaly-evidence whatsapp 2016-05-20',
      'anomaly-evidence whatsapp 2016-05-21',
      'confirmed-block facebook.com 2016-05-20',
      'confirmed-block facebook.com 2016-05-21',
    ]);
    const fbEv = events.find((e) => e.kind === 'confirmed-block')!;
    expect(fbEv.entity).toBe('country:KZ');
    expect(fbEv.url).toBe('https://explorer.ooni.org/search?since=2016-05-20&until=2016-05-21&probe_cc=KZ&domain=facebook.com');
    const ids = (fbEv.raw as { measurementIds: string[] }).measurementIds;
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThanOrEqual(10);
    const mq = seen.filter((u) => u.includes('/measurements')).map((u) => new URL(u, HOST).searchParams);
    expect(mq).toHaveLength(4);
    const fbq = mq.find((q) => q.get('confirmed') === 'true')!;
    expect([fbq.get('probe_cc'), fbq.get('since'), fbq.get('until')]).toEqual(['KZ', '2016-05-19T23:59:59', '2016-05-20T23:59:59']);
    const waq = mq.find((q) => q.get('test_name') === 'whatsapp')!;
    expect(waq.get('anomaly')).toBe('true');

    // the Explorer search link of any day is kept in the signal's meta
    const sig = t.store.db
      .prepare(
        "SELECT s.meta FROM signals s JOIN entities e ON e.id = s.entity_id WHERE e.type = 'country' AND s.name = 'ooni.anomaly_rate:facebook.com'",
      )
      .get() as { meta: string };
    expect(JSON.parse(sig.meta).explorerSearch).toBe(
      'https://explorer.ooni.org/search?since={since}&until={until}&probe_cc=KZ&domain=facebook.com',
    );

    // checkpoints: the country and each network are covered
    expect(t.store.uncovered('ooni', 'country:KZ', 'ooni.anomaly_rate:whatsapp', FROM, UNTIL)).toEqual([]);
    expect(t.store.uncovered('ooni', 'asn:9198', 'ooni.anomaly_rate:facebook.com', FROM, UNTIL)).toEqual([]);
  });

  it('windows starting after 2016 ask only for web_connectivity; hourly grain gives hourly buckets', async () => {
    const seen: string[] = [];
    nock(HOST)
      .persist()
      .get(/^\/api\/v1\/aggregation\?/)
      .reply(function (uri) {
        seen.push(uri);
        const q = new URL(uri, HOST).searchParams;
        const rows = [
          {
            anomaly_count: 0,
            confirmed_count: 0,
            failure_count: 0,
            ok_count: 6,
            measurement_count: 6,
            measurement_start_day: '2022-01-05T10:00:00Z',
            domain: 'facebook.com',
          },
        ];
        return [200, envelope(q.get('axis_y') === 'domain' ? rows : [], 2)];
      });
    const c = collector({ grain: 'hour', perNetwork: false, appTests: [] });
    const r = await c.collect({ entity: 'country:KZ', from: D('2022-01-04'), until: D('2022-01-06'), store: t.store, log: silentLogger });
    expect(r.windowsFailed).toBe(0);
    const q = new URL(seen[0]!, HOST).searchParams;
    expect(q.get('test_name')).toBe('web_connectivity');
    expect(q.get('time_grain')).toBe('hour');
    const ok = points(t.store, 'country:KZ', 'ooni.ok_count:facebook.com');
    expect(ok).toHaveLength(48);
    expect(ok.find((p) => p.ts === D('2022-01-05') + 10 * 3600)!.value).toBe(6);
  });

  it('follows measurement pages while count and pages are -1 and stops at the short last page', async () => {
    const offsets: number[] = [];
    const page1 = JSON.parse(fixture('measurements-list-page1-limit50.json'));
    const page2 = JSON.parse(fixture('measurements-list-page2-limit50-offset50.json'));
    // SYNTHETIC last page: ten rows of the real page 2 re-addressed to offset 100, as the API ends a listing
    const last = {
      metadata: { ...page2.metadata, offset: 100, current_page: 3, count: 110, pages: 3, next_url: null },
      results: page2.results
        .slice(10, 20)
        .map((m: { measurement_uid: string }, i: number) => ({ ...m, measurement_uid: `${m.measurement_uid}-p3-${i}`, anomaly: true })),
    };
    nock(HOST)
      .persist()
      .get(/^\/api\/v1\/aggregation\?/)
      .reply((uri) => [200, aggregationAnswer(uri)])
      .get(/^\/api\/v1\/measurements\?/)
      .reply(function (uri) {
        const off = Number(new URL(uri, HOST).searchParams.get('offset'));
        offsets.push(off);
        return [200, JSON.stringify(off === 0 ? page1 : off === 50 ? page2 : last)];
      });
    const c = collector({ webTargets: ['facebook.com'], appTests: [], perNetwork: false, evidence: { maxPages: 10, maxIds: 10 } });
    const r = await c.collect({ entity: 'country:KZ', from: D('2016-05-20'), until: D('2016-05-21'), store: t.store, log: silentLogger });
    expect(r.windowsFailed).toBe(0);
    expect(offsets).toEqual([0, 50, 100]); // no request after the short page
    const ev = t.store.listSourceEvents({ source: 'ooni' });
    expect(ev).toHaveLength(1);
    const ids = (ev[0]!.raw as { measurementIds: string[] }).measurementIds;
    // 1 anomaly on each real page + 10 on the last, capped at 10 ids
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
  });

  it('backs off on 429 "quota exceeded" and then succeeds', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    nock(HOST)
      .persist()
      .get(/^\/api\/v1\/aggregation\?/)
      .reply(function (uri) {
        calls++;
        if (calls === 1) return [429, JSON.stringify({ error: 'quota exceeded' })];
        return [200, aggregationAnswer(uri)];
      });
    const c = collector({ appTests: [], perNetwork: false, evidence: { enabled: false } }, sleeps);
    const r = await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(r.windowsFailed).toBe(0);
    expect(calls).toBe(2);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
    expect(points(t.store, 'country:KZ', 'ooni.anomaly_rate:facebook.com')).toHaveLength(4);
  });

  it('gives up after repeated 429s, writes nothing and leaves the window uncovered', async () => {
    nock(HOST)
      .persist()
      .get(/^\/api\/v1\/aggregation\?/)
      .reply(429, JSON.stringify({ error: 'quota exceeded' }));
    const c = collector({ appTests: [], perNetwork: false });
    const r = await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(r.windowsFailed).toBe(1);
    expect(r.failures[0]!.error).toMatch(/HTTP 429.*quota exceeded/);
    expect(pointCount(t.store)).toBe(0);
    expect(t.store.uncovered('ooni', 'country:KZ', 'ooni.anomaly_rate:facebook.com', FROM, UNTIL)).toEqual([[FROM, UNTIL]]);
  });

  it('a response that does not match the schema writes nothing and names the field', async () => {
    nock(HOST)
      .persist()
      .get(/^\/api\/v1\/aggregation\?/)
      .reply(
        200,
        envelope(
          [
            {
              anomaly_count: 1,
              confirmed_count: 0,
              failure_count: 0,
              measurement_count: 3,
              measurement_start_day: '2016-05-20',
              domain: 'facebook.com',
            },
          ],
          2,
        ),
      );
    const c = collector({ appTests: [], perNetwork: false });
    const r = await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(r.windowsFailed).toBe(1);
    expect(r.failures[0]!.error).toMatch(/result\[0\]\.ok_count/);
    expect(r.failures[0]!.url).toMatch(/^http:\/\/ooni\.test\/api\/v1\/aggregation\?/);
    expect(pointCount(t.store)).toBe(0);
    expect(t.store.listSourceEvents()).toHaveLength(0);
  });

  it('an error body on HTTP 200 ({"msg": ...}) fails the window', async () => {
    nock(HOST)
      .persist()
      .get(/^\/api\/v1\/aggregation\?/)
      .reply(200, JSON.stringify({ msg: 'Choose time_grain between day, week', v: 0 }));
    const c = collector({ appTests: [], perNetwork: false });
    const r = await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(r.windowsFailed).toBe(1);
    expect(r.failures[0]!.error).toMatch(/Choose time_grain/);
    expect(pointCount(t.store)).toBe(0);
  });

  it('an answer to another question (range, grain, axis, target, place) fails the window, writes nothing, is named in the run and asked again later', async () => {
    // stands for a cache or proxy answering with another request's body, or an API that ignored a parameter:
    // before, such rows were written (or silently dropped) and the window checkpointed, never fetched again
    const shift = (uri: string, days: number) => {
      const u = new URL(uri, HOST);
      for (const k of ['since', 'until'])
        u.searchParams.set(k, new Date((D(u.searchParams.get(k)!) + days * DAY) * 1000).toISOString().slice(0, 10));
      return u.pathname + u.search;
    };
    const rowsOf = (uri: string) => JSON.parse(aggregationAnswer(uri)).result as Array<Record<string, unknown>>;
    const odd: Array<[string, (uri: string) => string, RegExp]> = [
      [
        'a shifted range',
        (uri) => aggregationAnswer(shift(uri, -2)),
        /result\[0\]\.measurement_start_day: "2016-05-17" is outside the asked 2016-05-19–2016-05-23/,
      ],
      [
        'hourly rows for a daily question',
        (uri) =>
          envelope(
            rowsOf(uri).map((r) => ({ ...r, measurement_start_day: `${String(r.measurement_start_day)}T00:00:00Z` })),
            2,
          ),
        /measurement_start_day: "2016-05-19T00:00:00Z" is an hour, asked for time_grain=day/,
      ],
      [
        'axis_y ignored (one dimension)',
        (uri) => aggregationAnswer(uri.replace(/&axis_y=[a-z_]+/, '')),
        /dimension_count: 1 dimensions, asked for 2/,
      ],
      [
        'a domain that was not asked for',
        (uri) =>
          envelope(
            rowsOf(uri).map((r) => ({ ...r, domain: 'vk.com' })),
            2,
          ),
        /result\[0\]\.domain: "vk\.com" was not asked for/,
      ],
      [
        'rows about another country',
        (uri) =>
          envelope(
            rowsOf(uri).map((r) => ({ ...r, probe_cc: 'UZ' })),
            2,
          ),
        /result\[0\]\.probe_cc: row is about UZ, asked for KZ/,
      ],
    ];
    const c = collector({ appTests: [], perNetwork: false, evidence: { enabled: false } });
    for (const [what, answer, message] of odd) {
      nock.cleanAll();
      nock(HOST)
        .persist()
        .get(/^\/api\/v1\/aggregation\?/)
        .reply((uri) => [200, answer(uri)]);
      const r = await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
      expect(r.windowsFailed, what).toBe(1);
      expect(r.failures[0]!.error, what).toMatch(/answer does not match the request/);
      expect(r.failures[0]!.error, what).toMatch(message);
      expect(pointCount(t.store), what).toBe(0);
      expect(t.store.checkpoints(), what).toEqual([]);
      const run = t.store.recentRuns({ collector: 'ooni', limit: 1 })[0]!;
      expect(run.status, what).toBe('failed');
      expect(JSON.stringify(run.details) + (run.error ?? ''), what).toMatch(/answer does not match the request/);
    }
    nock.cleanAll();
    const seen: string[] = [];
    serve(seen);
    const again = await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(again.windowsOk).toBe(1);
    expect(seen.length).toBeGreaterThan(0);
    expect(points(t.store, 'country:KZ', 'ooni.anomaly_rate:facebook.com')).toHaveLength(4);
  });

  it('an empty 200 body is retried within the run', async () => {
    let calls = 0;
    nock(HOST)
      .persist()
      .get(/^\/api\/v1\/aggregation\?/)
      .reply((uri) => (++calls === 1 ? [200, ''] : [200, aggregationAnswer(uri)]));
    const r = await collector({ appTests: [], perNetwork: false, evidence: { enabled: false } }).collect({
      entity: 'country:KZ',
      from: FROM,
      until: UNTIL,
      store: t.store,
      log: silentLogger,
    });
    expect(r.windowsFailed).toBe(0);
    expect(calls).toBe(2);
    expect(points(t.store, 'country:KZ', 'ooni.anomaly_rate:facebook.com')).toHaveLength(4);
  });

  it('re-collecting the same range gives the same rows', async () => {
    const seen: string[] = [];
    serve(seen);
    // "now" is one day after the range: its last day is inside the settle period, written but not checkpointed,
    // so the second run fetches that part again and must rewrite the same rows
    const c = collector({ evidence: { maxPages: 1 } }, [], UNTIL + DAY);
    await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    const n1 = pointCount(t.store);
    const e1 = t.store.listSourceEvents().length;
    const s1 = t.store.listSignals().length;
    const requests1 = seen.length;
    await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(seen.length).toBeGreaterThan(requests1);
    expect(pointCount(t.store)).toBe(n1);
    expect(t.store.listSourceEvents()).toHaveLength(e1);
    expect(t.store.listSignals()).toHaveLength(s1);
    expect(n1).toBeGreaterThan(0);
  });

  it('once checkpointed, a range is not fetched again', async () => {
    const seen: string[] = [];
    serve(seen);
    const c = collector({ evidence: { enabled: false } });
    await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    const n = seen.length;
    const r = await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(seen.length).toBe(n);
    expect(r.windowsOk).toBe(0);
    expect(r.coveredUntil).toBe(UNTIL);
  });
});

describe('OONI ingest', () => {
  it('ingests a recorded aggregation response (URL + body) through the same mapping, idempotently, and flags synthetic data', async () => {
    const url = `${HOST}/api/v1/aggregation?probe_cc=KZ&test_name=http_requests&domain=facebook.com,vk.com&since=2016-05-19&until=2016-05-23&axis_x=measurement_start_day&axis_y=domain&time_grain=day`;
    const file = join(t.dir, 'kz.json');
    writeFileSync(file, JSON.stringify({ url, status: 200, fetchedAt: '2016-05-24T00:00:00Z', body: JSON.parse(aggregationAnswer(url)) }));
    const bad = join(t.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ url, body: { v: 0, dimension_count: 2, result: [{ measurement_start_day: '2016-05-20' }] } }));
    const c = collector();
    const r = await c.ingest!({ files: [file, bad], store: t.store, log: silentLogger, synthetic: true });
    expect(r.filesOk).toBe(1);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]!.error).toMatch(/bad\.json.*result\[0\]\.anomaly_count/);
    const n = pointCount(t.store);
    expect(n).toBe(2 * 6 * 4); // 2 targets × 6 signals × 4 days
    expect(t.store.listSignals('country:KZ').every((s) => s.synthetic)).toBe(true);
    expect(points(t.store, 'country:KZ', 'ooni.anomaly_rate:facebook.com')[1]!.value).toBeGreaterThan(0.8);
    expect(t.store.listSourceEvents({ source: 'ooni' }).map((e) => e.kind)).toEqual(['confirmed-block', 'confirmed-block']);
    await c.ingest!({ files: [file], store: t.store, log: silentLogger, synthetic: true });
    expect(pointCount(t.store)).toBe(n);
  });

  it('refuses a bare body without its request URL', async () => {
    const file = join(t.dir, 'bare.json');
    writeFileSync(file, fixture('aggregation-web_connectivity-daily-2022-03-01_2022-03-04.json'));
    const r = await collector().ingest!({ files: [file], store: t.store, log: silentLogger });
    expect(r.filesOk).toBe(0);
    expect(r.failures[0]!.error).toMatch(/saved with its request/);
  });
});
