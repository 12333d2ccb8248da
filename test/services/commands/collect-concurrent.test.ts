import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pgDriver from 'pg';
import { describe, expect, it } from 'vitest';
import { serveDuringTests } from '../../helpers.js';
import { openPointStore } from '../../../db/open.js';
import { packageRoot } from '../../../core/package-root.js';
import { main } from '../../../services/cli.js';
import { replyLater } from '../../collectors/ioda/mock.js';
import { OFFLINE_SOURCES_ENV } from '../../offline-env.js';
import { usePostgres } from '../../pg.js';

/**
 * Several `outagewatch collect` processes on one PostgreSQL database (issue 23): they split the windows through
 * leases. Real processes against a local stand-in for IODA (nock does not cross processes): the answers are
 * SYNTHETIC values in the documented `signals/raw` and `outages/events` shapes, envelopes copied from the real
 * fixtures in test/fixtures/ioda (see test/collectors/ioda/mock.ts, test/fixtures/SOURCES.md).
 */
const pg = usePostgres();
const cli = join(packageRoot(), 'services', 'cli.ts');
const FROM = '2016-01-01';
const UNTIL = '2016-07-18';
/** The killed process's lease: long enough for the run started right after the kill to find it held. */
const LEASE = 4; // 200 days: 3 windows per datasource, and the events windows

/** One request per window: the key names the window asked for (path, datasource, range). */
function windowKey(url: string): string {
  const u = new URL(url, 'http://stand-in');
  const q = u.searchParams;
  return `${u.pathname.replace(/^\/v2/, '')} ${q.get('datasource') ?? ''} ${q.get('from')}..${q.get('until')} p${q.get('page') ?? ''}`;
}

interface StandIn {
  server: Server;
  base: string;
  requests: Map<string, number>;
  /** Hold every answer until this many requests wait at once (so that every process is fetching), then answer all. */
  gate: number;
  /** Called with each request's number; may return false to never answer it (the asking process is being killed). */
  onRequest: ((n: number, key: string) => boolean) | null;
}

function standIn(): StandIn {
  const s: StandIn = { server: null as unknown as Server, base: '', requests: new Map(), gate: 0, onRequest: null };
  let held: Array<() => void> = [];
  let n = 0;
  s.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const key = windowKey(req.url ?? '/');
    s.requests.set(key, (s.requests.get(key) ?? 0) + 1);
    n++;
    if (s.onRequest && !s.onRequest(n, key)) return;
    const reply = replyLater(req.url ?? '/', res);
    if (s.gate > 1) {
      // (a process that never comes does not hang the test: after 30 s everything held is answered)
      if (held.length === 0) setTimeout(() => held.splice(0).forEach((h) => h()), 30_000).unref();
      held.push(reply);
      if (held.length >= s.gate) {
        s.gate = 0;
        for (const h of held) h();
        held = [];
      }
      return;
    }
    reply();
  });
  return s;
}

function collect(db: string, base: string, extra: string[] = []) {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      cli,
      '--db',
      db,
      'collect',
      '--source',
      'ioda',
      '--entity',
      'country:KZ',
      '--from',
      FROM,
      '--until',
      UNTIL,
      '--json',
      ...extra,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...OFFLINE_SOURCES_ENV, OUTAGEWATCH_IODA_URL: base, LOG_LEVEL: 'warn' },
      cwd: packageRoot(),
    },
  );
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { proc, exited };
}

/** Runs `collect` in this process (no process start: the test's timing does not depend on machine load). */
async function collectHere(db: string, base: string): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const saved = { ...process.env };
  Object.assign(process.env, OFFLINE_SOURCES_ENV, { OUTAGEWATCH_IODA_URL: base, LOG_LEVEL: 'silent' });
  process.exitCode = undefined;
  try {
    const code = await main(
      ['--db', db, 'collect', '--source', 'ioda', '--entity', 'country:KZ', '--from', FROM, '--until', UNTIL, '--json'],
      {
        stdout,
        stderr,
      },
    );
    return { code, out, err };
  } finally {
    process.env = saved;
    process.exitCode = undefined;
  }
}

/** The lease rows a process (by pid) holds, and whether each is still live. */
async function leases(db: string, pid: number): Promise<Array<{ live: boolean }>> {
  const c = new pgDriver.Client({ connectionString: db });
  await c.connect();
  try {
    const r = await c.query<{ live: boolean }>(
      "SELECT expires_at > clock_timestamp() AS live FROM collect_leases WHERE split_part(holder, ':', 2) = $1",
      [String(pid)],
    );
    return r.rows;
  } finally {
    await c.end();
  }
}

interface Outcome {
  windowsOk: number;
  windowsFailed: number;
  windowsLeased?: number;
  points: number;
  coveredUntil: string | null;
}

const outcomeOf = (stdout: string): Outcome => (JSON.parse(stdout) as Outcome[])[0]!;

