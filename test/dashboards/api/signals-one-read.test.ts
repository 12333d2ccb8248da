/**
 * `/api/signals` reads every series of a request in ONE statement (issue 21: cache misses under load) and gives the
 * same points as reading each series alone. Stands for a real country's chart: 5-minute IODA BGP and active
 * probing, 10-minute probing, 30-minute Google traffic and a daily OONI rate with gaps, over ranges that pick raw
 * points, the hourly, 6-hour and daily rollups, and mixes of them.
 */
import type { Statement } from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeries, readSeriesMany } from '../../../db/signals-read.js';
import type { PointTuple } from '../../../db/store.js';
import { downsample } from '../../../dashboards/downsample.js';
import { planSeries, readPlanned, seriesPoints } from '../../../dashboards/api/signals.js';
import type { AppDeps } from '../../../dashboards/deps.js';
import { seededRandom, tempStore } from '../../helpers.js';

const T0 = Date.UTC(2016, 0, 1) / 1000;
const DAYS = 120;
const SIGNALS = [
  { name: 'ioda.bgp', step: 300 },
  { name: 'ioda.merit-nt', step: 300 },
  { name: 'ioda.ping-slash24', step: 600 },
  { name: 'ioda.gtr:YOUTUBE', step: 1800 },
  { name: 'ooni.anomaly_rate:facebook.com', step: 86400 },
];

