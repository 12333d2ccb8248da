/**
 * Every rollup row knows when its minimum and maximum happened (migration 0105): min_ts / max_ts are the time of
 * the FIRST raw point holding the row's min / max, whichever write path made the row (the in-JS hourly fast path,
 * the SQL recomputation of a window's first and last hour, windows written out of order or over stored points),
 * and the migration's backfill of an existing database gives the same times. Stands for IODA's 5-minute BGP series
 * of a country with short blackouts (a one-point dip is the row's minimum), flat stretches (ties: the first point
 * wins), stored nulls and a source outage (a day without points).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { PointTuple, SqliteStore } from '../../db/store.js';
import { seededRandom, tempStore } from '../helpers.js';

const T0 = Date.UTC(2019, 7, 1) / 1000;
const DAY = 86400;
const TABLES = [
  ['points_hourly', 3600],
  ['points_6h', 21600],
  ['points_daily', 86400],
] as const;

type Row = { signal_id: number; ts: number; min: number | null; max: number | null; min_ts: number | null; max_ts: number | null };

/** For every rollup row: the first stored point holding its min and max, found in JS from the raw points. */
function mismatches(store: SqliteStore): string[] {
  const pts = store.db
    .prepare<[], { signal_id: number; ts: number; value: number | null }>('SELECT signal_id, ts, value FROM points ORDER BY 1, 2')
    .all();
  const out: string[] = [];
  for (const [table, width] of TABLES) {
    const rows = store.db.prepare<[], Row>(`SELECT signal_id, ts, min, max, min_ts, max_ts FROM ${table} ORDER BY 1, 2`).all();
    expect(rows.length).toBeGreaterThan(0);
    let i = 0;
    for (const r of rows) {
      let minTs: number | null = null;
      let maxTs: number | null = null;
      let min: number | null = null;
      let max: number | null = null;
      while (i < pts.length && (pts[i]!.signal_id < r.signal_id || (pts[i]!.signal_id === r.signal_id && pts[i]!.ts < r.ts))) i++;
      for (let j = i; j < pts.length && pts[j]!.signal_id === r.signal_id && pts[j]!.ts < r.ts + width; j++) {
        const v = pts[j]!.value;
        if (v === null) continue;
        if (min === null || v < min) [min, minTs] = [v, pts[j]!.ts];
        if (max === null || v > max) [max, maxTs] = [v, pts[j]!.ts];
      }
      if (r.min !== min || r.max !== max || r.min_ts !== minTs || r.max_ts !== maxTs)
        out.push(
          `${table} ${r.signal_id}@${r.ts}: min ${r.min}@${r.min_ts} max ${r.max}@${r.max_ts}, points say ${min}@${minTs} ${max}@${maxTs}`,
        );
    }
  }
  return out;
}

/** A BGP-like 5-minute series: flat level (ties), ±0.2 % noise, blackouts to 10 %, stored nulls and a day with no points. */
function series(seed: number, from: number, until: number): PointTuple[] {
  const rnd = seededRandom(seed);
  const pts: PointTuple[] = [];
  for (let ts = from; ts < until; ts += 300) {
    if (ts >= T0 + 3 * DAY && ts < T0 + 4 * DAY) continue; // source outage
    const r = rnd();
    const dark = (ts - T0) % (2 * DAY) >= 13 * 3600 && (ts - T0) % (2 * DAY) < 13 * 3600 + 900; // 15-minute blackout every other day
    pts.push([ts, r < 0.01 ? null : dark ? 120 : r < 0.5 ? 1200 : Math.round(1200 * (0.998 + 0.004 * rnd()))]);
  }
  return pts;
}

describe('rollup rows carry the times of their extremes', () => {
  let t: ReturnType<typeof tempStore> | undefined;
  afterEach(() => t?.cleanup());

  it('whatever path wrote them: fast path, partial first/last hours, out-of-order and overlapping windows', () => {
    t = tempStore();
    const signal = { name: 'ioda.bgp', step: 300 };
    const write = (from: number, until: number, points: PointTuple[]) =>
      t!.store.writeWindow({ collector: 'ioda', entity: 'country:KZ', from, until, series: [{ signal, points }] });
    const all = series(7, T0, T0 + 8 * DAY);
    // windows that do not start on the hour (their first and last hours are shared with the neighbours)
    const cut = [T0, T0 + DAY + 1500, T0 + 2 * DAY + 3900, T0 + 5 * DAY];
    for (let k = 0; k + 1 < cut.length; k++)
      write(
        cut[k]!,
        cut[k + 1]!,
        all.filter(([ts]) => ts >= cut[k]! && ts < cut[k + 1]!),
      );
    // a window with its points shuffled (no fast path), and a rewrite of stored points with new values (a lower dip)
    const rnd = seededRandom(3);
    const late = all.filter(([ts]) => ts >= T0 + 5 * DAY);
    for (let i = late.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [late[i], late[j]] = [late[j]!, late[i]!];
    }
    write(T0 + 5 * DAY, T0 + 8 * DAY, late);
    write(T0 + DAY, T0 + DAY + 7200, [
      [T0 + DAY + 600, 5],
      [T0 + DAY + 4200, 5],
    ]);
    // a second signal in the same tables (rows are per signal)
    t.store.writeWindow({
      collector: 'ioda',
      entity: 'country:KZ',
      from: T0,
      until: T0 + 8 * DAY,
      series: [{ signal: { name: 'ioda.merit-nt', step: 300 }, points: series(8, T0, T0 + 8 * DAY) }],
    });
    expect(mismatches(t.store)).toEqual([]);
    // the blackout of day 1 is the daily row's minimum, at the time of its first point
    const day1 = t.store.db
      .prepare<[], Row>(
        `SELECT min, min_ts FROM points_daily WHERE ts = ${T0 + 2 * DAY} AND signal_id = (SELECT id FROM signals WHERE name = 'ioda.bgp')`,
      )
      .get()!;
    expect(day1).toMatchObject({ min: 120, min_ts: T0 + 2 * DAY + 13 * 3600 });
  });

  it('the migration backfills the same times into rows written before it', () => {
    t = tempStore();
    t.store.writeWindow({
      collector: 'ioda',
      entity: 'country:KZ',
      from: T0,
      until: T0 + 6 * DAY,
      series: [{ signal: { name: 'ioda.bgp', step: 300 }, points: series(11, T0, T0 + 6 * DAY) }],
    });
    const read = () =>
      TABLES.map(([table]) => t!.store.db.prepare(`SELECT signal_id, ts, min_ts, max_ts FROM ${table} ORDER BY 1, 2`).all());
    const written = read();
    for (const [table] of TABLES) t.store.db.exec(`UPDATE ${table} SET min_ts = NULL, max_ts = NULL`);
    const sql = readFileSync(new URL('../../db/migrations/0105-rollup-extreme-times.sql', import.meta.url), 'utf8');
    // the migration's statements after its ALTERs (the columns exist already here)
    t.store.db.exec(
      sql
        .split('\n')
        .filter((l) => !/^\s*ALTER TABLE/.test(l))
        .join('\n'),
    );
    expect(read()).toEqual(written);
    expect(mismatches(t.store)).toEqual([]);
  });
});
