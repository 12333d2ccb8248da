import nock from 'nock';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRipestatCollector } from '../../../collectors/ripestat/index.js';
import { ripestatEnvelopeSchema } from '../../../collectors/ripestat/schema.js';
import type { SqliteStore } from '../../../db/store.js';
import { ConfigError } from '../../../core/config.js';
import { loadConfig } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { tempStore } from '../../helpers.js';

const HOST = 'http://ripestat.test';
const DAY = 86400;
const D = (s: string) => Date.parse(`${s}T00:00:00Z`) / 1000;
const FIX = join(import.meta.dirname, '..', '..', 'fixtures', 'ripestat');
const fixture = (name: string) => readFileSync(join(FIX, name), 'utf8');

/**
 * SYNTHETIC country-resource-stats body: the envelope is the real one of
 * test/fixtures/ripestat/bgp-update-activity-AS10503-empty.json with the data call renamed; the `data` block
 * follows the documented shape, and its entries follow real ones quoted in other projects' tests
 * (`-1` in *_stats, fractional *_ris, `timeline` runs of equal values, times without offset).
 */
function crsBody(data: Record<string, unknown>): string {
  const env = JSON.parse(fixture('bgp-update-activity-AS10503-empty.json')) as Record<string, unknown>;
  return JSON.stringify({ ...env, data_call_name: 'country-resource-stats', data });
}

function stat(day: string, v4: number, v6: number, asns: number, endDay?: string) {
  return {
    timeline: [{ starttime: `${day}T00:00:00`, endtime: `${endDay ?? day}T00:00:00` }],
    v4_prefixes_ris: v4,
    v6_prefixes_ris: v6,
    asns_ris: asns,
    v4_prefixes_stats: -1,
    v6_prefixes_stats: -1,
    asns_stats: 150,
    stats_date: `${day}T00:00:00`,
  };
}

function kzData(from: string, until: string, resolution = '1d') {
  return {
    query_starttime: `${from}T00:00:00`,
    query_endtime: `${until}T00:00:00`,
    resource: 'kz',
    resolution,
    latest_time: '2026-08-15T00:00:00',
    earliest_time: '2004-01-01T00:00:00',
    hd_latest_time: '2026-08-15T08:00:00',
    stats: [
      stat('2016-05-19', 1650, 40, 130, '2016-05-20'), // a run of two equal days
      stat('2016-05-21', 1649.5, -1, 129),
      stat('2016-05-22', 1651, 41, 130),
    ],
  };
}

function makeConfig(ripestat: Record<string, unknown> = {}) {
  const config = loadConfig({ env: { OUTAGEWATCH_RIPESTAT_URL: HOST }, cwd: '/' });
  config.collection = { ripestat };
  return config;
}

