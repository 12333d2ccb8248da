import { afterEach, describe, expect, it } from 'vitest';
import { tempStore } from '../helpers.js';

describe('store windows', () => {
  let t: ReturnType<typeof tempStore>;
  afterEach(() => t?.cleanup());

  it('writes points, rollups and a checkpoint; re-writing the same window keeps the same rows', () => {
    t = tempStore();
    const pts = Array.from({ length: 24 }, (_, i) => [1463702400 + i * 300, i === 5 ? null : 100 + i] as const);
    const w = {
      collector: 'test',
      entity: 'country:KZ',
      from: 1463702400,
      until: 1463702400 + 7200,
      series: [{ signal: { name: 'ioda.bgp', step: 300 }, points: pts }],
    };
    expect(t.store.writeWindow(w)).toEqual({ points: 24, events: 0 });
    t.store.writeWindow(w);
    const sig = t.store.listSignals('country:KZ')[0]!;
    expect(t.store.readPoints(sig.id, 0, 2e9)).toHaveLength(24);
    expect(t.store.readPoints(sig.id, 0, 2e9)[5]!.value).toBeNull();
    const hourly = t.store.readRollup(sig.id, 'hourly', 0, 2e9);
    expect(hourly).toHaveLength(2);
    expect(hourly[0]).toMatchObject({ ts: 1463702400, min: 100, max: 111, n: 11 });
    const daily = t.store.readRollup(sig.id, 'daily', 0, 2e9);
    expect(daily[0]!.n).toBe(23);
    expect(t.store.checkpoints()).toEqual([
      expect.objectContaining({
        collector: 'test',
        entity: 'country:KZ',
        signal: 'ioda.bgp',
        from: 1463702400,
        until: 1463709600,
        status: 'ok',
      }),
    ]);
  });

  it('merges checkpoint intervals and reports what is still uncovered', () => {
    t = tempStore();
    const base = { collector: 'c', entity: 'country:KZ', series: [{ signal: { name: 'ioda.bgp' }, points: [] }] };
    t.store.writeWindow({ ...base, from: 0, until: 100 });
    t.store.writeWindow({ ...base, from: 200, until: 300 });
    expect(t.store.uncovered('c', 'country:KZ', 'ioda.bgp', 0, 400)).toEqual([
      [100, 200],
      [300, 400],
    ]);
    t.store.writeWindow({ ...base, from: 100, until: 200 });
    expect(t.store.checkpoints().map((c) => [c.from, c.until])).toEqual([[0, 300]]);
    // a later "no data" answer cuts the ok interval rather than overlapping it
    t.store.writeWindow({ ...base, from: 50, until: 60, coverage: [{ signal: 'ioda.bgp', status: 'no-data' }] });
    expect(t.store.checkpoints().map((c) => [c.from, c.until, c.status])).toEqual([
      [0, 50, 'ok'],
      [50, 60, 'no-data'],
      [60, 300, 'ok'],
    ]);
  });

  it('a failure mid-window leaves neither points, rollups nor checkpoint', () => {
    t = tempStore();
    const bad = [
      [1000, 1],
      [1300, 2],
      [1600.5, 3],
    ] as const;
    expect(() =>
      t.store.writeWindow({
        collector: 'c',
        entity: 'country:KZ',
        from: 0,
        until: 3600,
        series: [{ signal: { name: 'ioda.bgp' }, points: bad }],
      }),
    ).toThrow(/whole seconds/);
    const count = (table: string) => (t.store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect([count('points'), count('points_hourly'), count('points_daily'), count('checkpoints'), count('signals')]).toEqual([
      0, 0, 0, 0, 0,
    ]);
    // the store still works afterwards (no stale cached ids)
    t.store.writeWindow({
      collector: 'c',
      entity: 'country:KZ',
      from: 0,
      until: 3600,
      series: [{ signal: { name: 'ioda.bgp' }, points: [[1000, 1]] }],
    });
    expect(count('points')).toBe(1);
  });
});
