/**
 * Points packed per signal and day (migration 0106, db/packed.ts) are what detection reads (`readColumns`): they
 * must always equal the `points` table, whatever the collections wrote — windows out of order, overlapping windows
 * that revise stored values (IODA re-sends its last hours), a time given twice in one window (the later wins, as
 * the upsert), stored nulls, NaN, -0, windows across UTC midnight, points before 1970 — and a window that fails
 * leaves them as they were. A database with points from before the migration is packed when opened for writing.
 */
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../db/migrate.js';
import { readPackedGrid, readPackedSource } from '../../db/packed.js';
import { SqliteStore, type PointTuple } from '../../db/store.js';
import { toGrid } from '../../services/detector/series.js';
import { tempDir, tempStore } from '../helpers.js';

const DAY = 86400;
const T0 = Date.UTC(2019, 10, 14) / 1000;

/** readColumns over [from, until) against the `points` table, value for value (NaN for null). */
function expectColumnsEqualPoints(store: SqliteStore, id: number, from: number, until: number): void {
  const expected = store.readPoints(id, from, until);
  const c = store.readColumns(id, from, until);
  expect(c.length).toBe(expected.length);
  expect(Array.from(c.ts)).toEqual(expected.map((p) => p.ts));
  expect(Array.from(c.values)).toEqual(expected.map((p) => (p.value === null ? Number.NaN : p.value)));
}

const value = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom<number | null>(null, Number.NaN, -0, 0) },
);

/** A collection window: points on a 5-minute grid (some off it), maybe shuffled, maybe a time given twice. */
const windowArb = fc.record({
  start: fc.integer({ min: -3 * 288, max: 6 * 288 }),
  count: fc.integer({ min: 1, max: 400 }),
  values: fc.array(value, { minLength: 400, maxLength: 400 }),
  offGrid: fc.boolean(),
  shuffle: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: null }),
  repeat: fc.boolean(),
});

type WindowSpec = typeof windowArb extends fc.Arbitrary<infer T> ? T : never;

/** Writes a generated collection window (`windowArb`) of ioda.bgp points for country:KZ. */
function writeWindowArb(store: SqliteStore, w: WindowSpec, offset = 17): void {
  const pts: PointTuple[] = [];
  for (let i = 0; i < w.count; i++) pts.push([T0 + (w.start + i) * 300 + (w.offGrid && i % 7 === 3 ? offset : 0), w.values[i]!]);
  if (w.repeat) pts.push([pts[0]![0], 4242]);
  if (w.shuffle !== null) {
    let x = w.shuffle;
    for (let i = pts.length - 1; i > 0; i--) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const j = x % (i + 1);
      [pts[i], pts[j]] = [pts[j]!, pts[i]!];
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of pts) {
    lo = Math.min(lo, p[0]);
    hi = Math.max(hi, p[0]);
  }
  store.writeWindow({
    collector: 'x',
    entity: 'country:KZ',
    from: lo,
    until: hi + 300,
    series: [{ signal: { name: 'ioda.bgp', step: 300 }, points: pts }],
  });
}

