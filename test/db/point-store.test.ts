import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPointStore } from '../../db/open.js';
import type { PointStore } from '../../db/repository.js';
import { SqlitePointStore } from '../../db/repository.js';
import { PgPointStore } from '../../db/postgres/store.js';
import { loadPgMigrations, migratePg } from '../../db/postgres/migrate.js';
import { ensurePartitions, partitionsBetween } from '../../db/postgres/partitions.js';
import type { PointTuple, WindowWrite } from '../../db/store.js';
import { seededRandom, tempDir } from '../helpers.js';
import { usePostgres } from '../pg.js';

// The same store tests on SQLite and on a real PostgreSQL 15 (issue 23): points, idempotent re-writes, rollups,
// checkpoints, runs, meta. PostgreSQL runs on the private test cluster (test/pg-global-setup.ts); without it these
// are skipped locally and fail under REQUIRE_PG=1.

const pgt = usePostgres({ database: false });

interface Backend {
  name: 'sqlite' | 'postgres';
  enabled: boolean;
  /** A fresh, empty store. */
  open(): Promise<PointStore>;
  /** Rows in a table of a store opened here. */
  count(store: PointStore, table: string): Promise<number>;
}

const dirs: Array<ReturnType<typeof tempDir>> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    enabled: true,
    async open() {
      const d = tempDir();
      dirs.push(d);
      return openPointStore(`${d.dir}/test.db`);
    },
    async count(store, table) {
      return ((store as SqlitePointStore).store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    },
  },
  {
    name: 'postgres',
    enabled: pgt.enabled,
    async open() {
      return openPointStore(await pgt.createDatabase());
    },
    async count(store, table) {
      const r = await (store as PgPointStore).pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
      return r.rows[0]!.n;
    },
  },
];

const KZ_2016 = 1463702400; // 2016-05-20 00:00 UTC, the eve of the Kazakhstan land protests (the demo's case)

function window(points: readonly PointTuple[], extra: Partial<WindowWrite> = {}): WindowWrite {
  return {
    collector: 'test',
    entity: 'country:KZ',
    from: KZ_2016,
    until: KZ_2016 + 7200,
    series: [{ signal: { name: 'ioda.bgp', step: 300 }, points }],
    ...extra,
  };
}

