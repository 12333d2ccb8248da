import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../core/package-root.js';
import type { DetectionRepository } from '../../../db/detection.js';
import { openRepositories } from '../../../db/open.js';
import type { Repositories } from '../../../db/repositories.js';
import type { PointTuple, WindowWrite } from '../../../db/store.js';
import { configSchema } from '../../../services/program-config.js';
import { detectAndStore } from '../../../services/detector/run.js';
import { seededRandom } from '../../helpers.js';
import { usePostgres } from '../../pg.js';
import { T0, traffic } from './traffic.js';

const pgt = usePostgres({ database: false });

/**
 * Two processes detecting the same entity at the same moment on one PostgreSQL database (issue 23): two daemons
 * (`start --no-dashboard`) that each collected a window of the same country and detect it right after. Each opens
 * its own connection pool here (as two processes do). The first has read the detector's state and the points of its
 * window and is about to write when the second, which collected the next window, starts; the write of the first is
 * held back until the second either finished (no lock across the read: the first then writes state computed from
 * an older read over the second's) or waits for the first (the lock held from the read to the write).
 *
 * SYNTHETIC series standing for a real case: a country's hourly connectivity index (Monash's, as `ingest csv` brings
 * it for Iran) with a daily swing and noise, and regional blackouts of hours: one in the weeks detected first, one in each window after.
 */

const HOUR = 3600;
/** The first test's country; the second detects all of them (a daemon collecting several countries). */
const ENTITY = 'country:IR';
const ENTITIES = ['IR', 'IQ', 'SY', 'KZ', 'BY', 'MM', 'SD', 'ET', 'PK', 'RU'].map((c) => `country:${c}`);
const config = configSchema.parse({ detector: { watch: ENTITIES } });

/** The `k`th country's series (seeded; its blackouts `k` hours later than the first's). */
function values(k: number): Array<number | null> {
  const s = traffic({ seed: 2323 + k, days: 60, step: HOUR, night: 0.4, noise: 0.04, gaps: 3, level: 500 });
  const v: Array<number | null> = Array.from(s.values, (x) => (Number.isNaN(x) ? null : x));
  for (const [from, hours] of [
    [30 * 24 + 5, 5],
    [44 * 24 + 10, 6],
    [51 * 24 + 3, 8],
  ] as const)
    for (let i = from + k; i < from + k + hours; i++) if (v[i] !== null) v[i] = v[i]! * 0.05;
  return v;
}

const SERIES = new Map(ENTITIES.map((e, k) => [e, values(k)]));
/** Hours: what was collected before (detected), the first daemon's window, the second's. */
const WINDOWS = [
  [0, 42 * 24],
  [42 * 24, 48 * 24],
  [48 * 24, 56 * 24],
] as const;

function windowOf([from, until]: readonly [number, number], entity = ENTITY): WindowWrite {
  const all = SERIES.get(entity)!;
  const pts: PointTuple[] = [];
  for (let i = from; i < until; i++) pts.push([T0 + i * HOUR, all[i] ?? null]);
  return {
    collector: 'test',
    entity,
    from: T0 + from * HOUR,
    until: T0 + until * HOUR,
    series: [{ signal: { name: 'custom.connectivity', step: HOUR, synthetic: true }, points: pts }],
  };
}

/** The daemon's detection after collecting window `k` (its clock at the window's end). */
function detectWindow(repos: Repositories, k: number) {
  const [from, until] = WINDOWS[k]!;
  return detectAndStore(repos, { entity: ENTITY, from: T0 + from * HOUR, until: T0 + until * HOUR, config, now: T0 + until * HOUR });
}

/** Everything a detection leaves: outages (ids included), detector state, detected span, alert changes. */
async function snapshot(repos: Repositories, entities = [ENTITY]) {
  const detector = [];
  for (const entity of entities) {
    const resume = await repos.detection.resumeState(entity);
    detector.push({
      entity,
      state: await repos.detection.detectionState(entity),
      signals: resume.states.map((s) => ({ ...s, data: s.data ? Buffer.from(s.data).toString('base64') : null })),
      derived: resume.derived,
      episodes: resume.episodesFrom(-Infinity),
    });
  }
  return {
    outages: await repos.outages.listOutages({}),
    detector,
    changes: (await repos.alerts.listChanges({ limit: 100_000 })).map(({ createdAt: _c, ...c }) => c),
  };
}

