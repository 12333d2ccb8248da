/**
 * One statistical method everywhere (issue 17): the options come from one builder, so `outagewatch correlate`
 * and `outagewatch report` give the same p for the same event under the same configuration; the statistics use
 * the verdict's window to the hour (an all-day Almaty event in 2016, UTC+6, stands for any all-day event in a
 * zone away from UTC); a country listing carries BH q-values, keeps events it cannot assess with a reason, and
 * says when the data behind it is synthetic.
 */
import { sqliteRepositories } from '../../../db/sqlite-repositories.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertEvent } from '../../../db/calendar.js';
import { replaceOutages } from '../../../db/outages.js';
import type { SqliteStore } from '../../../db/store.js';
import type { ProtestEvent } from '../../../core/calendar.js';
import { main } from '../../../services/cli.js';
import { correlateCountry, correlateEvent } from '../../../services/correlator/assemble.js';
import { cachedCountryAsync as cachedCountry } from '../../../services/correlator/cache.js';
import { correlateOptions } from '../../../services/correlator/options.js';
import type { Outage } from '../../../core/outage.js';
import { benjaminiHochberg } from '../../../services/correlator/stats.js';
import { outage as storedOutage } from '../../db/outage-fixture.js';
import { tempStore } from '../../helpers.js';

const H = 3600;
const D = 86400;
const t = (iso: string) => Date.parse(iso) / 1000;

function allDayAlmaty(id: string, localDate: string): ProtestEvent {
  // an all-day event covers its local day: Almaty was UTC+6 in 2016, so 21 May runs 20 May 18:00Z → 21 May 18:00Z
  const start = t(`${localDate}T00:00:00+06:00`);
  return {
    id,
    title: id,
    country: 'KZ',
    places: [],
    start,
    end: start + D,
    tz: 'Asia/Almaty',
    allDay: true,
    kind: 'protest',
    sources: ['https://example.org/'],
    notes: null,
    tags: [],
    origin: 'manual',
    originFile: null,
    originLine: null,
  };
}

/** The tests' stored outage (test/db/outage-fixture.ts) with the depth the correlation reads, and no evidence. */
function outage(start: number, hours: number, depth = 0.8): Outage {
  return storedOutage(start, hours, {
    score: 1000,
    signals: [{ signal: 'ioda.bgp', start, end: start + hours * H, severity: 'critical', depth, score: 1000 }],
    evidence: [],
  });
}

function fill(store: SqliteStore, from: number, until: number, synthetic = false) {
  const points: Array<[number, number]> = [];
  for (let ts = from; ts < until; ts += H) points.push([ts, 100]);
  store.writeWindow({
    collector: 'ioda',
    entity: 'country:KZ',
    from,
    until,
    series: [{ signal: { name: 'ioda.bgp', step: H, ...(synthetic ? { synthetic: true } : {}) }, points }],
  });
}

function capture() {
  let out = '';
  return {
    io: {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: () => true } as unknown as NodeJS.WritableStream,
    },
    out: () => out,
  };
}

describe('the same window for verdict and statistics', () => {
  let env: ReturnType<typeof tempStore>;
  beforeEach(() => (env = tempStore()));
  afterEach(() => env.cleanup());

  it('tests an all-day Almaty event on [start − lead, end + lag) to the hour, not on whole UTC days', async () => {
    const { store } = env;
    upsertEvent(store.db, allDayAlmaty('kz-2016-05-21', '2016-05-21'), 0);
    fill(store, t('2016-03-01T00:00:00Z'), t('2016-08-01T00:00:00Z'));
    // an outage that ends 6 hours before the window opens: inside the old whole-UTC-day window (which opened at
    // 19 May 00:00Z, 18 h early), outside the verdict's window
    replaceOutages(store.db, 'country:KZ', t('2016-03-01T00:00:00Z'), t('2016-08-01T00:00:00Z'), [
      outage(t('2016-05-19T08:00:00Z'), 4, 0.9),
    ]);
    const c = await correlateEvent(sqliteRepositories(store), 'kz-2016-05-21', correlateOptions(undefined));
    expect(c.window).toMatchObject({ from: '2016-05-19T18:00:00Z', until: '2016-05-23T18:00:00Z' });
    expect(c.significance.window).toEqual({ from: c.window.from, until: c.window.until });
    expect((Date.parse(c.significance.window!.until) - Date.parse(c.significance.window!.from)) / 3600e3).toBe(96);
    expect(c.verdict.connectivity).toBe('normal');
    expect(c.outages).toHaveLength(0);
    // the statistic agrees with the verdict: nothing in the window
    expect(c.significance.observed).toBe(0);
    expect(c.p).toBe(1);
  });
});

