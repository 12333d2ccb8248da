import { sqliteRepositories } from '../../../db/sqlite-repositories.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertEvent } from '../../../db/calendar.js';
import { replaceOutages } from '../../../db/outages.js';
import { upsertReferenceOutages, type Scope } from '../../../db/reference.js';
import type { SqliteStore } from '../../../db/store.js';
import type { ProtestEvent } from '../../../core/calendar.js';
import type { Outage } from '../../../core/outage.js';
import { correlateCountry, correlateEvent } from '../../../services/correlator/assemble.js';
import { tempStore } from '../../helpers.js';

const H = 3600;
const D = 86400;
const t = (iso: string) => Date.parse(iso) / 1000;

function event(id: string, startIso: string, country = 'KZ'): ProtestEvent {
  const start = t(startIso);
  return {
    id,
    title: id,
    country,
    places: [],
    start,
    end: start + D,
    tz: 'Asia/Almaty',
    allDay: true,
    kind: 'protest',
    sources: ['https://example.org/'],
    notes: null,
    tags: [],
    origin: 'manual',
    originFile: null,
    originLine: null,
  };
}

function outage(start: number, hours: number, kind: Outage['kind'], signal: string, depth = 0.8): Outage {
  return {
    entity: 'country:KZ',
    start,
    end: start + hours * H,
    kind,
    severity: 'critical',
    score: 1000,
    signals: [{ signal, start, end: start + hours * H, severity: 'critical', depth, score: 1000 }],
    targets: [],
    evidence: [],
  };
}

/** Hourly points for a signal over [from, until). */
function series(store: SqliteStore, collector: string, signal: string, from: number, until: number, value = 100) {
  const points: Array<[number, number]> = [];
  for (let ts = from; ts < until; ts += H) points.push([ts, value]);
  store.writeWindow({ collector, entity: 'country:KZ', from, until, series: [{ signal: { name: signal, step: H }, points }] });
}

