import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPointStore } from '../../db/open.js';
import type { PointStore } from '../../db/repository.js';
import type { PointTuple } from '../../db/store.js';
import { seededRandom, tempDir } from '../helpers.js';
import { usePostgres } from '../pg.js';

// The batched reads pages use instead of one query per row (issue 21: the overview counted each calendar event's
// daily values signal by signal, /api/entities read each signal's first and last point on its own): on SQLite and
// PostgreSQL they give what the per-signal reads give, and both backends give the same for the same data.

const pgt = usePostgres({ database: false });
const dirs: Array<ReturnType<typeof tempDir>> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

const DAY = 86400;
const FROM = Date.UTC(2016, 3, 1) / 1000;

/** Three countries' signals over 40 days, with gaps of whole days and stored nulls (seeded). */
async function seed(store: PointStore): Promise<number[]> {
  const rnd = seededRandom(2116);
  for (const cc of ['KZ', 'BY', 'IR']) {
    const series = ['ioda.bgp', 'ioda.ping-slash24', 'ioda.merit-nt'].map((name, k) => {
      const points: PointTuple[] = [];
      const start = FROM + Math.floor(rnd() * 5) * DAY + k * 3600;
      for (let ts = start; ts < FROM + 40 * DAY; ts += 1800) {
        if (Math.floor((ts - FROM) / DAY) % 7 === (k + cc.length) % 7) continue; // a day without data each week
        points.push([ts, rnd() < 0.05 ? null : Math.round(rnd() * 1000) / 10]);
      }
      return { signal: { name, step: 1800 }, points };
    });
    await store.writeWindow({ collector: 'ioda', entity: `country:${cc}`, from: FROM, until: FROM + 40 * DAY, series });
  }
  // a signal with no points at all
  await store.ensureSignal('country:KZ', { name: 'ooni.anomaly_rate:example.org', step: DAY });
  return (await store.listSignals()).map((s) => s.id);
}

interface Answer {
  extents: Array<[number, { first: number | null; last: number | null }]>;
  counts: Array<Array<[number, number]>>;
}

async function answers(store: PointStore, ids: number[]): Promise<{ batched: Answer; single: Answer }> {
  const rnd = seededRandom(7);
  const asked = [...ids, 999_999, ids[0]!]; // an unknown id, and one asked twice
  const windows = Array.from({ length: 40 }, (_, i) => {
    const from = FROM + Math.floor(rnd() * 45 * DAY) - 2 * DAY;
    return {
      signalIds: i % 9 === 0 ? [] : ids.filter(() => rnd() < 0.6),
      from,
      until: from + Math.floor(rnd() * 6 * DAY),
    };
  });
  const batchedExtents = await store.signalExtents(asked);
  const batchedCounts = await store.dailyValueCounts(windows);
  const single: Answer = { extents: [], counts: [] };
  for (const id of asked) single.extents.push([id, await store.signalExtent(id)]);
  for (const w of windows) {
    const m: Array<[number, number]> = [];
    for (const id of w.signalIds) m.push([id, (await store.readRollup(id, 'daily', w.from, w.until)).reduce((sum, r) => sum + r.n, 0)]);
    single.counts.push(m);
  }
  return {
    batched: {
      extents: asked.map((id) => [id, batchedExtents.get(id)!]),
      counts: batchedCounts.map((m) => [...m]),
    },
    single,
  };
}

const BACKENDS = [
  {
    name: 'sqlite',
    enabled: true,
    open: async () => {
      const d = tempDir();
      dirs.push(d);
      return openPointStore(`${d.dir}/test.db`);
    },
  },
  { name: 'postgres', enabled: pgt.enabled, open: async () => openPointStore(await pgt.createDatabase()) },
];

const results = new Map<string, Answer>();

for (const b of BACKENDS) {
  describe.skipIf(!b.enabled)(`batched page reads on ${b.name}`, () => {
    let store: PointStore;
    let ids: number[];
    beforeAll(async () => {
      store = await b.open();
      ids = await seed(store);
    });
    afterAll(async () => {
      await store?.close();
    });

    it('signalExtents and dailyValueCounts give what the per-signal reads give, in one query each', async () => {
      const { batched, single } = await answers(store, ids);
      expect(batched).toEqual(single);
      // not vacuous: signals with and without points, windows with and without values
      expect(batched.extents.some(([, x]) => x.first !== null)).toBe(true);
      expect(batched.extents.filter(([, x]) => x.first === null)).toHaveLength(2);
      expect(batched.counts.flat().some(([, n]) => n > 0)).toBe(true);
      expect(batched.counts.flat().some(([, n]) => n === 0)).toBe(true);
      expect(batched.counts.some((m) => m.length === 0)).toBe(true);
      results.set(b.name, batched);
    });

    it('empty asks give empty answers', async () => {
      expect(await store.signalExtents([])).toEqual(new Map());
      expect(await store.dailyValueCounts([])).toEqual([]);
    });
  });
}

describe.skipIf(!pgt.enabled)('the batched reads on both backends', () => {
  it('give the same answers for the same data', () => {
    const sqlite = results.get('sqlite');
    const postgres = results.get('postgres');
    expect(sqlite).toBeDefined();
    expect(postgres).toEqual(sqlite);
  });
});
