import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepositories } from '../../../db/open.js';
import type { Repositories } from '../../../db/repositories.js';
import { correlateCountry } from '../../../services/correlator/assemble.js';
import { cachedCountryAsync, cachedEventAsync, enableCorrelationWorker } from '../../../services/correlator/cache.js';
import type { tempStore } from '../../helpers.js';
import { iranStore } from '../detector/iran-store.js';
import { usePostgres } from '../../pg.js';
import { runCli as cli } from '../../cli.js';

const pgt = usePostgres({ database: false });
const REF = join(import.meta.dirname, '..', '..', 'fixtures', 'reference');

// The same database on both backends: the REAL Monash county series of Iran, November 2019 (test/fixtures/monash)
// run through the detector, the shipped protest calendar (the Iranian fuel protests of 15 Nov 2019 among its
// events) and the REAL Access Now #KeepItOn (STOP) list of 2019 as a reference list — built on SQLite, then copied
// into PostgreSQL with `outagewatch db copy`. `correlate` must print the same on both.
describe.skipIf(!pgt.enabled)('`correlate` on PostgreSQL gives what it gives on SQLite (issue 23)', () => {
  let t: ReturnType<typeof tempStore>;
  let url: string;
  beforeAll(async () => {
    t = await iranStore();
    t.store.close();
    expect((await cli(['--db', t.path, 'calendar', 'seed'])).code).toBe(0);
    const ref = await cli(['--db', t.path, 'reference', 'import', join(REF, 'stop_2019.csv'), '--format', 'stop', '--name', 'stop']);
    expect(ref.code, ref.err).toBe(0);
    url = await pgt.createDatabase();
    const copy = await cli(['db', 'copy', t.path, url]);
    expect(copy.code, copy.err).toBe(0);
  });
  afterAll(() => t.cleanup());

  const EVENT = 'ir-2019-11-15-fuel-protests';
  it.each([
    [['--event', EVENT]],
    [['--event', EVENT, '--lead', '2d', '--lag', '3d']],
    [['--event', EVENT, '--outages', 'reference:stop']],
    [['--country', 'IR']],
    [['--country', 'IR', '--from', '2019-11-01', '--until', '2019-12-01']],
    [['--country', 'IR,KZ']],
    [['--country', 'IR', '--outages', 'reference:stop', '--method', 'block-permutation']],
  ])('correlate %j: the same JSON and the same table', async (args: string[]) => {
    const flags = [...args, '--surrogates', '199', '--seed', '7'];
    const a = await cli(['--db', t.path, 'correlate', '--json', ...flags]);
    const b = await cli(['--db', url, 'correlate', '--json', ...flags]);
    expect([a.code, b.code], a.err + b.err).toEqual([0, 0]);
    expect(b.out).toBe(a.out);
    const doc = JSON.parse(a.out) as { verdict?: { label: string }; events?: unknown[] } | Array<{ events: unknown[] }>;
    // not a vacuous comparison: the data is there
    if (Array.isArray(doc)) expect(doc.flatMap((c) => c.events).length).toBeGreaterThan(0);
    else if (doc.verdict) expect(doc.verdict.label).not.toBe('insufficient-data');
    else expect(doc.events!.length).toBeGreaterThan(0);
    const ta = await cli(['--db', t.path, 'correlate', ...flags]);
    const tb = await cli(['--db', url, 'correlate', ...flags]);
    expect(tb.code).toBe(0);
    expect(tb.out).toBe(ta.out);
  });

  it('the national onset of 16 Nov 2019 is found on PostgreSQL too', async () => {
    const b = await cli(['--db', url, 'correlate', '--json', '--event', EVENT, '--surrogates', '99']);
    const c = JSON.parse(b.out) as { verdict: { onset: { entity: string; seconds: number } | null } };
    expect(c.verdict.onset).toMatchObject({ entity: 'country:IR' });
  });

  it('an unknown event or reference list is the same usage error (exit 2) on both', async () => {
    for (const args of [
      ['--event', 'ir-2019-11-15-nope'],
      ['--country', 'IR', '--outages', 'reference:nope'],
    ]) {
      const a = await cli(['--db', t.path, 'correlate', ...args]);
      const b = await cli(['--db', url, 'correlate', ...args]);
      expect([a.code, b.code]).toEqual([2, 2]);
      expect(b.err).toBe(a.err);
    }
  });
});

