import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeries, type Resolution } from '../../../db/signals-read.js';
import type { PointTuple } from '../../../db/store.js';
import { downsample } from '../../../dashboards/downsample.js';
import { seriesPoints } from '../../../dashboards/api/signals.js';
import { seededRandom, tempStore } from '../../helpers.js';

describe('downsampling in SQL gives the same points as in JS', () => {
  let t: ReturnType<typeof tempStore>;
  const T0 = Date.UTC(2016, 0, 1) / 1000;
  const DAYS = 60;
  beforeAll(() => {
    t = tempStore();
    const rnd = seededRandom(5);
    const pts: PointTuple[] = [];
    for (let ts = T0; ts < T0 + DAYS * 86400; ts += 300) {
      const r = rnd();
      if (r < 0.01) continue; // missing point
      if (ts >= T0 + 20 * 86400 && ts < T0 + 23 * 86400) continue; // a three-day gap
      // small integer values: many ties, and stored nulls
      pts.push([ts, r < 0.03 ? null : Math.floor(rnd() * 6)]);
    }
    t.store.writeWindow({
      collector: 'x',
      entity: 'country:KZ',
      from: T0,
      until: T0 + DAYS * 86400,
      series: [{ signal: { name: 'ioda.bgp', step: 300 }, points: pts }],
    });
  });
  afterAll(() => t.cleanup());

  const cases: Array<[Resolution, number, number, number, number]> = [];
  for (const maxPoints of [10, 50, 333, 1000])
    for (const [res, step] of [
      ['raw', 300],
      ['hourly', 3600],
      ['6h', 21600],
      ['daily', 86400],
    ] as const)
      for (const [from, until] of [
        [T0, T0 + DAYS * 86400],
        [T0 + 12345, T0 + 40 * 86400 + 777],
      ] as const)
        cases.push([res, step, from, until, maxPoints]);

  it.each(cases)('%s step %i from %i until %i maxPoints %i', (res, step, from, until, maxPoints) => {
    const sig = t.store.listSignals('country:KZ')[0]!;
    const aligned = res === 'raw' ? from : Math.floor(from / step) * step;
    const js = downsample(readSeries(t.store, sig.id, res, aligned, until), aligned, until, step, maxPoints);
    const sql = seriesPoints(t.store, sig.id, res, aligned, until, step, maxPoints);
    expect(sql).toEqual(js);
    expect(sql.points.length).toBeLessThanOrEqual(maxPoints);
  });
});