/** The repositories with the detection's write held until `gate` opens (`reached` says the write was asked for). */
function heldWrite(repos: Repositories, gate: Promise<void>, reached: () => void): Repositories {
  const detection = new Proxy(repos.detection, {
    get(target, key, receiver) {
      if (key === 'commit')
        return async (c: Parameters<DetectionRepository['commit']>[0]) => {
          reached();
          await gate;
          return target.commit(c);
        };
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return new Proxy(repos, {
    get: (target, key, receiver) => (key === 'detection' ? detection : (Reflect.get(target, key, receiver) as unknown)),
  });
}

/** Advisory locks some connection of database `url` waits for. */
async function waitingLocks(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks
       WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    return r.rows[0]!.n;
  } finally {
    await c.end();
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe.skipIf(!pgt.enabled)('two processes detecting one entity at once on PostgreSQL (issue 23)', () => {
  const open: Repositories[] = [];
  afterAll(async () => {
    for (const r of open) await r.close();
  });
  const repositories = async (url: string) => {
    const r = await openRepositories(url);
    open.push(r);
    return r;
  };

  it('the later detection waits for the earlier one from its read on: the outages, state and alert changes of one daemon detecting both windows in turn', async () => {
    // one daemon: the windows collected and detected one after the other
    const one = await repositories(await pgt.createDatabase());
    for (let k = 0; k < WINDOWS.length; k++) {
      await one.points.writeWindow(windowOf(WINDOWS[k]!));
      await detectWindow(one, k);
    }
    const expected = await snapshot(one);
    expect(expected.outages.length).toBeGreaterThanOrEqual(2); // a blackout in each window
    expect(expected.changes.length).toBeGreaterThan(0);

    // two daemons on one database, each with its own pool
    const url = await pgt.createDatabase();
    const a = await repositories(url);
    const b = await repositories(url);
    await a.points.writeWindow(windowOf(WINDOWS[0]));
    await detectWindow(a, 0);
    await a.points.writeWindow(windowOf(WINDOWS[1]));
    let open1 = () => {};
    const gate = new Promise<void>((r) => (open1 = r));
    let reached = () => {};
    const readDone = new Promise<void>((r) => (reached = r));
    const first = detectWindow(heldWrite(a, gate, reached), 1);
    await readDone; // the first daemon has read and detected its window and is about to write
    await b.points.writeWindow(windowOf(WINDOWS[2]));
    let secondDone = false;
    const second = detectWindow(b, 2).finally(() => (secondDone = true));
    // until the second either finished or waits for the first
    const deadline = Date.now() + 60_000;
    let waited = false;
    while (!secondDone && Date.now() < deadline) {
      if ((await waitingLocks(url)) > 0) {
        waited = true;
        break;
      }
      await sleep(50);
    }
    open1();
    await Promise.all([first, second]);
    expect(await snapshot(a)).toEqual(expected);
    expect(waited).toBe(true);
  }, 120_000);

  it('several `outagewatch detect` processes at once, as daemons run them after each collection: what one process detecting the windows in turn stores', async () => {
    // ten countries; windows of days 42–56 after six weeks detected before; each window is written for every country,
    // then detected by two processes at once (two daemons that both collected it), without waiting for the detections
    // of the windows before
    const windows: Array<[number, number]> = [
      [42 * 24, 45 * 24],
      [45 * 24, 48 * 24],
      [48 * 24, 52 * 24],
      [52 * 24, 56 * 24],
    ];
    const dir = mkdtempSync(join(tmpdir(), 'ow-detect-'));
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ detector: { watch: ENTITIES } }));
    try {
      const one = await repositories(await pgt.createDatabase());
      const url = await pgt.createDatabase();
      const many = await repositories(url);
      for (const r of [one, many]) {
        for (const e of ENTITIES) await r.points.writeWindow(windowOf(WINDOWS[0], e));
        await detectAndStore(r, { config });
      }
      const before = await many.outages.listOutages({});
      for (const w of windows) {
        for (const e of ENTITIES) await one.points.writeWindow(windowOf(w, e));
        await detectAndStore(one, { from: T0 + w[0] * HOUR, until: T0 + w[1] * HOUR, config });
      }
      const cli = join(packageRoot(), 'services', 'cli.ts');
      const rnd = seededRandom(23);
      const runs: Array<Promise<{ code: number | null; err: string }>> = [];
      for (const w of windows) {
        for (const e of ENTITIES) await many.points.writeWindow(windowOf(w, e));
        for (let p = 0; p < 2; p++) {
          const args = ['--db', url, '--config', configFile, '--log-level', 'warn', 'detect'];
          args.push('--from', String(T0 + w[0] * HOUR), '--until', String(T0 + w[1] * HOUR));
          const proc = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
            stdio: ['ignore', 'ignore', 'pipe'],
            cwd: packageRoot(),
          });
          let err = '';
          proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
          runs.push(new Promise((resolve) => proc.on('exit', (code) => resolve({ code, err }))));
        }
        // the next collection comes a little later (seeded): the processes start and read at different moments
        await sleep(300 + Math.floor(rnd() * 1200));
      }
      const exits = await Promise.all(runs);
      expect(
        exits.map((e) => e.code),
        exits.map((e) => e.err).join('\n'),
      ).toEqual(exits.map(() => 0));
      const strip = (s: Awaited<ReturnType<typeof snapshot>>) => ({
        outages: s.outages.map(({ id: _id, ...o }) => o),
        // recorded in another order (the processes detect the countries side by side), each with the outage as it
        // stood when it was recorded (a process may first detect a window when the next one is in: a blackout at the
        // end of a window is then recorded already closed)
        changes: s.changes.map((c) => JSON.stringify([c.key, c.entity, c.change, c.at, c.announced])).sort(),
        detector: s.detector.map((d) => ({ ...d, state: d.state && { ...d.state, updatedAt: 0 } })),
      });
      const got = await snapshot(many, ENTITIES);
      const want = await snapshot(one, ENTITIES);
      expect(want.outages.length).toBeGreaterThanOrEqual(3 * ENTITIES.length);
      expect(want.changes.length).toBeGreaterThan(0);
      expect(strip(got)).toEqual(strip(want));
      // no outage lost its id: those detected before and unchanged since are the same rows
      const key = (o: { id?: number }) => JSON.stringify({ ...o, id: undefined });
      const kept = new Set(want.outages.map(key));
      const ids = new Map(got.outages.map((o) => [key(o), o.id]));
      const unchanged = before.filter((o) => kept.has(key(o)));
      expect(unchanged.length).toBeGreaterThanOrEqual(ENTITIES.length);
      for (const o of unchanged) expect(ids.get(key(o))).toBe(o.id);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