describe('correlateEvent', () => {
  let env: ReturnType<typeof tempStore>;
  beforeEach(() => {
    env = tempStore();
  });
  afterEach(() => env.cleanup());

  const EV = '2021-03-20T18:00:00Z';

  it('matches an outage 6 hours after the event start with onset +6 h, and not one 5 days later', async () => {
    const { store } = env;
    upsertEvent(store.db, event('kz-test', EV), 0);
    series(store, 'ioda', 'ioda.bgp', t(EV) - 60 * D, t(EV) + 60 * D);
    replaceOutages(store.db, 'country:KZ', t(EV) - 60 * D, t(EV) + 60 * D, [
      outage(t(EV) + 6 * H, 4, 'connectivity', 'ioda.bgp'),
      outage(t(EV) + 5 * D, 4, 'connectivity', 'ioda.bgp'),
    ]);
    const c = await correlateEvent(sqliteRepositories(store), 'kz-test');
    expect(c.window).toMatchObject({ from: '2021-03-19T18:00:00Z', until: '2021-03-23T18:00:00Z', leadSeconds: D, lagSeconds: 2 * D });
    expect(c.outages).toHaveLength(1);
    expect(c.outages[0]!.onsetSeconds).toBe(6 * H);
    expect(c.verdict.connectivity).toBe('outage');
    expect(c.verdict.label).toBe('connectivity-outage');
    // services have no data at all: not "normal"
    expect(c.verdict.services).toBe('no-data');
    expect(c.coverage.find((x) => x.source === 'ioda')).toMatchObject({ hadData: true, axes: ['connectivity'] });
    expect(c.coverage.find((x) => x.source === 'ooni')!.reason).toBe('the ooni collector never ran for country:KZ');
    // single-event p: the only other outage lies in an ordinary window of the 120-day history
    expect(c.p).not.toBeNull();
    // non-overlapping 4-day windows over a 120-day history: at most 30, less the event's own and the cut ends
    expect(c.significance.windows).toBeGreaterThanOrEqual(27);
    expect(c.significance.windows).toBeLessThanOrEqual(29);
    // the outage 5 days later is as deep as the event's and lies in exactly one ordinary window
    expect(c.significance.atLeastAsDeep).toBe(1);
    expect(c.p!).toBeGreaterThanOrEqual(2 / 30);
    expect(c.p!).toBeLessThanOrEqual(2 / 28);
    expect(c.significance.smallestAttainableP).toBeCloseTo(1 / (1 + c.significance.windows), 12);
  });

  it('gives service-blocking when OONI shows blocking while connectivity holds', async () => {
    const { store } = env;
    upsertEvent(store.db, event('kz-block', EV), 0);
    series(store, 'ioda', 'ioda.bgp', t(EV) - 10 * D, t(EV) + 10 * D);
    series(store, 'ooni', 'ooni.anomaly_rate:facebook.com', t(EV) - 10 * D, t(EV) + 10 * D, 0.1);
    replaceOutages(store.db, 'country:KZ', t(EV) - 10 * D, t(EV) + 10 * D, [
      outage(t(EV) - 21 * H, 30, 'service-blocking', 'ooni.anomaly_rate:facebook.com'),
    ]);
    const c = await correlateEvent(sqliteRepositories(store), 'kz-block');
    expect(c.verdict).toMatchObject({ connectivity: 'normal', services: 'blocking', label: 'service-blocking' });
    expect(c.outages[0]!.onsetSeconds).toBe(-21 * H);
  });

  it('says insufficient-data, not nothing-unusual, when no source had data', async () => {
    const { store } = env;
    upsertEvent(store.db, event('kz-2016-05-21-land-protests', '2016-05-20T18:00:00Z'), 0);
    const c = await correlateEvent(sqliteRepositories(store), 'kz-2016-05-21-land-protests');
    expect(c.verdict).toMatchObject({ connectivity: 'no-data', services: 'no-data', label: 'insufficient-data' });
    expect(c.p).toBeNull();
    const ooni = c.coverage.find((x) => x.source === 'ooni')!;
    expect(ooni.hadData).toBe(false);
    expect(ooni.reason).toMatch(/^OONI Web Connectivity began on 3 June 2016/);
    expect(c.coverage.find((x) => x.source === 'radar')!.reason).toMatch(/^Cloudflare Radar began in 2020/);
  });

  it('names a source that answered "no data" for the window', async () => {
    const { store } = env;
    upsertEvent(store.db, event('kz-nd', EV), 0);
    store.writeWindow({
      collector: 'ripestat',
      entity: 'country:KZ',
      from: t(EV) - 5 * D,
      until: t(EV) + 5 * D,
      series: [],
      coverage: [{ signal: 'ripestat.v4_prefixes_ris', status: 'no-data' }],
    });
    const c = await correlateEvent(sqliteRepositories(store), 'kz-nd');
    expect(c.coverage.find((x) => x.source === 'ripestat')!.reason).toBe('ripestat answered that it has no data for 100% of this window');
  });

  it('takes a reference list as the outage input, kinds mapped to the axes', async () => {
    const { store } = env;
    upsertEvent(store.db, event('kz-ref', EV), 0);
    const row = (key: string, start: number, end: number | null, kind: string | null) => ({
      list: 'mine',
      naturalKey: key,
      country: 'KZ',
      start,
      end,
      kind,
      scope: 'unknown' as const,
      scopeRaw: null,
      scopeDetail: null,
      area: null,
      cause: null,
      services: [],
      source: null,
      originFile: null,
      originLine: null,
      raw: {},
    });
    upsertReferenceOutages(
      store.db,
      'mine',
      'csv',
      null,
      [
        row('a', t(EV) - 100 * D, t(EV) - 99 * D, null),
        row('b', t(EV) + 3 * H, null, 'service-blocking'),
        row('c', t(EV) + 100 * D, t(EV) + 101 * D, 'connectivity'),
      ],
      { rejected: 0 },
    );
    const c = await correlateEvent(sqliteRepositories(store), 'kz-ref', { outages: { type: 'reference', list: 'mine' } });
    expect(c.outageInput).toBe('reference:mine');
    expect(c.outages).toHaveLength(1);
    expect(c.outages[0]).toMatchObject({ kind: 'service-blocking', openEnded: true, onsetSeconds: 3 * H, end: '2021-03-21T21:00:00Z' });
    expect(c.verdict).toMatchObject({ connectivity: 'normal', services: 'blocking', label: 'service-blocking' });
  });

  it('counts a reference list without kinds as connectivity', async () => {
    const { store } = env;
    upsertEvent(store.db, event('kz-ref', EV), 0);
    const row = {
      list: 'kindless',
      naturalKey: 'a',
      country: 'KZ',
      start: t(EV) + 2 * H,
      end: t(EV) + 8 * H,
      kind: null,
      scope: 'unknown' as const,
      scopeRaw: null,
      scopeDetail: null,
      area: null,
      cause: null,
      services: [],
      source: null,
      originFile: null,
      originLine: null,
      raw: {},
    };
    upsertReferenceOutages(store.db, 'kindless', 'ioda-investigated', null, [row], { rejected: 0 });
    const c = await correlateEvent(sqliteRepositories(store), 'kz-ref', { outages: { type: 'reference', list: 'kindless' } });
    expect(c.outages.map((o) => [o.kind, o.onsetSeconds])).toEqual([['connectivity', 2 * H]]);
    expect(c.verdict.label).toBe('connectivity-outage');
  });

  it('a regional or AS-level reference outage is sub-national: regional-outage, never a national connectivity outage', async () => {
    // stands for IODA's investigated list, whose one-province and one-AS outages used to count as national shutdowns
    const { store } = env;
    upsertEvent(store.db, event('kz-ref', EV), 0);
    const row = (key: string, start: number, scope: Scope, scopeRaw: string, area: string | null) => ({
      list: 'ioda-inv',
      naturalKey: key,
      country: 'KZ',
      start,
      end: start + 6 * H,
      kind: 'connectivity',
      scope,
      scopeRaw,
      scopeDetail: area,
      area,
      cause: null,
      services: [],
      source: null,
      originFile: null,
      originLine: null,
      raw: {},
    });
    upsertReferenceOutages(
      store.db,
      'ioda-inv',
      'ioda-investigated',
      null,
      [
        row('old', t(EV) - 100 * D, 'national', 'country', null),
        row('r', t(EV) + 2 * H, 'regional', 'Region (Almaty Oblast)', 'Almaty Oblast'),
        row('a', t(EV) + 4 * H, 'asn', 'AS (9198)', 'AS9198'),
        row('new', t(EV) + 100 * D, 'national', 'country', null),
      ],
      { rejected: 0 },
    );
    const c = await correlateEvent(sqliteRepositories(store), 'kz-ref', { outages: { type: 'reference', list: 'ioda-inv' } });
    expect(c.verdict.connectivity).toBe('normal');
    expect(c.verdict.label).toBe('regional-outage');
    expect(c.verdict.onset).toBeNull();
    expect(c.verdict.subnational.map((x) => [x.scope, x.area])).toEqual([
      ['regional', 'Almaty Oblast'],
      ['asn', 'AS9198'],
    ]);
    // the JSON keeps the scope of each outage used, normalized and as the list wrote it
    expect(c.outages.map((o) => [o.scope, o.scopeRaw])).toEqual([
      ['regional', 'Region (Almaty Oblast)'],
      ['asn', 'AS (9198)'],
    ]);
    // a national row in the same list makes it a connectivity outage, with its onset at day precision
    upsertReferenceOutages(store.db, 'ioda-inv', 'ioda-investigated', null, [row('n', t(EV) + 5 * H, 'national', 'country', null)], {
      rejected: 0,
    });
    const d = await correlateEvent(sqliteRepositories(store), 'kz-ref', { outages: { type: 'reference', list: 'ioda-inv' } });
    expect(d.verdict.label).toBe('connectivity-outage');
    expect(d.verdict.onset).toMatchObject({ seconds: 5 * H, precision: 'day', entity: 'country:KZ' });
    expect(d.verdict.subnational).toHaveLength(2);
  });

  it('throws NOT_FOUND for an unknown event', async () => {
    await expect(correlateEvent(sqliteRepositories(env.store), 'nope')).rejects.toThrow(/not found/);
  });
});

