import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listOutages } from '../../../db/outages.js';
import { openRepositories } from '../../../db/open.js';
import type { PointTuple } from '../../../db/store.js';
import { detectorConfigFrom } from '../../../services/detector/config.js';
import { judgingOf } from '../../../services/detector/detect.js';
import { judgeSignal, type SignalJob } from '../../../services/detector/judge.js';
import { JudgePool, judgePool } from '../../../services/detector/pool.js';
import { detectAndStore, type DetectResult } from '../../../services/detector/run.js';
import { configSchema } from '../../../services/program-config.js';
import { tempStore } from '../../helpers.js';
import { usePostgres } from '../../pg.js';
import { T0, traffic } from './traffic.js';

/**
 * Judging level signals in worker threads (issue 21: a ten-year detection reads one signal while the threads judge
 * the others) gives what judging them on the main thread gives.
 *
 * SYNTHETIC series standing for real cases: `ioda.merit-nt`, 5-minute, a country's darknet traffic with a daily swing
 * and a blackout of hours (Kazakhstan, January 2022); `ioda.bgp`, 5-minute, routed prefixes without a swing, falling
 * in the same blackout; `ioda.gtr:YOUTUBE`, hourly, a Google product with daily and weekly cycles, then throttled by
 * 30 % (Twitter in Russia, March 2021: a degradation, which needs the day levels the threads send back).
 */
const cfg = detectorConfigFrom(undefined);
const DAYS = 60;
const pgt = usePostgres({ database: false });

/** The series as one stored collection window of country:KZ. */
function storedWindow() {
  return {
    collector: 'test',
    entity: 'country:KZ',
    from: T0,
    until: T0 + DAYS * 86400,
    series: series().map((s) => {
      const pts: PointTuple[] = [];
      s.series.values.forEach((v, i) => pts.push([s.series.start + i * s.series.step, Number.isNaN(v) ? null : v]));
      return { signal: { name: s.name, step: s.series.step, synthetic: true }, points: pts };
    }),
  };
}

function series() {
  const merit = traffic({ seed: 11, days: DAYS, step: 300, night: 0.4, noise: 0.03, gaps: 8, level: 4000 });
  const bgp = traffic({ seed: 12, days: DAYS, step: 300, noise: 0.002, gaps: 3, level: 1200 });
  const yt = traffic({ seed: 13, days: DAYS, step: 3600, night: 0.3, weekend: 0.8, noise: 0.05, gaps: 4, level: 800 });
  // the blackout: day 45, 06:00–11:00 UTC
  for (const s of [merit, bgp]) for (let i = (45 * 86400 + 6 * 3600) / 300; i < (45 * 86400 + 11 * 3600) / 300; i++) s.values[i]! *= 0.1;
  // and a second one still going at the last point (an open outage: provisional, detected again next time)
  for (const s of [merit, bgp]) for (let i = s.values.length - 30; i < s.values.length; i++) s.values[i]! *= 0.1;
  for (let i = 50 * 24; i < yt.values.length; i++) yt.values[i]! *= 0.7;
  return [
    { name: 'ioda.merit-nt', series: merit },
    { name: 'ioda.bgp', series: bgp },
    { name: 'ioda.gtr:YOUTUBE', series: yt },
  ];
}

const pools: JudgePool[] = [];
afterAll(async () => {
  for (const p of pools) await p.close();
});