describe('points packed per day (what detection reads)', () => {
  let t: ReturnType<typeof tempStore> | undefined;
  let d: ReturnType<typeof tempDir> | undefined;
  afterEach(() => {
    t?.cleanup();
    d?.cleanup();
    t = undefined;
    d = undefined;
  });

  it('equal the points table after any sequence of windows, over any range', () => {
    fc.assert(
      fc.property(
        fc.array(windowArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: -4 * DAY, max: 9 * DAY }), { minLength: 2, maxLength: 6 }),
        (windows, cuts) => {
          const s = tempStore();
          try {
            for (const w of windows) writeWindowArb(s.store, w);
            const id = s.store.listSignals('country:KZ')[0]!.id;
            expectColumnsEqualPoints(s.store, id, -1e12, 1e12);
            const sorted = cuts.map((c) => T0 + c).sort((a, b) => a - b);
            for (let i = 0; i + 1 < sorted.length; i++) expectColumnsEqualPoints(s.store, id, sorted[i]! - 0.5, sorted[i + 1]!);
          } finally {
            s.cleanup();
          }
        },
      ),
      { seed: 1060106, numRuns: 60 },
    );
  });

  it('points before 1970 and a single point: packed and read back', () => {
    t = tempStore();
    const pts: PointTuple[] = [
      [-DAY - 300, 1],
      [-DAY, 2],
      [-1, null],
      [0, 3],
    ];
    t.store.writeWindow({
      collector: 'x',
      entity: 'country:KZ',
      from: -DAY - 300,
      until: 300,
      series: [{ signal: { name: 'ioda.bgp' }, points: pts }],
    });
    t.store.writeWindow({
      collector: 'x',
      entity: 'country:KZ',
      from: T0,
      until: T0 + 300,
      series: [{ signal: { name: 'ioda.bgp' }, points: [[T0, 5]] }],
    });
    const id = t.store.listSignals('country:KZ')[0]!.id;
    expectColumnsEqualPoints(t.store, id, -1e12, 1e12);
    expectColumnsEqualPoints(t.store, id, -DAY, 0);
  });

  it('a window that fails leaves the packed days as they were (one transaction)', () => {
    t = tempStore();
    const pts: PointTuple[] = [];
    for (let ts = T0; ts < T0 + DAY; ts += 300) pts.push([ts, 100]);
    t.store.writeWindow({
      collector: 'x',
      entity: 'country:KZ',
      from: T0,
      until: T0 + DAY,
      series: [{ signal: { name: 'ioda.bgp', step: 300 }, points: pts }],
    });
    const id = t.store.listSignals('country:KZ')[0]!.id;
    const before = t.store.readColumns(id, -1e12, 1e12);
    const beforeValues = Array.from(before.values);
    expect(() =>
      t!.store.writeWindow({
        collector: 'x',
        entity: 'country:KZ',
        from: T0,
        until: T0 + DAY,
        series: [
          { signal: { name: 'ioda.bgp', step: 300 }, points: pts.map(([ts]) => [ts, 1] as PointTuple) },
          // a later series with a bad time: the whole window is rejected
          { signal: { name: 'ioda.merit-nt', step: 300 }, points: [[T0 + 0.5, 1]] },
        ],
      }),
    ).toThrow(/not whole seconds/);
    expect(Array.from(t.store.readColumns(id, -1e12, 1e12).values)).toEqual(beforeValues);
    expectColumnsEqualPoints(t.store, id, -1e12, 1e12);
  });

  it('a database with points from before the migration: read from points until packed, packed when opened for writing', () => {
    d = tempDir();
    const path = join(d.dir, 'old.db');
    // a database at schema 0105 holding points (as written before 0106)
    const raw = new Database(path);
    migrate(
      raw,
      loadMigrations().filter((m) => m.version <= 105),
    );
    raw.prepare("INSERT INTO entities (id, type, code) VALUES (1, 'country', 'KZ')").run();
    raw.prepare("INSERT INTO signals (id, entity_id, name, source, metric, step) VALUES (7, 1, 'ioda.bgp', 'ioda', 'bgp', 300)").run();
    const ins = raw.prepare('INSERT INTO points (signal_id, ts, value) VALUES (7, ?, ?)');
    for (let ts = T0 - DAY / 2; ts < T0 + 2 * DAY; ts += 300) ins.run(ts, ts % 3600 === 0 ? null : (ts % 977) / 10);
    raw.close();
    // read-only: nothing can be packed, the points are read from `points`
    const migrated = new Database(path);
    migrate(migrated);
    migrated.close();
    const ro = SqliteStore.open(path, { readonly: true });
    expect(ro.db.prepare('SELECT count(*) FROM points_packed').pluck().get()).toBe(0);
    expectColumnsEqualPoints(ro, 7, -1e12, 1e12);
    ro.close();
    // opening for writing packs the signal; a window written afterwards is merged into its days
    const s = SqliteStore.open(path);
    try {
      expect(s.db.prepare('SELECT count(*) FROM points_unpacked').pluck().get()).toBe(0);
      expect(s.db.prepare('SELECT count(*) FROM points_packed').pluck().get()).toBe(3);
      expectColumnsEqualPoints(s, 7, -1e12, 1e12);
      s.writeWindow({
        collector: 'x',
        entity: 'country:KZ',
        from: T0 + DAY - 3600,
        until: T0 + DAY + 3600,
        series: [
          {
            signal: { name: 'ioda.bgp', step: 300 },
            points: [
              [T0 + DAY - 300, 1],
              [T0 + DAY + 60, 2],
            ],
          },
        ],
      });
      expectColumnsEqualPoints(s, 7, -1e12, 1e12);
      expectColumnsEqualPoints(s, 7, T0 + DAY - 300, T0 + DAY + 61);
      // packing again from the points (what `db copy` does on its target) gives the same blobs
      const blobs = s.db.prepare('SELECT day, hex(data) FROM points_packed ORDER BY day').raw(true).all();
      expect(s.repackPoints()).toBe(1);
      expect(s.db.prepare('SELECT day, hex(data) FROM points_packed ORDER BY day').raw(true).all()).toEqual(blobs);
    } finally {
      s.close();
    }
  });
});