describe('one read per /api/signals request', () => {
  let t: ReturnType<typeof tempStore>;
  beforeAll(() => {
    t = tempStore();
    const rnd = seededRandom(21);
    for (const s of SIGNALS) {
      const pts: PointTuple[] = [];
      for (let ts = T0; ts < T0 + DAYS * 86400; ts += s.step) {
        const r = rnd();
        if (r < 0.01) continue; // a missing point
        if (ts >= T0 + 30 * 86400 && ts < T0 + 33 * 86400) continue; // a three-day gap (a source outage)
        pts.push([ts, r < 0.02 ? null : Math.round((r < 0.05 ? 5 : 1000) * (0.9 + 0.2 * rnd()))]); // stored nulls, dips
      }
      t.store.writeWindow({
        collector: 'x',
        entity: 'country:KZ',
        from: T0,
        until: T0 + DAYS * 86400,
        series: [{ signal: { name: s.name, step: s.step }, points: pts }],
      });
    }
  });
  afterAll(() => t.cleanup());

  const ranges: Array<[string, number, number, number, ('raw' | 'auto')?]> = [
    ['two days (raw, one step per bucket for the slow signals)', T0 + 40 * 86400 + 123, T0 + 42 * 86400, 1000],
    ['two weeks at maxPoints 100 (6-hour rollup; the daily signal raw)', T0 + 25 * 86400 + 999, T0 + 39 * 86400, 100],
    ['four months at maxPoints 300 (daily rollup)', T0, T0 + DAYS * 86400, 300],
    ['four months at maxPoints 20 (daily)', T0 + 7777, T0 + DAYS * 86400 - 5, 20],
    ['fifty days at maxPoints 200 (6-hour rollup)', T0 + 50 * 86400, T0 + 100 * 86400, 200],
    [
      'three days of raw points asked at maxPoints 100 (5-minute buckets of many steps from grouped SQL, the rest in one read)',
      T0 + 50 * 86400,
      T0 + 53 * 86400,
      100,
      'raw',
    ],
  ];

  it.each(ranges)('%s: the same points as one read per series', (_label, from, until, maxPoints, resolution = 'auto') => {
    const deps = { store: t.store } as AppDeps;
    const sigs = t.store.listSignals('country:KZ');
    expect(sigs.map((s) => s.name).sort()).toEqual(SIGNALS.map((s) => s.name).sort());
    const plans = sigs.map((s) => planSeries(deps, s, { from, until, maxPoints, resolution }, new Map()));
    const together = readPlanned(t.store, plans, maxPoints);
    if (maxPoints === 100 && until - from === 3 * 86400)
      expect(
        plans
          .filter((p) => !p.inOneRead)
          .map((p) => p.sig.name)
          .sort(),
      ).toEqual(['ioda.bgp', 'ioda.merit-nt']);
    plans.forEach((p, i) => {
      const alone =
        p.resolution === 'raw' && !p.inOneRead
          ? seriesPoints(t.store, p.sig.id, p.resolution, p.from, p.until, p.step, maxPoints)
          : downsample(readSeries(t.store, p.sig.id, p.resolution, p.from, p.until, true), p.from, p.until, p.step, maxPoints);
      expect(together[i]).toEqual(alone);
      expect(together[i]!.points.length).toBeGreaterThan(0);
      expect(together[i]!.points.length).toBeLessThanOrEqual(maxPoints);
    });
  });

  it('mixes resolutions in one statement and returns each series in time order', () => {
    const sigs = t.store.listSignals('country:KZ');
    const bgp = sigs.find((s) => s.name === 'ioda.bgp')!;
    const ooni = sigs.find((s) => s.name === 'ooni.anomaly_rate:facebook.com')!;
    const gtr = sigs.find((s) => s.name === 'ioda.gtr:YOUTUBE')!;
    const from = T0 + 10 * 86400;
    const until = T0 + 60 * 86400;
    const cols = readSeriesMany(t.store, [
      { signalIds: [bgp.id, gtr.id], resolution: '6h', from, until },
      { signalIds: [ooni.id], resolution: 'raw', from: from + 1, until },
    ]);
    expect(cols.get(bgp.id)).toEqual(readSeries(t.store, bgp.id, '6h', from, until, true));
    expect(cols.get(gtr.id)).toEqual(readSeries(t.store, gtr.id, '6h', from, until, true));
    expect(cols.get(ooni.id)).toEqual(readSeries(t.store, ooni.id, 'raw', from + 1, until, true));
    expect(cols.get(bgp.id)).toMatchObject(readSeries(t.store, bgp.id, '6h', from, until));
    expect(cols.get(bgp.id)!.ts.length).toBe(50 * 4 - 3 * 4); // 6-hour rows outside the three-day gap
  });

  it('runs one statement over the points tables for a request of five series', async () => {
    const { default: request } = await import('supertest');
    const { createApp } = await import('../../../dashboards/app.js');
    const { configSchema } = await import('../../../services/program-config.js');
    const { silentLogger } = await import('../../../core/logger.js');
    const reads: string[] = [];
    // count executions of statements that read points or rollups (statements are cached, so patch their class)
    const proto = Object.getPrototypeOf(t.store.db.prepare('SELECT 1')) as { all: (this: Statement, ...a: unknown[]) => unknown[] };
    const all = proto.all;
    proto.all = function (this: Statement, ...args: unknown[]): unknown[] {
      if (/FROM points/.test(this.source)) reads.push(this.source);
      return all.apply(this, args);
    };
    try {
      const app = createApp({
        config: configSchema.parse({ db: ':memory:', api: { rateLimit: { max: 0 } } }),
        store: t.store,
        collectors: [],
        log: silentLogger,
        version: 'test',
        now: () => T0 + DAYS * 86400,
      });
      for (const [from, until, maxPoints] of [
        [T0, T0 + DAYS * 86400, 300],
        [T0 + 86400, T0 + 5 * 86400, 1000],
      ] as const) {
        reads.length = 0;
        const res = await request(app).get(`/api/signals?entity=country:KZ&from=${from}&until=${until}&maxPoints=${maxPoints}`);
        expect(res.status).toBe(200);
        expect(res.body.series).toHaveLength(5);
        expect(reads).toHaveLength(1);
        expect(reads[0]).toMatch(/UNION ALL|IN \(\?, \?/);
      }
    } finally {
      proto.all = all;
    }
  });
});