describe('judging signals in worker threads', () => {
  it('gives the judgement the main thread gives, from the start and from a stored state, and fails as it would', async () => {
    const pool = new JudgePool(2);
    pools.push(pool);
    const jobs: SignalJob[] = [];
    for (const s of series()) {
      const how = judgingOf({ name: s.name }, cfg)!;
      // from the start, with the points as read (columns): put on the grid in the thread
      const ts = new Float64Array(s.series.values.length);
      for (let i = 0; i < ts.length; i++) ts[i] = s.series.start + i * s.series.step;
      jobs.push({ ...how, prev: null, points: { ts, values: s.series.values.slice(), step: s.series.step } });
      // resumed: the first 40 days judged, the rest from the state at their checkpoint (crosses to the thread)
      const cut = Math.round((40 * 86400) / s.series.step);
      const first = judgeSignal({ ...how, prev: null, points: { series: { ...s.series, values: s.series.values.slice(0, cut) } } });
      expect(first.state).not.toBeNull();
      const st = first.state!;
      const rest = { start: st.anchor + st.next * st.step, step: st.step, values: s.series.values.slice(st.next) };
      jobs.push({ ...how, prev: st, points: { series: rest } });
    }
    // inline first: the pool takes the arrays (transferred)
    const inline = jobs.map((j) => judgeSignal(structuredClone(j)));
    const threaded = await Promise.all(jobs.map((j) => pool.judge(j)));
    expect(threaded).toEqual(inline);
    // the throttling is found from the day levels, the blackout on both 5-minute signals, and the outage still going
    // at the last point is open (provisional)
    expect(inline.filter((j) => j.history.signal === 'ioda.gtr:YOUTUBE' && (j.degradation ?? []).length > 0).length).toBeGreaterThan(0);
    const blackout = (e: { start: number }) => e.start >= T0 + 45 * 86400 && e.start < T0 + 46 * 86400;
    expect(inline.filter((j) => j.committed.some(blackout)).length).toBeGreaterThanOrEqual(2);
    expect(inline.filter((j) => j.provisional.some((e) => e.open)).length).toBeGreaterThanOrEqual(2);
    // handed over, not copied
    expect(jobs[0]!.points).toMatchObject({ ts: { length: 0 } });
    // a job that fails in a thread rejects with its error, one that cannot be sent (its arrays handed over) too;
    // the pool goes on
    const fresh = series()[0]!;
    const how = judgingOf({ name: fresh.name }, cfg)!;
    await expect(pool.judge({ ...how, rule: undefined as never, prev: null, points: { series: series()[0]!.series } })).rejects.toThrow(
      /undefined/,
    );
    // (Node 20 sends it and the thread cannot read it; Node 24 refuses to send it: a DataCloneError either way)
    await expect(pool.judge(jobs[0]!)).rejects.toThrow(/could not be read|unsupported type|detached/);
    expect(await pool.judge({ ...how, prev: null, points: { series: fresh.series } })).toEqual(
      judgeSignal({ ...how, prev: null, points: { series: series()[0]!.series } }),
    );
  }, 60_000);

  it('a detection with threads stores what one on the main thread stores, on either backend', async () => {
    const window = storedWindow();
    const opts = { entity: 'country:KZ', now: T0 + DAYS * 86400, threadMinPoints: 1000 };
    const seen = (r: DetectResult) => ({
      outages: r.outages.map(({ id: _id, ...o }) => o),
      history: r.history,
      changes: r.changes.map((c) => [c.key, c.payload]),
    });
    const before = judgePool(2).judged;
    const readBefore = judgePool(2).readInThreads;
    const onSqlite = [];
    for (const threads of [0, 2]) {
      const t = tempStore();
      try {
        t.store.writeWindow(window);
        const r = await detectAndStore(t.store, { ...opts, threads });
        const states = t.store.db.prepare('SELECT signal, data FROM detector_signal_state ORDER BY signal').raw(true).all();
        const episodes = t.store.db.prepare('SELECT * FROM detector_episodes ORDER BY 1, 2, 3, 4').raw(true).all();
        expect(episodes.length).toBeGreaterThan(0);
        const stored = listOutages(t.store.db, { entity: 'country:KZ' }).map(({ id: _id, ...o }) => o);
        onSqlite.push({ ...seen(r), states, episodes, stored });
      } finally {
        t.cleanup();
      }
    }
    expect(onSqlite[0]!.outages.length).toBeGreaterThan(0);
    expect(onSqlite[1]).toEqual(onSqlite[0]);
    // the three level signals went to the threads, which read them from the SQLite file themselves
    expect(judgePool(2).judged - before).toBe(3);
    expect(judgePool(2).readInThreads - readBefore).toBe(3);
    if (pgt.enabled) {
      const repos = await openRepositories(await pgt.createDatabase());
      try {
        await repos.points.writeWindow(window);
        expect(seen(await detectAndStore(repos, { ...opts, threads: 2 }))).toEqual({
          outages: onSqlite[0]!.outages,
          history: onSqlite[0]!.history,
          changes: onSqlite[0]!.changes,
        });
      } finally {
        await repos.close();
      }
      // PostgreSQL: read here, handed over
      expect(judgePool(2).judged - before).toBe(6);
      expect(judgePool(2).readInThreads - readBefore).toBe(3);
    }
  }, 90_000);

  it("takes its number of threads from the configuration's detector.threads (0: none), unless told", async () => {
    // a daemon sharing its machine caps the threads in its configuration; `detect --threads` overrides it
    const opts = { entity: 'country:KZ', now: T0 + DAYS * 86400, threadMinPoints: 1000 };
    const one = judgePool(1).judged;
    const two = judgePool(2).judged;
    const t = tempStore();
    try {
      t.store.writeWindow(storedWindow());
      await detectAndStore(t.store, { ...opts, config: configSchema.parse({ detector: { threads: 1 } }) });
      expect(judgePool(1).judged - one).toBe(3);
      await detectAndStore(t.store, { ...opts, config: configSchema.parse({ detector: { threads: 0 } }) });
      await detectAndStore(t.store, { ...opts, config: configSchema.parse({ detector: { threads: 1 } }), threads: 0 });
      expect([judgePool(1).judged - one, judgePool(2).judged - two]).toEqual([3, 0]);
    } finally {
      t.cleanup();
    }
    expect(() => detectorConfigFrom({ detector: { threads: -1 } })).toThrow(/detector\.threads/);
  }, 60_000);

  it('a command that detected with threads exits by itself (idle threads do not hold the process)', () => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(process.cwd(), 'test', 'fixtures', 'scripts', 'detect-threads.ts')],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(/^outages \d+ in threads$/m);
  }, 70_000);
});
