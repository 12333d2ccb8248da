import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PointTuple, SqliteStore } from '../../db/store.js';
import { seededRandom, tempStore } from '../helpers.js';

// writeWindow computes hourly rollups in JS when a window brings every point of its hours (the common case of new
// data), and recomputes them from the stored points otherwise. Either way the rollups must be exactly what SQL
// aggregation of the stored points gives, bit for bit.

type Row = { signal_id: number; ts: number; min: number | null; mean: number | null; max: number | null; n: number; sum: number | null };

/** Compares the hourly rollup with SQL aggregation of the points over [from, until) (everything by default). */
function rollupsMatchPoints(store: SqliteStore, from = 0, until = 2 ** 31): void {
  const hourly = store.db
    .prepare<[number, number], Row>(
      'SELECT signal_id, ts, min, mean, max, n, sum FROM points_hourly WHERE ts >= ? AND ts < ? ORDER BY signal_id, ts',
    )
    .all(from, until);
  const fromPoints = store.db
    .prepare<[number, number], Row>(
      'SELECT signal_id, (ts / 3600) * 3600 AS ts, min(value) AS min, avg(value) AS mean, max(value) AS max, count(value) AS n, sum(value) AS sum FROM points WHERE ts >= ? AND ts < ? GROUP BY signal_id, ts / 3600 ORDER BY 1, 2',
    )
    .all(from, until);
  expect(hourly.length).toBe(fromPoints.length);
  const mismatches: string[] = [];
  for (let i = 0; i < hourly.length; i++) {
    const a = hourly[i]!;
    const b = fromPoints[i]!;
    for (const k of ['signal_id', 'ts', 'min', 'mean', 'max', 'n', 'sum'] as const)
      if (!Object.is(a[k], b[k])) mismatches.push(`hour ${b.ts} of signal ${b.signal_id}: ${k} ${a[k]} vs ${b[k]}`);
  }
  expect(mismatches.slice(0, 5)).toEqual([]);
  const daily = store.db.prepare<[], Row>('SELECT signal_id, ts, min, mean, max, n, sum FROM points_daily ORDER BY signal_id, ts').all();
  const fromHourly = store.db
    .prepare<[], Row>(
      'SELECT signal_id, (ts / 86400) * 86400 AS ts, min(min) AS min, sum(sum) / sum(n) AS mean, max(max) AS max, sum(n) AS n, sum(sum) AS sum FROM points_hourly GROUP BY signal_id, ts / 86400 ORDER BY 1, 2',
    )
    .all();
  expect(daily).toEqual(fromHourly);
  // the 6-hour rollup (long chart ranges) is the same aggregate of the hourly rows, by 6-hour UTC block
  const sixHourly = store.db.prepare<[], Row>('SELECT signal_id, ts, min, mean, max, n, sum FROM points_6h ORDER BY signal_id, ts').all();
  const blocks = store.db
    .prepare<[], Row>(
      'SELECT signal_id, (ts / 21600) * 21600 AS ts, min(min) AS min, sum(sum) / sum(n) AS mean, max(max) AS max, sum(n) AS n, sum(sum) AS sum FROM points_hourly GROUP BY signal_id, ts / 21600 ORDER BY 1, 2',
    )
    .all();
  expect(sixHourly).toEqual(blocks);
}

describe('hourly rollups computed while writing', () => {
  let t: ReturnType<typeof tempStore>;
  afterEach(() => t?.cleanup());

  it('equal SQL aggregation of the stored points after random windows (sorted, shuffled, duplicated, overlapping)', () => {
    t = tempStore();
    const put = vi.spyOn((t.store as unknown as { stmts: { hourlyPut: { run: (...a: unknown[]) => unknown } } }).stmts.hourlyPut, 'run');
    const rnd = seededRandom(5012016);
    const T0 = 1_463_702_400;
    const value = (): number | null => {
      const r = rnd();
      if (r < 0.08) return null;
      if (r < 0.1) return NaN; // stored as no data
      if (r < 0.3) return Math.round(rnd() * 1000); // whole numbers
      if (r < 0.5) return (rnd() - 0.5) * 10 ** Math.floor(rnd() * 16 - 4); // wide magnitudes, both signs: the compensated sum matters
      return 0.1 + rnd() * 0.7;
    };
    for (let w = 0; w < 80; w++) {
      const step = [60, 300, 900, 3600][Math.floor(rnd() * 4)]!;
      // most windows bring new hours (the in-JS path); some land on earlier ones (recomputed from the points)
      const from =
        rnd() < 0.7
          ? T0 + w * 30 * 86400 + Math.floor(rnd() * 12) * 300
          : T0 + Math.floor(rnd() * w) * 30 * 86400 + Math.floor(rnd() * 200) * 300;
      const n = 1 + Math.floor(rnd() * 400);
      const series = ['ioda.bgp', 'ioda.ping-slash24', 'ooni.anomaly_rate:facebook.com'].slice(0, 1 + Math.floor(rnd() * 3)).map((name) => {
        const pts: Array<[number, number | null]> = [];
        for (let i = 0; i < n; i++) pts.push([from + i * step, value()]);
        const shape = rnd();
        if (shape < 0.15) pts.reverse();
        else if (shape < 0.25)
          pts.splice(Math.floor(rnd() * n), 0, [from + Math.floor(rnd() * n) * step, value()]); // a duplicate time: last write wins
        else if (shape < 0.3) for (const p of pts) p[1] = null; // all "no data"
        return { signal: { name }, points: pts as PointTuple[] };
      });
      const entity = rnd() < 0.5 ? 'country:KZ' : 'asn:9198';
      t.store.writeWindow({ collector: 'test', entity, from, until: from + n * step + step, series });
      const h0 = from - (from % 3600);
      rollupsMatchPoints(t.store, h0, h0 + (Math.ceil(((n + 1) * step) / 3600) + 1) * 3600);
    }
    rollupsMatchPoints(t.store);
    expect(put.mock.calls.length, 'the in-JS path was exercised').toBeGreaterThan(50);
  });

  it('a second window sharing an hour with the first recomputes that hour from all its points', () => {
    t = tempStore();
    const base = { collector: 'c', entity: 'country:KZ' };
    // 10:00-10:25 then 10:30-10:55: the second window's hour already holds points
    const a: PointTuple[] = Array.from({ length: 6 }, (_, i) => [1463738400 + i * 300, 10 + i]);
    const b: PointTuple[] = Array.from({ length: 6 }, (_, i) => [1463740200 + i * 300, 100 + i]);
    t.store.writeWindow({ ...base, from: 1463738400, until: 1463740200, series: [{ signal: { name: 'ioda.bgp' }, points: a }] });
    t.store.writeWindow({ ...base, from: 1463740200, until: 1463742000, series: [{ signal: { name: 'ioda.bgp' }, points: b }] });
    const sig = t.store.listSignals('country:KZ')[0]!;
    expect(t.store.readRollup(sig.id, 'hourly', 0, 2e9)).toEqual([{ ts: 1463738400, min: 10, mean: (75 + 615) / 12, max: 105, n: 12 }]);
    // and re-collecting part of it with new values replaces them in the rollup
    t.store.writeWindow({
      ...base,
      from: 1463738400,
      until: 1463739000,
      series: [
        {
          signal: { name: 'ioda.bgp' },
          points: [
            [1463738400, 1000],
            [1463738700, null],
          ],
        },
      ],
    });
    expect(t.store.readRollup(sig.id, 'hourly', 0, 2e9)[0]).toMatchObject({ max: 1000, n: 11 });
    rollupsMatchPoints(t.store);
  });
});
