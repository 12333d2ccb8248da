import { afterEach, describe, expect, it } from 'vitest';
import type { PointTuple } from '../../db/store.js';
import { seededRandom, tempStore } from '../helpers.js';

describe('readColumns (what detection reads)', () => {
  let t: ReturnType<typeof tempStore>;
  afterEach(() => t?.cleanup());

  it('gives the same points as readPoints, in time order, null as NaN, within the range only, and again on a second read', () => {
    t = tempStore();
    const rnd = seededRandom(21);
    const pts: PointTuple[] = [];
    // an irregular 5-minute series with stored nulls and missing points, as IODA sends it
    for (let ts = 1_463_000_000; pts.length < 500; ts += 300)
      if (rnd() > 0.1) pts.push([ts, rnd() < 0.05 ? null : Math.round(rnd() * 1000) / 10]);
    t.store.writeWindow({
      collector: 'x',
      entity: 'country:KZ',
      from: pts[0]![0],
      until: pts.at(-1)![0] + 300,
      series: [{ signal: { name: 'ioda.bgp', step: 300 }, points: pts }],
    });
    const id = t.store.listSignals('country:KZ')[0]!.id;
    const from = pts[37]![0];
    const until = pts[451]![0];
    const expected = t.store.readPoints(id, from, until);
    for (let round = 0; round < 2; round++) {
      const c = t.store.readColumns(id, from, until);
      expect(c.length).toBe(expected.length);
      expect(Array.from(c.ts)).toEqual(expected.map((p) => p.ts));
      expect(Array.from(c.values)).toEqual(expected.map((p) => (p.value === null ? Number.NaN : p.value)));
    }
    expect(t.store.readColumns(id, 0, 1).length).toBe(0);
    // the whole series, with rows written after it was first read
    t.store.writeWindow({
      collector: 'x',
      entity: 'country:KZ',
      from: pts.at(-1)![0] + 300,
      until: pts.at(-1)![0] + 900,
      series: [
        {
          signal: { name: 'ioda.bgp', step: 300 },
          points: [
            [pts.at(-1)![0] + 300, 1],
            [pts.at(-1)![0] + 600, null],
          ],
        },
      ],
    });
    const all = t.store.readColumns(id, -1e12, 1e12);
    expect(all.length).toBe(pts.length + 2);
    expect(all.ts[all.length - 1]).toBe(pts.at(-1)![0] + 600);
    expect(all.values[all.length - 1]).toBeNaN();
  });
});