describe.skipIf(!pgt.enabled)('the correlation cache on PostgreSQL (issue 23)', () => {
  // Two stores on one database stand for two processes: a dashboard holding cached results (`mine`), and a
  // collector or `calendar add` in another process writing (`other`: its own connection pool).
  let t: ReturnType<typeof tempStore>;
  let url: string;
  let mine: Repositories;
  let other: Repositories;
  beforeAll(async () => {
    t = await iranStore();
    t.store.close();
    expect((await cli(['--db', t.path, 'calendar', 'seed'])).code).toBe(0);
    url = await pgt.createDatabase();
    expect((await cli(['db', 'copy', t.path, url])).code).toBe(0);
    mine = await openRepositories(url);
    other = await openRepositories(url);
  });
  afterAll(async () => {
    await mine?.close();
    await other?.close();
    t.cleanup();
  });

  const opts = { B: 99, seed: 3 };

  it('serves a cached result until another process writes points, then computes again', async () => {
    const a = await cachedCountryAsync(mine, 'IR', opts);
    expect(await cachedCountryAsync(mine, 'IR', opts)).toBe(a);
    const [sig] = await other.points.listSignals('country:IR');
    expect(sig).toBeDefined();
    // the collector's next window: one more day of the national series, after the stored history
    const from = Date.parse('2019-12-10T00:00:00Z') / 1000;
    const points: Array<[number, number]> = [];
    for (let h = 0; h < 24; h++) points.push([from + h * 3600, 100]);
    await other.points.writeWindow({
      collector: 'ingest',
      entity: 'country:IR',
      from,
      until: from + 86400,
      series: [{ signal: { name: sig!.name, step: 3600 }, points }],
    });
    const b = await cachedCountryAsync(mine, 'IR', opts);
    expect(b).not.toBe(a);
    expect(b.range!.until).not.toBe(a.range!.until);
    expect(b).toEqual(await correlateCountry(other, 'IR', opts));
  });

  it('caches nothing while another process has an uncommitted change, and moves on once it commits', async () => {
    const before = await mine.points.dataVersion();
    expect(before).not.toBeNull();
    const e = await cachedEventAsync(mine, 'ir-2019-11-15-fuel-protests', opts);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query('BEGIN');
      // a detector in another process replacing outages, not committed yet
      await c.query('UPDATE outages SET score = score WHERE id = (SELECT min(id) FROM outages)');
      expect(await mine.points.dataVersion()).toBeNull();
      // a result computed now could miss that change: it is computed, never served from or kept in the cache
      const during = await cachedEventAsync(mine, 'ir-2019-11-15-fuel-protests', opts);
      expect(during).not.toBe(e);
      expect(during).toEqual(e);
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
    const after = await mine.points.dataVersion();
    expect(after).not.toBeNull();
    expect(after).toBeGreaterThan(before!);
    const again = await cachedEventAsync(mine, 'ir-2019-11-15-fuel-protests', opts);
    expect(again).not.toBe(e);
    expect(await cachedEventAsync(mine, 'ir-2019-11-15-fuel-protests', opts)).toBe(again);
  });

  it('the worker thread computes from the inputs read here: the same documents on PostgreSQL, no database opened there', async () => {
    const o = { B: 49, seed: 11 };
    const direct = await correlateCountry(mine, 'IR', o);
    enableCorrelationWorker();
    try {
      expect(await cachedCountryAsync(mine, 'IR', o)).toEqual(direct);
      await expect(cachedEventAsync(mine, 'ir-2019-11-15-nope', o)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      enableCorrelationWorker(false);
    }
  });

  it('the calendar, detected outages and reference lists move the data version, as on SQLite', async () => {
    let v = (await mine.points.dataVersion())!;
    const ev = (await other.calendar.getEvent('ir-2019-11-15-fuel-protests'))!;
    await other.calendar.upsertEvent({ ...ev, title: `${ev.title} (edited)` }, 1);
    const v1 = (await mine.points.dataVersion())!;
    expect(v1).toBeGreaterThan(v);
    v = v1;
    await other.reference.upsertReferenceOutages(
      'mine',
      'csv',
      null,
      [
        {
          list: 'mine',
          naturalKey: 'ir-2019-11-16',
          country: 'IR',
          start: Date.parse('2019-11-16T00:00:00Z') / 1000,
          end: null,
          kind: 'connectivity',
          scope: 'national',
          scopeRaw: 'National',
          scopeDetail: null,
          area: null,
          cause: null,
          services: [],
          source: null,
          originFile: null,
          originLine: null,
          raw: null,
        },
      ],
      { rejected: 0 },
    );
    const v2 = (await mine.points.dataVersion())!;
    expect(v2).toBeGreaterThan(v);
    const outs = await other.outages.listOutages({ entity: 'country:IR' });
    await other.outages.replaceOutages('country:IR', 0, 2e9, outs);
    expect((await mine.points.dataVersion())!).toBeGreaterThan(v2);
  });
});