describe('correlate and report give the same p', () => {
  let env: ReturnType<typeof tempStore>;
  let dir: string;
  beforeEach(() => {
    env = tempStore();
    dir = mkdtempSync(join(tmpdir(), 'ow-consistency-'));
    const { store } = env;
    upsertEvent(store.db, allDayAlmaty('kz-2016-05-21', '2016-05-21'), 0);
    fill(store, t('2016-01-01T00:00:00Z'), t('2016-12-31T00:00:00Z'));
    const outs = [outage(t('2016-05-20T20:00:00Z'), 10, 0.7)];
    for (let k = 0; k < 6; k++) outs.push(outage(t('2016-02-01T00:00:00Z') + k * 37 * D, 6, 0.5 + k * 0.08));
    replaceOutages(store.db, 'country:KZ', t('2016-01-01T00:00:00Z'), t('2016-12-31T00:00:00Z'), outs);
    store.close();
    // a configuration away from the defaults: a report that ignored it would disagree
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ correlator: { lead: '2d', lag: '1d', surrogates: 199, seed: 7 } }));
    process.exitCode = undefined;
  });
  afterEach(() => {
    process.exitCode = undefined;
    env.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('report --event statistics.p equals correlate --event --json p under the configuration', async () => {
    const c1 = capture();
    expect(
      await main(
        [
          '--db',
          env.path,
          '--config',
          join(dir, 'config.json'),
          '--log-level',
          'silent',
          'correlate',
          '--event',
          'kz-2016-05-21',
          '--json',
        ],
        c1.io,
      ),
    ).toBe(0);
    const corr = JSON.parse(c1.out()) as { p: number | null; window: { from: string; leadSeconds: number } };
    expect(corr.window.leadSeconds).toBe(2 * D);
    expect(corr.p).not.toBeNull();
    const c2 = capture();
    expect(
      await main(
        [
          '--db',
          env.path,
          '--config',
          join(dir, 'config.json'),
          '--log-level',
          'silent',
          'report',
          '--event',
          'kz-2016-05-21',
          '--format',
          'json',
          '--out',
          join(dir, 'out'),
        ],
        c2.io,
      ),
    ).toBe(0);
    const file = readdirSync(join(dir, 'out')).find((f) => f.endsWith('.json'))!;
    const rep = JSON.parse(readFileSync(join(dir, 'out', file), 'utf8')) as {
      statistics: { p: number | null; details: { window: { from: string } } };
    };
    expect(rep.statistics.p).toBe(corr.p);
    expect(rep.statistics.details.window.from).toBe(corr.window.from);
  });
});