describe('correlateCountry', () => {
  it('reports ECA rates, Poisson and surrogate p-values, BH q-values and the smallest attainable p', async () => {
    const env = tempStore();
    try {
      const { store } = env;
      const from = t('2019-01-07T00:00:00Z');
      const until = from + 364 * 2 * D;
      series(store, 'ioda', 'ioda.bgp', from, until);
      const outs: Outage[] = [];
      for (let i = 0; i < 12; i++) {
        const start = from + (30 + i * 55) * D;
        upsertEvent(store.db, event(`kz-e${i}`, new Date(start * 1000).toISOString()), 0);
        outs.push(outage(start + 5 * H, 10, 'connectivity', 'ioda.bgp'));
      }
      replaceOutages(store.db, 'country:KZ', from, until, outs);
      const c = await correlateCountry(sqliteRepositories(store), 'KZ', { B: 999 });
      expect(c.events).toHaveLength(12);
      expect(c.events.every((e) => e.verdict.label === 'connectivity-outage' && e.firstOnsetSeconds === 5 * H)).toBe(true);
      const all = c.stats.tests.find((x) => x.name === 'all')!;
      expect(all.trigger.rate).toBe(1);
      expect(all.trigger.analyticP!).toBeLessThan(1e-6);
      expect(c.stats.exhaustive).toBe(true);
      expect(all.trigger.p).toBeCloseTo(c.stats.smallestAttainableP, 12);
      expect(all.trigger.q).not.toBeNull();
      expect(c.stats.tests.map((x) => x.name)).toEqual(['all', 'connectivity', 'ioda']);
    } finally {
      env.cleanup();
    }
  });
});