function collector(ripestat: Record<string, unknown> = {}, sleeps: number[] = [], now = D('2026-01-01')) {
  return createRipestatCollector(makeConfig(ripestat), {
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

function points(store: SqliteStore, signal: string) {
  const s = store.listSignals('country:KZ').find((x) => x.name === signal);
  return s ? store.readPoints(s.id, 0, 2 ** 31) : [];
}
function pointCount(store: SqliteStore): number {
  return store.listSignals().reduce((n, s) => n + store.readPoints(s.id, 0, 2 ** 31).length, 0);
}

let t: ReturnType<typeof tempStore>;
beforeEach(() => {
  t = tempStore();
});
afterEach(() => {
  nock.cleanAll();
  t.cleanup();
});

describe('RIPEstat', () => {
  it('the envelope schema accepts real RIPEstat responses', () => {
    for (const f of [
      'bgp-update-activity-AS10503-empty.json',
      'bgp-update-activity-AS62752-trimmed.json',
      'country-resource-list-VA.json',
    ]) {
      expect(ripestatEnvelopeSchema.parse(JSON.parse(fixture(f))).status).toBe('ok');
    }
  });

  it('collects prefixes and ASNs seen in RIS per day: -1 is NULL, fractional counts kept, runs expanded, sourceapp sent', async () => {
    const seen: URLSearchParams[] = [];
    nock(HOST)
      .get('/data/country-resource-stats/data.json')
      .query(true)
      .reply(function (uri) {
        seen.push(new URL(uri, HOST).searchParams);
        return [200, crsBody(kzData('2016-05-19', '2016-05-22'))];
      });
    const r = await collector().collect({
      entity: 'country:KZ',
      from: D('2016-05-19'),
      until: D('2016-05-23'),
      store: t.store,
      log: silentLogger,
    });
    expect(r.windowsFailed).toBe(0);
    expect(seen).toHaveLength(1);
    expect(Object.fromEntries(seen[0]!)).toEqual({
      resource: 'KZ',
      starttime: '2016-05-19T00:00:00',
      endtime: '2016-05-22T23:59:59',
      resolution: '1d',
      sourceapp: 'outagewatch',
    });
    expect(points(t.store, 'ripestat.v4_prefixes_ris')).toEqual([
      { ts: D('2016-05-19'), value: 1650 },
      { ts: D('2016-05-20'), value: 1650 },
      { ts: D('2016-05-21'), value: 1649.5 },
      { ts: D('2016-05-22'), value: 1651 },
    ]);
    expect(points(t.store, 'ripestat.v6_prefixes_ris')[2]).toEqual({ ts: D('2016-05-21'), value: null });
    expect(points(t.store, 'ripestat.asns_ris').map((p) => p.value)).toEqual([130, 130, 129, 130]);
    expect(t.store.listSignals('country:KZ').find((s) => s.name === 'ripestat.asns_ris')!.step).toBe(DAY);
    expect(t.store.uncovered('ripestat', 'country:KZ', 'ripestat.asns_ris', D('2016-05-19'), D('2016-05-23'))).toEqual([]);
  });

  it('splits long ranges into windows the API answers at the asked resolution', async () => {
    const starts: string[] = [];
    nock(HOST)
      .persist()
      .get('/data/country-resource-stats/data.json')
      .query(true)
      .reply(function (uri) {
        const q = new URL(uri, HOST).searchParams;
        starts.push(`${q.get('starttime')}..${q.get('endtime')}`);
        return [200, crsBody({ ...kzData('2016-05-19', '2016-05-22'), stats: [] })];
      });
    const r = await collector({ windowDays: 2 }).collect({
      entity: 'country:KZ',
      from: D('2016-05-19'),
      until: D('2016-05-23'),
      store: t.store,
      log: silentLogger,
    });
    expect(r.windowsOk).toBe(2);
    expect(starts).toEqual(['2016-05-19T00:00:00..2016-05-20T23:59:59', '2016-05-21T00:00:00..2016-05-22T23:59:59']);
  });

  it('refuses an answer at a coarser resolution than asked, writing nothing', async () => {
    nock(HOST)
      .get('/data/country-resource-stats/data.json')
      .query(true)
      .reply(200, crsBody(kzData('2016-05-19', '2016-05-22', '1d')));
    const r = await collector({ resolution: '1h', windowDays: 4 }).collect({
      entity: 'country:KZ',
      from: D('2016-05-19'),
      until: D('2016-05-23'),
      store: t.store,
      log: silentLogger,
    });
    expect(r.windowsFailed).toBe(1);
    expect(r.failures[0]!.error).toMatch(/resolution 1d, not 1h/);
    expect(pointCount(t.store)).toBe(0);
  });

  it('an answer about another country or a shifted range fails the window, writing nothing; a later run asks again', async () => {
    // stands for a cache or proxy answering with another request's body: before, it was written and checkpointed
    const other = { ...kzData('2016-05-19', '2016-05-22'), resource: 'uz' };
    const shifted = { ...kzData('2016-05-21', '2016-05-22'), stats: kzData('2016-05-19', '2016-05-22').stats.slice(1) };
    for (const [data, message] of [
      [other, /data\.resource: answer is about "uz", asked for KZ/],
      [shifted, /data\.query_starttime: starts at 2016-05-21T00:00:00Z, asked from 2016-05-19T00:00:00Z/],
    ] as const) {
      nock(HOST).get('/data/country-resource-stats/data.json').query(true).reply(200, crsBody(data));
      const r = await collector().collect({
        entity: 'country:KZ',
        from: D('2016-05-19'),
        until: D('2016-05-23'),
        store: t.store,
        log: silentLogger,
      });
      expect(r.windowsFailed).toBe(1);
      expect(r.failures[0]!.error).toMatch(message);
      expect(pointCount(t.store)).toBe(0);
      expect(t.store.checkpoints()).toEqual([]);
    }
    nock(HOST)
      .get('/data/country-resource-stats/data.json')
      .query(true)
      .reply(200, crsBody(kzData('2016-05-19', '2016-05-22')));
    const again = await collector().collect({
      entity: 'country:KZ',
      from: D('2016-05-19'),
      until: D('2016-05-23'),
      store: t.store,
      log: silentLogger,
    });
    expect(again.windowsOk).toBe(1);
  });

  it('a schema mismatch writes nothing and names the field', async () => {
    const data = kzData('2016-05-19', '2016-05-22');
    (data.stats[1] as Record<string, unknown>).timeline = 'yesterday';
    nock(HOST).get('/data/country-resource-stats/data.json').query(true).reply(200, crsBody(data));
    const r = await collector().collect({
      entity: 'country:KZ',
      from: D('2016-05-19'),
      until: D('2016-05-23'),
      store: t.store,
      log: silentLogger,
    });
    expect(r.windowsFailed).toBe(1);
    expect(r.failures[0]!.error).toMatch(/data\.stats\[1\]\.timeline/);
    expect(pointCount(t.store)).toBe(0);
    expect(t.store.checkpoints({ collector: 'ripestat' })).toEqual([]);
  });

  it('status "error" in the envelope is an API error', async () => {
    const env = JSON.parse(crsBody(kzData('2016-05-19', '2016-05-22')));
    nock(HOST)
      .get('/data/country-resource-stats/data.json')
      .query(true)
      .reply(
        200,
        JSON.stringify({ ...env, status: 'error', status_code: 400, messages: [['error', 'resource is not a country']], data: {} }),
      );
    const r = await collector().collect({
      entity: 'country:KZ',
      from: D('2016-05-19'),
      until: D('2016-05-23'),
      store: t.store,
      log: silentLogger,
    });
    expect(r.failures[0]!.error).toMatch(/resource is not a country/);
  });

  it('never allows more than 8 concurrent requests', () => {
    expect(() => collector({ concurrency: 9 })).toThrow(ConfigError);
    expect(() => collector({ concurrency: 9 })).toThrow(/collection\.ripestat\.concurrency.*at most 8/);
  });

  it('re-collecting and re-ingesting give the same rows; ingest reads a bare saved body', async () => {
    nock(HOST)
      .persist()
      .get('/data/country-resource-stats/data.json')
      .query(true)
      .reply(200, crsBody(kzData('2016-05-19', '2016-05-22')));
    // now is inside the settle period: nothing is checkpointed, the second run fetches again
    const c = collector({}, [], D('2016-05-23') + 3600);
    await c.collect({ entity: 'country:KZ', from: D('2016-05-19'), until: D('2016-05-23'), store: t.store, log: silentLogger });
    const n = pointCount(t.store);
    expect(n).toBe(12);
    await c.collect({ entity: 'country:KZ', from: D('2016-05-19'), until: D('2016-05-23'), store: t.store, log: silentLogger });
    expect(pointCount(t.store)).toBe(n);
    const file = join(t.dir, 'kz-crs.json');
    writeFileSync(file, crsBody(kzData('2016-05-19', '2016-05-22')));
    const r = await c.ingest!({ files: [file, file], store: t.store, log: silentLogger });
    expect(r.filesOk).toBe(2);
    expect(pointCount(t.store)).toBe(n);
  });

  it('does nothing for entities other than countries', async () => {
    const r = await collector().collect({
      entity: 'asn:9198',
      from: D('2016-05-19'),
      until: D('2016-05-23'),
      store: t.store,
      log: silentLogger,
    });
    expect(r.windowsOk + r.windowsFailed).toBe(0);
    expect(collector().signals('asn:9198')).toEqual([]);
    expect(collector().signals('country:KZ')).toEqual(['ripestat.v4_prefixes_ris', 'ripestat.v6_prefixes_ris', 'ripestat.asns_ris']);
  });
});
