/**
 * Long chart ranges read a coarse rollup and still draw exact extremes (issue 21, charts under load): a one-year
 * chart at 1,000 points reads 365 daily rows per series, each giving the points holding the day's minimum and
 * maximum at the times they happened. Those are exactly the points the raw series gives when cut into the same
 * one-day buckets, so a 15-minute blackout is drawn at its minute with its depth. Stands for a country's IODA
 * series over a year: 5-minute BGP with blackouts, 30-minute Google traffic, stored nulls and a week-long gap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { readSeries } from '../../../db/signals-read.js';
import type { PointTuple } from '../../../db/store.js';
import { downsample } from '../../../dashboards/downsample.js';
import { chooseResolution, planSeries, readPlanned } from '../../../dashboards/api/signals.js';
import { createApp } from '../../../dashboards/app.js';
import type { AppDeps } from '../../../dashboards/deps.js';
import { configSchema } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { seededRandom, tempStore } from '../../helpers.js';

const T0 = Date.UTC(2021, 0, 1) / 1000;
const DAY = 86400;
const DAYS = 400;
const BLACKOUT = T0 + 200 * DAY + 7 * 3600 + 1200; // 15 minutes at 5 % of the level

describe('/api/signals over a year: daily rows with the times of their extremes', () => {
  let t: ReturnType<typeof tempStore>;
  beforeAll(() => {
    t = tempStore();
    const rnd = seededRandom(2021);
    for (const s of [
      { name: 'ioda.bgp', step: 300 },
      { name: 'ioda.gtr:YOUTUBE', step: 1800 },
    ]) {
      // written in 30-day windows, as a collection would
      for (let w = T0; w < T0 + DAYS * DAY; w += 30 * DAY) {
        const pts: PointTuple[] = [];
        for (let ts = w; ts < Math.min(w + 30 * DAY, T0 + DAYS * DAY); ts += s.step) {
          if (ts >= T0 + 100 * DAY && ts < T0 + 107 * DAY) continue; // a week without data
          const r = rnd();
          const dark = ts >= BLACKOUT && ts < BLACKOUT + 900;
          pts.push([ts, r < 0.01 ? null : Math.round(1000 * (dark ? 0.05 : 0.97 + 0.06 * rnd()))]);
        }
        t.store.writeWindow({
          collector: 'ioda',
          entity: 'country:KZ',
          from: w,
          until: w + 30 * DAY,
          series: [{ signal: s, points: pts }],
        });
      }
    }
  });
  afterAll(() => t.cleanup());

  it('picks the daily rollup for a year at 1,000 points, the 6-hour one at 2,000, raw for a week', () => {
    expect(chooseResolution(300, 365 * DAY, 1000).resolution).toBe('daily');
    expect(chooseResolution(300, 365 * DAY, 2000).resolution).toBe('6h');
    expect(chooseResolution(300, 7 * DAY, 1000).resolution).toBe('raw');
  });

  it.each([
    ['one year from midnight', T0 + 10 * DAY, T0 + 375 * DAY],
    ['one year from mid-day, across the gap', T0 + 50 * DAY + 4321, T0 + 50 * DAY + 4321 + 365 * DAY],
  ])('%s: the same points as the raw series cut into one-day buckets', (_label, from, until) => {
    const deps = { store: t.store } as AppDeps;
    const plans = t.store
      .listSignals('country:KZ')
      .map((s) => planSeries(deps, s, { from, until, maxPoints: 1000, resolution: 'auto' }, new Map()));
    const read = readPlanned(t.store, plans, 1000);
    plans.forEach((p, i) => {
      expect(p.resolution).toBe('daily');
      const raw = readSeries(t.store, p.sig.id, 'raw', p.from, until);
      // step 86400 over raw points: one bucket per UTC day, its min and max points at their own times
      const fromRaw = downsample(raw, p.from, until, DAY, 1000);
      expect(read[i]!.points).toEqual(fromRaw.points);
      expect(read[i]!.points.length).toBeGreaterThan(600);
      expect(read[i]!.points.length).toBeLessThanOrEqual(1000);
    });
  });

  it('draws the 15-minute blackout at its minute and depth, and the week without data as a gap', async () => {
    const app = createApp({
      config: configSchema.parse({ db: ':memory:', api: { rateLimit: { max: 0 } } }),
      store: t.store,
      collectors: [],
      log: silentLogger,
      version: 'test',
      now: () => T0 + DAYS * DAY,
    });
    const from = T0 + 20 * DAY;
    const res = await request(app).get(
      `/api/signals?entity=country:KZ&signals=ioda.bgp&from=${from}&until=${from + 365 * DAY}&maxPoints=1000`,
    );
    expect(res.status).toBe(200);
    expect(res.body.resolution).toBe('daily');
    const pts = res.body.series[0].points as Array<[number, number | null]>;
    expect(pts).toContainEqual([BLACKOUT, 50]);
    expect(pts).toContainEqual([T0 + 100 * DAY, null]);
    expect(pts.filter(([ts, v]) => v !== null && ts >= T0 + 100 * DAY && ts < T0 + 107 * DAY)).toEqual([]);
  });
});