/** Every stored point and checkpoint of the database, by signal name (to compare two databases). */
async function contents(db: string) {
  const store = await openPointStore(db);
  try {
    const out: Record<string, unknown> = {};
    for (const s of await store.listSignals('country:KZ')) {
      out[s.name] = {
        points: await store.readPoints(s.id, 0, 2 ** 31),
        checkpoints: (await store.checkpoints({ collector: 'ioda', signal: s.name })).map((c) => [c.from, c.until, c.status]),
      };
    }
    const runs = await store.recentRuns({ collector: 'ioda', limit: 50 });
    return { signals: out, runs };
  } finally {
    await store.close();
  }
}

describe.skipIf(!pg.enabled)('outagewatch collect on PostgreSQL, several processes at once', () => {
  const s = standIn();
  serveDuringTests(s.server, (url) => (s.base = `${url}/v2`));

  let reference: Awaited<ReturnType<typeof contents>>;
  let referenceRequests: Map<string, number>;
  let referenceOutcome: Outcome;

  it('one process: the reference run', async () => {
    const db = await pg.createDatabase();
    s.requests = new Map();
    const r = await collectHere(db, s.base);
    expect(r.code, r.err).toBe(0);
    referenceOutcome = outcomeOf(r.out);
    expect(referenceOutcome).toMatchObject({ windowsFailed: 0, coveredUntil: '2016-07-19T00:00:00Z' });
    expect(referenceOutcome.windowsOk).toBeGreaterThan(12);
    referenceRequests = s.requests;
    reference = await contents(db);
    expect(Object.keys(reference.signals).length).toBeGreaterThan(3);
  }, 120_000);

  it('three processes split the windows: each window fetched once, together they store what one run stores, all exit 0', async () => {
    const db = pg.url();
    s.requests = new Map();
    s.gate = 3; // the first answers wait until all three processes are fetching at once
    const runs = [collect(db, s.base), collect(db, s.base), collect(db, s.base)];
    const done = await Promise.all(runs.map((r) => r.exited));
    for (const d of done) expect(d.code, d.stderr).toBe(0);
    const outcomes = done.map((d) => outcomeOf(d.stdout));
    // every window asked for exactly once, the same windows as the single run
    expect([...s.requests.entries()].filter(([, n]) => n > 1)).toEqual([]);
    expect([...s.requests.keys()].sort()).toEqual([...referenceRequests.keys()].sort());
    // the work was split (all three fetched), and what one left to the others is not a failure
    expect(outcomes.every((o) => o.windowsOk > 0 && o.windowsFailed === 0)).toBe(true);
    expect(outcomes.reduce((n, o) => n + o.windowsOk, 0)).toBe(referenceOutcome.windowsOk);
    expect(outcomes.reduce((n, o) => n + o.points, 0)).toBe(referenceOutcome.points);
    for (const o of outcomes) expect(o.windowsOk + o.windowsLeased!).toBe(referenceOutcome.windowsOk);
    const got = await contents(db);
    expect(got.signals).toEqual(reference.signals);
    expect(got.runs.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
  }, 180_000);

  it('a process killed with SIGKILL mid-window loses nothing: its lease lapses and a later run fetches that window', async () => {
    const db = await pg.createDatabase();
    s.requests = new Map();
    let killedKey = '';
    const victim = collect(db, s.base, ['--lease-seconds', String(LEASE)]);
    s.onRequest = (n, key) => {
      if (n < 4) return true;
      // the fourth request is never answered: the process is killed while it holds that window's lease
      killedKey = key;
      victim.proc.kill('SIGKILL');
      s.onRequest = null;
      return false;
    };
    const killed = await victim.exited;
    expect(killed.signal).toBe('SIGKILL');
    expect(killedKey).not.toBe('');
    const held = await leases(db, victim.proc.pid!);
    expect(held).toHaveLength(1);

    // at once (in this process): that window is still leased to the dead process; the rest is collected, exit 0
    const first = await collectHere(db, s.base);
    expect(first.code, first.err).toBe(0);
    const o1 = outcomeOf(first.out);
    expect(o1.windowsLeased).toBe(1);
    expect(o1.windowsFailed).toBe(0);
    expect(s.requests.get(killedKey)).toBe(1);
    expect(first.out).not.toBe('');

    // once the lease lapsed, the next run fetches it; the data is then exactly the single run's
    while ((await leases(db, victim.proc.pid!)).some((l) => l.live)) await new Promise((r) => setTimeout(r, 200));
    const second = await collectHere(db, s.base);
    expect(second.code, second.err).toBe(0);
    const o2 = outcomeOf(second.out);
    expect(o2).toMatchObject({ windowsOk: 1, windowsLeased: 0, windowsFailed: 0, coveredUntil: '2016-07-19T00:00:00Z' });
    expect(s.requests.get(killedKey)).toBe(2);
    const got = await contents(db);
    expect(got.signals).toEqual(reference.signals);
    // the killed process's run is not left `running`
    expect(got.runs.map((r) => r.status).sort()).toEqual(['interrupted', 'ok', 'ok']);
  }, 180_000);
});