describe("another thread's read of a signal's packed points (a detection's judging threads)", () => {
  it('gives what readColumns gives, knows about how many points there are, and follows the file at the path', () => {
    const t = tempStore();
    try {
      const write = (store: SqliteStore, level: number, days: number) => {
        const pts: PointTuple[] = [];
        for (let i = 0; i < days * 288; i++) pts.push([T0 + i * 300, i % 97 === 0 ? null : level + (i % 7)]);
        store.writeWindow({
          collector: 'test',
          entity: 'country:KZ',
          from: T0,
          until: T0 + days * DAY,
          series: [{ signal: { name: 'ioda.bgp', step: 300 }, points: pts }],
        });
      };
      write(t.store, 1000, 3);
      const id = t.store.listSignals('country:KZ')[0]!.id;
      const source = t.store.columnsSource(id)!;
      const mine = t.store.readColumns(id, -1e12, 1e12);
      // the daily rollup's count: the points with a value
      expect(source.points).toBe(Array.from(mine.values).filter((v) => !Number.isNaN(v)).length);
      const theirs = readPackedSource(source, -1e12, 1e12);
      expect(Array.from(theirs.ts)).toEqual(Array.from(mine.ts));
      expect(Array.from(theirs.values)).toEqual(Array.from(mine.values));
      expect(Array.from(readPackedSource(source, T0 + DAY + 1, T0 + 2 * DAY).ts)).toEqual(
        Array.from(t.store.readColumns(id, T0 + DAY + 1, T0 + 2 * DAY).ts),
      );
      // a later write is seen (read-only connection, committed data)
      write(t.store, 2000, 4);
      expect(readPackedSource(source, -1e12, 1e12).values[1]).toBe(2001);
      // another database put at the same path (a restore): read from it, not from the file the connection had open
      t.store.close();
      const other = join(t.dir, 'other.db');
      const s2 = SqliteStore.open(other);
      write(s2, 5000, 1);
      s2.close();
      renameSync(other, t.path);
      rmSync(`${t.path}-wal`, { force: true });
      rmSync(`${t.path}-shm`, { force: true });
      expect(readPackedSource(source, -1e12, 1e12).values[1]).toBe(5001);
      expect(readPackedSource(source, -1e12, 1e12).length).toBe(288);
    } finally {
      t.cleanup();
    }
  });

  it("put straight on a grid: the detector's grid of the same points (toGrid), whatever the step and the points", () => {
    // what a judging thread reads when the signal's step is known: points off the grid (half a step off rounds
    // up, as toGrid's Math.round does), two points on one step (the later wins), gaps, nulls, a coarser or odd step
    fc.assert(
      fc.property(
        fc.array(windowArb, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(17, 150, 151, 299),
        fc.constantFrom(300, 600, 450, 7, 86400),
        (windows, offset, step) => {
          const s = tempStore();
          try {
            for (const w of windows) writeWindowArb(s.store, w, offset);
            const source = s.store.columnsSource(s.store.listSignals('country:KZ')[0]!.id)!;
            const cols = readPackedSource(source, -1e12, 1e12);
            const want = toGrid(cols.ts, cols.values, step);
            const got = readPackedGrid(source, step);
            expect([got.start, got.step, got.length, got.first, got.last]).toEqual([
              want.start,
              want.step,
              cols.length,
              cols.ts[0],
              cols.ts[cols.length - 1],
            ]);
            expect(Array.from(got.values)).toEqual(Array.from(want.values));
          } finally {
            s.cleanup();
          }
        },
      ),
      { seed: 1090030, numRuns: 40 },
    );
  });

  it('is not offered for an in-memory database', () => {
    const store = SqliteStore.open(':memory:');
    try {
      store.writeWindow({
        collector: 'test',
        entity: 'country:KZ',
        from: T0,
        until: T0 + 3600,
        series: [{ signal: { name: 'ioda.bgp', step: 300 }, points: [[T0, 1]] }],
      });
      expect(store.columnsSource(store.listSignals('country:KZ')[0]!.id)).toBeNull();
    } finally {
      store.close();
    }
  });
});