describe('country listings', () => {
  let env: ReturnType<typeof tempStore>;
  beforeEach(() => (env = tempStore()));
  afterEach(() => env.cleanup());

  it('carry a BH q per assessable event, keep the others with p: null and a reason, and flag synthetic data', async () => {
    const { store } = env;
    const from = t('2019-01-07T00:00:00Z');
    fill(store, from, from + 300 * D, true);
    const outs: Outage[] = [];
    for (let i = 0; i < 8; i++) {
      const ev = allDayAlmaty(`kz-e${i}`, new Date((from + (20 + i * 33) * D) * 1000).toISOString().slice(0, 10));
      upsertEvent(store.db, ev, 0);
      if (i % 2 === 0) outs.push(outage(ev.start + 5 * H, 6, 0.4 + i * 0.05));
    }
    // an event after the data ends: listed, not assessable
    upsertEvent(store.db, allDayAlmaty('kz-late', '2019-12-30'), 0);
    replaceOutages(store.db, 'country:KZ', from, from + 300 * D, outs);
    const c = await correlateCountry(sqliteRepositories(store), 'KZ', {
      ...correlateOptions(undefined),
      B: 99,
      until: t('2020-01-10T00:00:00Z'),
    });
    expect(c.synthetic).toBe(true);
    const late = c.events.find((e) => e.id === 'kz-late')!;
    expect(late.p).toBeNull();
    expect(late.q).toBeNull();
    expect(late.reason).toMatch(/no data/);
    const assessable = c.events.filter((e) => e.p !== null);
    expect(assessable).toHaveLength(8);
    expect(c.eventsFamily).toMatchObject({ correction: 'Benjamini–Hochberg', size: 8 });
    const q = benjaminiHochberg(assessable.map((e) => e.p!));
    assessable.forEach((e, i) => expect(e.q).toBeCloseTo(q[i]!, 6));
    for (const test of c.stats.tests) {
      expect(test.B).toBeGreaterThan(0);
      expect(typeof test.exhaustive).toBe('boolean');
      expect(test.smallestAttainableP).toBeCloseTo(1 / (test.B + 1), 12);
    }
  });

  it('the cached result is the computed one and is recomputed when the data changes', async () => {
    const { store } = env;
    const from = t('2019-01-07T00:00:00Z');
    fill(store, from, from + 200 * D);
    upsertEvent(store.db, allDayAlmaty('kz-a', '2019-03-01'), 0);
    const opts = { ...correlateOptions(undefined), B: 99 };
    const src = sqliteRepositories(store);
    const a = await cachedCountry(src, 'KZ', opts);
    expect(a).toEqual(await correlateCountry(sqliteRepositories(store), 'KZ', opts));
    expect(await cachedCountry(src, 'KZ', opts)).toBe(a);
    upsertEvent(store.db, allDayAlmaty('kz-b', '2019-04-01'), 0);
    const b = await cachedCountry(src, 'KZ', opts);
    expect(b).not.toBe(a);
    expect(b.events.map((e) => e.id)).toEqual(['kz-a', 'kz-b']);
    replaceOutages(store.db, 'country:KZ', from, from + 200 * D, [outage(t('2019-04-01T02:00:00Z'), 3)]);
    expect((await cachedCountry(src, 'KZ', opts)).events[1]!.outages).toBe(1);
  });
});

describe('correlation off the event loop', () => {
  it('the worker thread gives the same document as the synchronous path, and unknown events stay NOT_FOUND', async () => {
    const { cachedCountryAsync, cachedEventAsync, clearCorrelationCache, enableCorrelationWorker } =
      await import('../../../services/correlator/cache.js');
    const env = tempStore();
    try {
      const { store } = env;
      const from = t('2019-01-07T00:00:00Z');
      fill(store, from, from + 120 * D);
      upsertEvent(store.db, allDayAlmaty('kz-w', '2019-03-01'), 0);
      replaceOutages(store.db, 'country:KZ', from, from + 120 * D, [outage(t('2019-03-01T02:00:00Z'), 3)]);
      const opts = { ...correlateOptions(undefined), B: 99 };
      const sync = await correlateCountry(sqliteRepositories(store), 'KZ', opts);
      const src = sqliteRepositories(store);
      enableCorrelationWorker();
      clearCorrelationCache(src.points);
      const viaWorker = await cachedCountryAsync(src, 'KZ', opts);
      expect(viaWorker).toEqual(sync);
      expect(await cachedCountryAsync(src, 'KZ', opts)).toBe(viaWorker);
      expect(await cachedEventAsync(src, 'kz-w', opts)).toEqual(await correlateEvent(sqliteRepositories(store), 'kz-w', opts));
      await expect(cachedEventAsync(src, 'nope', opts)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      enableCorrelationWorker(false);
      env.cleanup();
    }
  }, 60_000);
});