for (const b of BACKENDS) {
  describe.skipIf(!b.enabled)(`the core store on ${b.name}`, () => {
    let store: PointStore;
    beforeAll(async () => {
      store = await b.open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('names its backend and version', async () => {
      expect(store.backend).toBe(b.name);
      expect(await store.serverVersion()).toMatch(b.name === 'sqlite' ? /^SQLite 3\.\d+/ : /^PostgreSQL 1[5-9]/);
      expect(await store.schemaVersion()).toBeGreaterThan(0);
    });

    it('writes points, rollups and a checkpoint; re-writing the same window keeps the same rows', async () => {
      const pts = Array.from({ length: 24 }, (_, i) => [KZ_2016 + i * 300, i === 5 ? null : 100 + i] as const);
      const w = window(pts);
      expect(await store.writeWindow(w)).toEqual({ points: 24, events: 0 });
      const before = await Promise.all(
        ['points', 'points_hourly', 'points_6h', 'points_daily', 'checkpoints', 'signals', 'entities'].map((t) => b.count(store, t)),
      );
      expect(before).toEqual([24, 2, 1, 1, 1, 1, 1]);
      await store.writeWindow(w);
      const after = await Promise.all(
        ['points', 'points_hourly', 'points_6h', 'points_daily', 'checkpoints', 'signals', 'entities'].map((t) => b.count(store, t)),
      );
      expect(after).toEqual(before);
      const sig = (await store.listSignals('country:KZ'))[0]!;
      expect(sig).toMatchObject({ entity: 'country:KZ', name: 'ioda.bgp', source: 'ioda', metric: 'bgp', step: 300, synthetic: false });
      const read = await store.readPoints(sig.id, 0, 2e9);
      expect(read).toHaveLength(24);
      expect(read[5]!.value).toBeNull();
      expect(read[0]).toEqual({ ts: KZ_2016, value: 100 });
      const hourly = await store.readRollup(sig.id, 'hourly', 0, 2e9);
      expect(hourly).toEqual([
        {
          ts: KZ_2016,
          min: 100,
          mean: (100 + 101 + 102 + 103 + 104 + 106 + 107 + 108 + 109 + 110 + 111) / 11,
          max: 111,
          n: 11,
          minTs: KZ_2016,
          maxTs: KZ_2016 + 11 * 300,
        },
        { ts: KZ_2016 + 3600, min: 112, mean: 117.5, max: 123, n: 12, minTs: KZ_2016 + 12 * 300, maxTs: KZ_2016 + 23 * 300 },
      ]);
      // a day's and a block's extremes happened at the times the hourly rows holding them say
      const extremes = { ts: KZ_2016, min: 100, max: 123, n: 23, minTs: KZ_2016, maxTs: KZ_2016 + 23 * 300 };
      expect((await store.readRollup(sig.id, 'daily', 0, 2e9))[0]).toMatchObject(extremes);
      expect((await store.readRollup(sig.id, '6h', 0, 2e9))[0]).toMatchObject(extremes);
      expect(await store.checkpoints()).toEqual([
        expect.objectContaining({
          collector: 'test',
          entity: 'country:KZ',
          signal: 'ioda.bgp',
          from: KZ_2016,
          until: KZ_2016 + 7200,
          status: 'ok',
        }),
      ]);
      const series = await store.readSeries(sig.id, 'hourly', KZ_2016, KZ_2016 + 3600);
      expect(series).toEqual({ ts: [KZ_2016], lo: [100], hi: [111], mean: [hourly[0]!.mean], loTs: [KZ_2016], hiTs: [KZ_2016 + 11 * 300] });
      const raw = await store.readSeries(sig.id, 'raw', KZ_2016, KZ_2016 + 900);
      const rawPoints = await store.readPoints(sig.id, KZ_2016, KZ_2016 + 900);
      const values = rawPoints.map((p) => p.value);
      const times = rawPoints.map((p) => p.ts);
      expect(raw).toEqual({ ts: times, lo: values, hi: values, mean: values, loTs: times, hiTs: times });
      expect(raw.ts).toHaveLength(3);
      expect(await store.signalExtent(sig.id)).toEqual({ first: KZ_2016, last: KZ_2016 + 23 * 300 });
    });

    it('reads points as typed columns and streams them in batches, signal after signal, in time order', async () => {
      // what a report scans (readColumns) and what `report --full-csv` streams (iteratePoints), on one stored signal
      // and a second one written here (a null in each, pages smaller than the data so batches split)
      const sig = (await store.listSignals('country:KZ'))[0]!;
      const other = window(
        Array.from({ length: 7 }, (_, i) => [KZ_2016 + i * 600, i === 3 ? null : i] as const),
        {
          series: [
            {
              signal: { name: 'ioda.ping-slash24', step: 600 },
              points: Array.from({ length: 7 }, (_, i) => [KZ_2016 + i * 600, i === 3 ? null : i] as const),
            },
          ],
        },
      );
      await store.writeWindow(other);
      const sig2 = (await store.listSignals('country:KZ')).find((s) => s.name === 'ioda.ping-slash24')!;
      const cols = await store.readColumns(sig.id, KZ_2016 + 300, KZ_2016 + 3600);
      const pts = await store.readPoints(sig.id, KZ_2016 + 300, KZ_2016 + 3600);
      expect(cols.length).toBe(11);
      expect([...cols.ts]).toEqual(pts.map((p) => p.ts));
      expect([...cols.values]).toEqual(pts.map((p) => (p.value === null ? Number.NaN : p.value)));
      expect(Number.isNaN(cols.values[4]!)).toBe(true); // the stored null at KZ_2016 + 1500
      expect((await store.readColumns(sig.id, 0, 1)).length).toBe(0);
      const batches: Array<{ signalId: number; rows: Array<[number, number | null]> }> = [];
      for await (const batch of store.iteratePoints([sig2.id, sig.id], KZ_2016, KZ_2016 + 7200, 5)) batches.push(batch);
      expect(batches.map((x) => [x.signalId, x.rows.length])).toEqual([
        [sig2.id, 5],
        [sig2.id, 2],
        [sig.id, 5],
        [sig.id, 5],
        [sig.id, 5],
        [sig.id, 5],
        [sig.id, 4],
      ]);
      expect(batches.slice(0, 2).flatMap((x) => x.rows)).toEqual(
        Array.from({ length: 7 }, (_, i) => [KZ_2016 + i * 600, i === 3 ? null : i]),
      );
      expect(batches.slice(2).flatMap((x) => x.rows)).toEqual((await store.readPoints(sig.id, 0, 2e9)).map((p) => [p.ts, p.value]));
    });

    it('a later window changing a value recomputes that hour, day and block', async () => {
      const sig = (await store.listSignals('country:KZ'))[0]!;
      await store.writeWindow(window([[KZ_2016 + 300, 5]], { from: KZ_2016, until: KZ_2016 + 600 }));
      const dip = { min: 5, minTs: KZ_2016 + 300 };
      expect((await store.readRollup(sig.id, 'hourly', KZ_2016, KZ_2016 + 1))[0]).toMatchObject({ ...dip, max: 111, n: 11 });
      expect((await store.readRollup(sig.id, 'daily', 0, 2e9))[0]).toMatchObject({ ...dip, n: 23, maxTs: KZ_2016 + 23 * 300 });
      expect((await store.readRollup(sig.id, '6h', 0, 2e9))[0]).toMatchObject({ ...dip, n: 23 });
    });

    it('merges checkpoint intervals and reports what is still uncovered', async () => {
      const base = { collector: 'c', entity: 'country:UZ', series: [{ signal: { name: 'ioda.bgp' }, points: [] as PointTuple[] }] };
      await store.writeWindow({ ...base, from: 0, until: 100 });
      await store.writeWindow({ ...base, from: 200, until: 300 });
      expect(await store.uncovered('c', 'country:UZ', 'ioda.bgp', 0, 400)).toEqual([
        [100, 200],
        [300, 400],
      ]);
      await store.writeWindow({ ...base, from: 100, until: 200 });
      expect((await store.checkpoints({ collector: 'c' })).map((c) => [c.from, c.until])).toEqual([[0, 300]]);
      // a later "no data" answer cuts the ok interval rather than overlapping it
      await store.writeWindow({ ...base, from: 50, until: 60, coverage: [{ signal: 'ioda.bgp', status: 'no-data' }] });
      expect((await store.checkpoints({ collector: 'c' })).map((c) => [c.from, c.until, c.status])).toEqual([
        [0, 50, 'ok'],
        [50, 60, 'no-data'],
        [60, 300, 'ok'],
      ]);
    });

    it('a failure mid-window leaves neither points, rollups, signal nor checkpoint; the store works afterwards', async () => {
      const s = await b.open();
      try {
        const bad = [
          [1000, 1],
          [1300, 2],
          [1600.5, 3],
        ] as const;
        await expect(
          s.writeWindow({
            collector: 'c',
            entity: 'country:KZ',
            from: 0,
            until: 3600,
            series: [
              { signal: { name: 'ioda.ping-slash24' }, points: [[1000, 1]] },
              { signal: { name: 'ioda.bgp' }, points: bad },
            ],
          }),
        ).rejects.toThrow(/whole seconds/);
        // a database error in the middle of the transaction (after points were written): nothing stays
        await expect(
          s.writeWindow({
            collector: 'c',
            entity: 'country:KZ',
            from: 0,
            until: 3600,
            series: [{ signal: { name: 'ioda.bgp' }, points: [[1000, 1]] }],
            coverage: [{ signal: 'ioda.bgp', status: 'bad' as 'ok' }],
          }),
        ).rejects.toThrow();
        const counts = await Promise.all(['points', 'points_hourly', 'points_daily', 'checkpoints', 'signals'].map((t) => b.count(s, t)));
        expect(counts).toEqual([0, 0, 0, 0, 0]);
        await s.writeWindow({
          collector: 'c',
          entity: 'country:KZ',
          from: 0,
          until: 3600,
          series: [{ signal: { name: 'ioda.bgp' }, points: [[1000, 1]] }],
        });
        expect(await b.count(s, 'points')).toBe(1);
        expect(await b.count(s, 'signals')).toBe(1);
      } finally {
        await s.close();
      }
    });

    it('stores source events, raw responses, runs and meta', async () => {
      const r = await store.writeWindow({
        ...window([]),
        collector: 'ioda-events',
        series: [],
        sourceEvents: [
          {
            source: 'ioda',
            externalId: 'ev-1',
            entity: 'country:KZ',
            start: KZ_2016,
            end: KZ_2016 + 3600,
            kind: 'outage',
            title: 'BGP drop',
            score: 12.5,
            raw: { id: 'ev-1', nested: [1, 2] },
          },
        ],
        raw: [
          {
            source: 'ioda',
            url: 'https://api.ioda.inetintel.cc.gatech.edu/v2/outages/events',
            fetchedAt: KZ_2016,
            status: 200,
            body: '{"data":[]}',
          },
        ],
        coverage: [{ signal: '*', status: 'ok' }],
      });
      expect(r).toEqual({ points: 0, events: 1 });
      const events = await store.listSourceEvents({ entity: 'country:KZ', from: KZ_2016 });
      expect(events).toEqual([
        expect.objectContaining({
          source: 'ioda',
          externalId: 'ev-1',
          entity: 'country:KZ',
          start: KZ_2016,
          end: KZ_2016 + 3600,
          kind: 'outage',
          score: 12.5,
          raw: { id: 'ev-1', nested: [1, 2] },
        }),
      ]);
      expect(await store.listSourceEvents({ until: KZ_2016 })).toEqual([]);
      expect(await b.count(store, 'raw_responses')).toBe(1);

      const id = await store.startRun('collect:ioda', 'ioda', { windows: 3 });
      expect((await store.getRun(id))!).toMatchObject({ status: 'running', job: 'collect:ioda', details: { windows: 3 } });
      await store.finishRun(id, { status: 'partial', rows: 10, windowsOk: 2, windowsFailed: 1, error: 'HTTP 503' });
      expect((await store.recentRuns({ collector: 'ioda' }))[0]).toMatchObject({
        id,
        status: 'partial',
        rows: 10,
        windowsOk: 2,
        windowsFailed: 1,
        error: 'HTTP 503',
        details: { windows: 3 },
      });
      const stale = await store.startRun('detect');
      expect(await store.markInterruptedRuns(() => true)).toBe(1);
      expect((await store.getRun(stale))!.status).toBe('interrupted');

      expect(await store.getMeta('k')).toBeNull();
      await store.setMeta('k', 'v1');
      await store.setMeta('k', 'v2');
      expect(await store.getMeta('k')).toBe('v2');
    });

    it('entities keep a name given once; signals keep their provenance', async () => {
      await store.ensureEntity('asn:9198', { name: 'JSC Kazakhtelecom', country: 'KZ' });
      await store.ensureEntity('asn:9198');
      const e = (await store.listEntities()).find((x) => x.entity === 'asn:9198');
      expect(e).toMatchObject({ name: 'JSC Kazakhtelecom', country: 'KZ' });
      const id = await store.ensureSignal('asn:9198', {
        name: 'ripestat.visibility',
        provenance: { label: 'BGP visibility', axis: 'connectivity' },
      });
      const sig = (await store.listSignals('asn:9198')).find((s) => s.id === id)!;
      expect(sig.provenance).toMatchObject({ label: 'BGP visibility', axis: 'connectivity' });
    });
  });
}

/** The same signals, points, rollups (means up to summation order) and checkpoints on SQLite and PostgreSQL. */
async function sameAsSqlite(sqlite: PointStore, pgs: PointStore): Promise<void> {
  const a = await sqlite.listSignals();
  const b = await pgs.listSignals();
  expect(b.map((s) => [s.entity, s.name])).toEqual(a.map((s) => [s.entity, s.name]));
  for (let i = 0; i < a.length; i++) {
    expect(await pgs.readPoints(b[i]!.id, 0, 2e9)).toEqual(await sqlite.readPoints(a[i]!.id, 0, 2e9));
    for (const res of ['hourly', '6h', 'daily'] as const) {
      const ra = await sqlite.readRollup(a[i]!.id, res, 0, 2e9);
      const rb = await pgs.readRollup(b[i]!.id, res, 0, 2e9);
      expect(rb.map((r) => [r.ts, r.min, r.max, r.n, r.minTs, r.maxTs])).toEqual(
        ra.map((r) => [r.ts, r.min, r.max, r.n, r.minTs, r.maxTs]),
      );
      for (let k = 0; k < ra.length; k++) {
        if (ra[k]!.mean === null) expect(rb[k]!.mean).toBeNull();
        else expect(Math.abs(rb[k]!.mean! - ra[k]!.mean!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(ra[k]!.mean!)));
      }
    }
  }
  expect(await pgs.checkpoints()).toEqual((await sqlite.checkpoints()).map((c) => ({ ...c, updatedAt: expect.any(Number) as number })));
}

describe.skipIf(!pgt.enabled)('SQLite and PostgreSQL give the same results', () => {
  it('random windows (shuffled, duplicated, overlapping, null and NaN values): equal points, equal rollups (means up to summation order)', async () => {
    const sqlite = await BACKENDS[0]!.open();
    const pgs = await BACKENDS[1]!.open();
    try {
      const rnd = seededRandom(2316);
      const base = Date.UTC(2019, 11, 30) / 1000; // spans a month and a year boundary: several partitions
      for (let w = 0; w < 12; w++) {
        const from = base + Math.floor((rnd() * 6 * 86400) / 300) * 300 + (rnd() < 0.3 ? 17 : 0);
        const n = 1 + Math.floor(rnd() * 200);
        const pts: PointTuple[] = [];
        for (let i = 0; i < n; i++) {
          const ts = from + i * 300;
          const r = rnd();
          pts.push([ts, r < 0.1 ? null : r < 0.15 ? Number.NaN : Math.round(rnd() * 1e6) / 100 - 2000]);
          if (rnd() < 0.05) pts.push([ts, rnd() * 10]); // the same time twice: the last wins
        }
        if (rnd() < 0.5) pts.sort(() => rnd() - 0.5);
        const ww: WindowWrite = {
          collector: 'x',
          entity: w % 2 ? 'country:IR' : 'asn:12880',
          from,
          until: from + n * 300,
          series: [{ signal: { name: w % 3 ? 'ioda.bgp' : 'ioda.merit-nt' }, points: pts }],
        };
        await sqlite.writeWindow(ww);
        await pgs.writeWindow(ww);
      }
      await sameAsSqlite(sqlite, pgs);
    } finally {
      await sqlite.close();
      await pgs.close();
    }
  });
  it('large windows (COPY path), re-written by a second writer and overlapping by hours: equal points and rollups on both', async () => {
    // A backfill's shape: day-long windows of 5-minute points for two signals (the COPY path on PostgreSQL), then a
    // second process (its own store: it does not know what the first wrote) re-writing overlapping windows with
    // changed values (its COPY meets stored points and the window goes the upsert way), and windows starting
    // mid-day (their days hold points already; their hours may not). The first days keep the rollups computed from
    // the window's own points; later days mix both ways.
    const sqlite = await BACKENDS[0]!.open();
    const pgs = await BACKENDS[1]!.open();
    const url = (pgs as PgPointStore).pool.options.connectionString!;
    const pg2 = await openPointStore(url);
    try {
      const rnd = seededRandom(2325);
      const base = Date.UTC(2024, 1, 27) / 1000; // across the end of February: two monthly partitions
      const windows: WindowWrite[] = [];
      for (let w = 0; w < 14; w++) {
        const from = base + (w < 6 ? w * 86400 : 3 * 86400 + Math.floor(rnd() * 6 * 48) * 1800 + (rnd() < 0.3 ? 17 : 0));
        const n = w < 6 ? 288 : 100 + Math.floor(rnd() * 400);
        const series = ['ioda.bgp', 'ioda.ping-slash24'].map((name) => {
          const pts: PointTuple[] = [];
          for (let i = 0; i < n; i++) {
            const r = rnd();
            pts.push([from + i * 300, r < 0.05 ? null : Math.round(rnd() * 1e6) / 100 - 2000]);
          }
          return { signal: { name }, points: pts };
        });
        windows.push({ collector: 'ioda', entity: 'country:UG', from, until: from + n * 300, series });
      }
      for (const [i, ww] of windows.entries()) {
        await sqlite.writeWindow(ww);
        await (i >= 6 && i % 2 ? pg2 : pgs).writeWindow(ww);
      }
      await sameAsSqlite(sqlite, pgs);
    } finally {
      await sqlite.close();
      await pgs.close();
      await pg2.close();
    }
  });
});

describe.skipIf(!pgt.enabled)('window writes on PostgreSQL: the all-COPY way and its fallbacks', () => {
  // A backfill writes whole days of new points: PostgreSQL takes them, their rollup rows and checkpoints by COPY in
  // one round trip (db/postgres/store.ts freshWindowSql). These tests check what must stay true around that way:
  // the same rows as SQLite when another writer already holds rows in the window's days, nothing left after a
  // failure inside the query, and checkpoints merged for every signal at once as SQLite merges them one by one.
  const day = Date.UTC(2024, 2, 3) / 1000;
  const series = (from: number, n: number, rnd: () => number, names = ['ioda.bgp', 'ioda.ping-slash24']) =>
    names.map((name) => ({
      signal: { name, step: 300 },
      points: Array.from({ length: n }, (_, i): PointTuple => [from + i * 300, rnd() < 0.05 ? null : Math.round(rnd() * 1e6) / 100]),
    }));

  it('a window of new points in a day another writer already holds rows of: its rollup rows meet stored ones, and the window is upserted to the same rows as SQLite', async () => {
    // two collectors splitting one day between them (leases hand out half-day windows): the second writer's
    // points are all new, its hours too, but the day (and the 6-hour block at the seam) already hold rollup rows
    const sqlite = await BACKENDS[0]!.open();
    const pgs = await BACKENDS[1]!.open();
    const other = await openPointStore((pgs as PgPointStore).pool.options.connectionString!);
    try {
      const rnd = seededRandom(2350);
      const windows: WindowWrite[] = [
        { collector: 'ioda', entity: 'country:SD', from: day, until: day + 15 * 3600, series: series(day, 180, rnd) },
        { collector: 'ioda', entity: 'country:SD', from: day + 15 * 3600, until: day + 86400, series: series(day + 15 * 3600, 108, rnd) },
        { collector: 'ioda', entity: 'country:SD', from: day + 86400, until: day + 2 * 86400, series: series(day + 86400, 288, rnd) },
      ];
      for (const [i, w] of windows.entries()) {
        await sqlite.writeWindow(w);
        await (i === 1 ? other : pgs).writeWindow(w);
      }
      // the fallback wrote the second window whole: its hours by the caller's rows, the shared day and block recomputed
      await sameAsSqlite(sqlite, pgs);
      const sig = (await pgs.listSignals('country:SD'))[0]!;
      expect((await pgs.readRollup(sig.id, 'daily', day, day + 1))[0]!.n).toBe(
        windows[0]!.series[0]!.points.filter((p) => p[1] !== null).length +
          windows[1]!.series[0]!.points.filter((p) => p[1] !== null).length,
      );
    } finally {
      await sqlite.close();
      await pgs.close();
      await other.close();
    }
  });

  it('a failure inside the one-round-trip query (after the COPYs) leaves no point, rollup, signal or checkpoint; the store works afterwards', async () => {
    const pgs = await BACKENDS[1]!.open();
    try {
      const rnd = seededRandom(2351);
      const w: WindowWrite = { collector: 'ioda', entity: 'country:ET', from: day, until: day + 86400, series: series(day, 288, rnd) };
      // a status the checkpoints table refuses: the checkpoint statement fails after every COPY went in
      await expect(pgs.writeWindow({ ...w, coverage: [{ signal: 'ioda.bgp', status: 'bad' as 'ok' }] })).rejects.toThrow(/check/i);
      const count = async (t: string) =>
        (await (pgs as PgPointStore).pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${t}`)).rows[0]!.n;
      expect(await Promise.all(['points', 'points_hourly', 'points_6h', 'points_daily', 'checkpoints', 'signals'].map(count))).toEqual([
        0, 0, 0, 0, 0, 0,
      ]);
      // known signals this time (no BEGIN before the query): the same
      await pgs.ensureSignal('country:ET', { name: 'ioda.bgp', step: 300 });
      await pgs.ensureSignal('country:ET', { name: 'ioda.ping-slash24', step: 300 });
      await expect(pgs.writeWindow({ ...w, coverage: [{ signal: 'ioda.bgp', status: 'bad' as 'ok' }] })).rejects.toThrow(/check/i);
      expect(await Promise.all(['points', 'points_hourly', 'points_6h', 'points_daily', 'checkpoints'].map(count))).toEqual([
        0, 0, 0, 0, 0,
      ]);
      await pgs.writeWindow(w);
      expect(await Promise.all(['points', 'points_hourly', 'points_6h', 'points_daily', 'checkpoints'].map(count))).toEqual([
        576, 48, 8, 2, 2,
      ]);
      // the same window again: nothing changes (it meets its own rows and is upserted)
      await pgs.writeWindow(w);
      expect(await Promise.all(['points', 'points_hourly', 'points_6h', 'points_daily', 'checkpoints'].map(count))).toEqual([
        576, 48, 8, 2, 2,
      ]);
    } finally {
      await pgs.close();
    }
  });

  it("checkpoints of every signal of a window merged at once equal SQLite's one-by-one merging (statuses, overlaps, a signal listed twice)", async () => {
    const sqlite = await BACKENDS[0]!.open();
    const pgs = await BACKENDS[1]!.open();
    const other = await openPointStore((pgs as PgPointStore).pool.options.connectionString!);
    try {
      const rnd = seededRandom(2352);
      const names = ['ioda.bgp', 'ioda.ping-slash24', 'ioda.merit-nt'];
      const win = (from: number, n: number): WindowWrite => ({
        collector: 'ioda',
        entity: 'country:CM',
        from,
        until: from + n * 300,
        series: series(from, n, rnd, names),
        coverage: names.map((signal) => ({ signal, status: rnd() < 0.4 ? ('no-data' as const) : ('ok' as const) })),
      });
      // another process wrote days 1, 3 and 5 first; then this one backfills days 0-6 in order (the new days go the
      // all-COPY way, their checkpoints merging with or cutting the neighbours'); then windows shifted by hours and
      // days written again, by either process, one listing a signal twice (the later status wins)
      const plan: Array<[PointStore, WindowWrite]> = [];
      for (const d of [1, 3, 5]) plan.push([other, win(day + d * 86400, 288)]);
      for (let d = 0; d < 7; d++) plan.push([pgs, win(day + d * 86400, 288)]);
      for (let k = 0; k < 8; k++) {
        const w = win(day + Math.floor(rnd() * 7) * 86400 + Math.floor(rnd() * 24) * 3600, rnd() < 0.5 ? 288 : 100);
        if (k === 3) w.coverage!.push({ signal: 'ioda.bgp', status: 'no-data' });
        plan.push([k % 2 ? other : pgs, w]);
      }
      for (const [target, w] of plan) {
        await sqlite.writeWindow(w);
        await target.writeWindow(w);
      }
      await sameAsSqlite(sqlite, pgs);
      expect((await pgs.checkpoints()).some((c) => c.status === 'no-data')).toBe(true);
    } finally {
      await sqlite.close();
      await pgs.close();
      await other.close();
    }
  });
});

describe.skipIf(!pgt.enabled)('PostgreSQL schema', () => {
  it('several processes opening a fresh database at once apply each migration once (advisory lock)', async () => {
    const url = await pgt.createDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => PgPointStore.open(url, { max: 1 })));
    try {
      const r = await stores[0]!.pool.query<{ version: number; n: number }>(
        'SELECT version, count(*) OVER () AS n FROM schema_migrations ORDER BY version',
      );
      expect(r.rows.length).toBeGreaterThan(0);
      expect(r.rows.map((x) => x.version)).toEqual([...new Set(r.rows.map((x) => x.version))]);
      for (const s of stores) expect(await s.schemaVersion()).toBe(r.rows.at(-1)!.version);
    } finally {
      for (const s of stores) await s.close();
    }
  });

  it('points are range-partitioned by month, created on demand for the months a window touches, also by concurrent writers', async () => {
    const url = await pgt.createDatabase();
    const stores = await Promise.all([PgPointStore.open(url), PgPointStore.open(url)]);
    try {
      const jan31 = Date.UTC(2022, 0, 31, 22) / 1000;
      const pts: PointTuple[] = Array.from({ length: 48 }, (_, i) => [jan31 + i * 300, i]); // crosses into February
      await Promise.all(
        stores.map((s, i) =>
          s.writeWindow({
            collector: `c${i}`,
            entity: `country:${i ? 'BY' : 'KZ'}`,
            from: jan31,
            until: jan31 + 48 * 300,
            series: [{ signal: { name: 'ioda.bgp' }, points: pts }],
          }),
        ),
      );
      const parts = await stores[0]!.pool.query<{ child: string; parent: string }>(
        "SELECT c.relname AS child, p.relname AS parent FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname IN ('points', 'points_hourly') ORDER BY 1",
      );
      expect(parts.rows).toEqual([
        { child: 'points_hourly_y2022', parent: 'points_hourly' },
        { child: 'points_p202201', parent: 'points' },
        { child: 'points_p202202', parent: 'points' },
      ]);
      const inFeb = await stores[0]!.pool.query<{ n: number }>('SELECT count(*) AS n FROM points_p202202');
      expect(inFeb.rows[0]!.n).toBe(2 * 24);
    } finally {
      for (const s of stores) await s.close();
    }
  });

  it('the schema is Citus-ready: points and rollups keyed by signal_id, no foreign keys on them', async () => {
    const s = await PgPointStore.open(await pgt.createDatabase());
    try {
      const pk = await s.pool.query<{ rel: string; def: string }>(
        "SELECT c.relname AS rel, pg_get_constraintdef(x.oid) AS def FROM pg_constraint x JOIN pg_class c ON c.oid = x.conrelid WHERE x.contype = 'p' AND c.relname IN ('points', 'points_hourly', 'points_6h', 'points_daily') ORDER BY 1",
      );
      expect(pk.rows.map((r) => [r.rel, r.def])).toEqual(
        ['points', 'points_6h', 'points_daily', 'points_hourly'].map((t) => [t, 'PRIMARY KEY (signal_id, ts)']),
      );
      const fks = await s.pool.query(
        "SELECT conname FROM pg_constraint x JOIN pg_class c ON c.oid = x.conrelid WHERE x.contype = 'f' AND c.relname LIKE 'points%'",
      );
      expect(fks.rows).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('applies a migration numbered below the newest applied one when it arrives later (numbers are handed out in blocks)', async () => {
    // a database migrated by a program whose migrations were all but one with a low number (a line of work that
    // landed later): the next program applies that one. A migration of its own here, so that no real migration
    // that depends on an earlier one is left out.
    const url = await pgt.createDatabase();
    const all = loadPgMigrations();
    expect(all.length).toBeGreaterThanOrEqual(3);
    const gap = { version: 4, name: '0004-arrived-late.sql', sql: 'CREATE TABLE arrived_late (x integer)' };
    expect(all.some((m) => m.version === gap.version)).toBe(false);
    const withGap = [...all, gap].sort((x, y) => x.version - y.version);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await migratePg(c, all);
      const before = (await c.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map(
        (r) => r.version,
      );
      expect(before).not.toContain(gap.version);
      expect(before.at(-1)).toBe(all.at(-1)!.version);
      expect(await migratePg(c, withGap)).toEqual([gap.name]);
      const after = (await c.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map(
        (r) => r.version,
      );
      expect(after).toEqual(withGap.map((m) => m.version));
      expect((await c.query("SELECT to_regclass('arrived_late') AS t")).rows[0].t).toBe('arrived_late');
      expect(await migratePg(c, withGap)).toEqual([]);
    } finally {
      await c.end();
    }
  });

  it('migration 0045 fills min_ts / max_ts of rollup rows written before it, as SQLite computes them', async () => {
    // a database written by the previous version (rollups without extreme times), then upgraded
    const url = await pgt.createDatabase();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const sqlite = await BACKENDS[0]!.open();
    const pgs = { store: null as PgPointStore | null };
    try {
      const all = loadPgMigrations();
      await migratePg(
        c,
        all.filter((m) => m.version < 45),
      );
      const rnd = seededRandom(45);
      const pts: PointTuple[] = [];
      for (let t = KZ_2016; t < KZ_2016 + 2 * 86400; t += 300) pts.push([t, rnd() < 0.05 ? null : Math.floor(rnd() * 20)]); // ties on purpose
      await sqlite.writeWindow(window(pts, { from: KZ_2016, until: KZ_2016 + 2 * 86400 }));
      await ensurePartitions(
        c,
        [...partitionsBetween('points', KZ_2016, KZ_2016 + 2 * 86400), ...partitionsBetween('points_hourly', KZ_2016, KZ_2016 + 2 * 86400)],
        new Set(),
      );
      await c.query("INSERT INTO entities (type, code) VALUES ('country', 'KZ')");
      await c.query("INSERT INTO signals (entity_id, name, source, metric) SELECT id, 'ioda.bgp', 'ioda', 'bgp' FROM entities");
      await c.query(
        'INSERT INTO points (signal_id, ts, value) SELECT (SELECT id FROM signals), t, v FROM unnest($1::bigint[], $2::float8[]) AS u(t, v)',
        [pts.map((p) => p[0]), pts.map((p) => p[1])],
      );
      await c.query(
        'INSERT INTO points_hourly (signal_id, ts, min, mean, max, n, sum) SELECT signal_id, ts / 3600 * 3600, min(value), avg(value), max(value), count(value), sum(value) FROM points GROUP BY 1, 2',
      );
      for (const [table, size] of [
        ['points_6h', 21600],
        ['points_daily', 86400],
      ] as const)
        await c.query(
          `INSERT INTO ${table} (signal_id, ts, min, mean, max, n, sum) SELECT signal_id, ts / ${size} * ${size}, min(min), sum(sum) / nullif(sum(n), 0), max(max), sum(n), sum(sum) FROM points_hourly GROUP BY 1, 2`,
        );
      pgs.store = await PgPointStore.open(url); // applies 0045
      const a = (await sqlite.listSignals())[0]!;
      const b = (await pgs.store.listSignals())[0]!;
      for (const res of ['hourly', '6h', 'daily'] as const) {
        const ra = await sqlite.readRollup(a.id, res, 0, 2e9);
        const rb = await pgs.store.readRollup(b.id, res, 0, 2e9);
        expect(ra.length).toBeGreaterThan(0);
        expect(rb.map((r) => [r.ts, r.min, r.max, r.minTs, r.maxTs])).toEqual(ra.map((r) => [r.ts, r.min, r.max, r.minTs, r.maxTs]));
      }
    } finally {
      await c.end();
      await sqlite.close();
      await pgs.store?.close();
    }
  });

  it('refuses a database whose schema is newer than this program', async () => {
    const url = await pgt.createDatabase();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(
      'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    await c.query("INSERT INTO schema_migrations (version, name) VALUES (9999, '9999-future.sql')");
    await c.end();
    await expect(PgPointStore.open(url)).rejects.toThrow(/schema version 9999 is newer than this outagewatch/);
  });
});
