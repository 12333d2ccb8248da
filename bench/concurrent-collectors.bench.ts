/**
 * Three concurrent collectors against one (issue 23), on PostgreSQL, against a local stand-in for IODA that answers
 * every request after a fixed latency (`BENCH_LATENCY_MS`, default 200 ms: a real API over the Internet).
 *
 * Work: the IODA collector over 12 countries × 2 UTC days of 2016 (per country one window per datasource — bgp,
 * ping-slash24, merit-nt, gtr — and one for events: 60 windows). The answers are SYNTHETIC values in IODA's
 * documented shapes (test/collectors/ioda/mock.ts, envelopes copied from the real fixtures in test/fixtures/ioda).
 * Each collector is its own process (bench/concurrent-collect-child.ts) with its own connection pool; process
 * start-up is not timed (each says `ready`, then all are told `go` at once). One run with 1 process on a fresh
 * database, one with 3 processes on another fresh database, on the same server, alternating `BENCH_REPEATS`
 * (default 2) times; medians.
 *
 * - `collect.concurrent.1`: seconds for one process to collect everything.
 * - `collect.concurrent.3`: seconds for three processes splitting the windows through leases; ratio = speed-up
 *   (1-process time / 3-process time), target >= 2.
 * - `collect.concurrent.3.requests`: requests the three made, against the requests of the one (target: the same:
 *   no window fetched twice).
 *
 * The PostgreSQL server is a private cluster started here like the tests' (test/pg-global-setup.ts), or
 * `OUTAGEWATCH_TEST_PG_URL` (a superuser URL).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { findPgBin, startCluster } from '../test/pg-global-setup.js';
import { answer } from '../test/collectors/ioda/mock.js';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 200);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 2);
const TARGET = 2;
const FROM = Date.UTC(2016, 4, 19) / 1000;
const UNTIL = FROM + 2 * 86400;
const ENTITIES = ['BY', 'CU', 'ET', 'IR', 'IQ', 'KZ', 'MM', 'PK', 'RU', 'SD', 'SY', 'UZ'].map((cc) => `country:${cc}`);
const child = join(dirname(fileURLToPath(import.meta.url)), 'concurrent-collect-child.ts');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let requests = 0;
const server = createServer((req, res) => {
  requests++;
  const a = answer(req.url ?? '/');
  setTimeout(() => {
    res.writeHead(a?.status ?? 404, { 'content-type': 'application/json' });
    res.end(a?.body ?? '{}');
  }, LATENCY_MS);
});

async function createDb(admin: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
}

interface Totals {
  windowsOk: number;
  windowsFailed: number;
  windowsLeased: number;
  points: number;
}

/** Starts n collector processes on db, waits until all are ready, says go, and times until all are done. */
async function collectWith(n: number, db: string, base: string): Promise<{ seconds: number; requests: number; totals: Totals[] }> {
  const procs = Array.from({ length: n }, () => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, db, String(FROM), String(UNTIL), ...ENTITIES], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, OUTAGEWATCH_IODA_URL: base, LOG_LEVEL: 'silent' },
    });
    let out = '';
    const ready = new Promise<void>((resolve, reject) => {
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready\n')) resolve();
      });
      p.on('exit', (code) => reject(new Error(`collector exited ${code} before it was ready`)));
    });
    const done = new Promise<Totals>((resolve, reject) =>
      p.on('exit', (code) => {
        if (code !== 0) return reject(new Error(`collector exited ${code}`));
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Totals);
      }),
    );
    return { p, ready, done };
  });
  await Promise.all(procs.map((x) => x.ready));
  requests = 0;
  const t0 = performance.now();
  for (const x of procs) x.p.stdin.end('go\n');
  const totals = await Promise.all(procs.map((x) => x.done));
  return { seconds: (performance.now() - t0) / 1000, requests, totals };
}

async function main(): Promise<void> {
  let admin = process.env.OUTAGEWATCH_TEST_PG_URL ?? null;
  let stop: () => Promise<void> | void = () => {};
  if (!admin) {
    const bin = findPgBin();
    if (!bin) throw new Error('no PostgreSQL (initdb) on this machine and no OUTAGEWATCH_TEST_PG_URL');
    const cluster = await startCluster(bin);
    admin = cluster.url;
    stop = cluster.stop;
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
  try {
    const one: number[] = [];
    const three: number[] = [];
    let req1 = 0;
    let req3 = 0;
    for (let i = 0; i < REPEATS; i++) {
      const a = await collectWith(1, await createDb(admin, `bench_collect_one_${i}`), base);
      const b = await collectWith(3, await createDb(admin, `bench_collect_three_${i}`), base);
      const okA = a.totals.reduce((s, t) => s + t.windowsOk, 0);
      const okB = b.totals.reduce((s, t) => s + t.windowsOk, 0);
      const failed = [...a.totals, ...b.totals].reduce((s, t) => s + t.windowsFailed, 0);
      if (failed > 0 || okA !== okB)
        throw new Error(`collections differ or failed: 1 process ${okA} windows, 3 processes ${okB}, ${failed} failed`);
      process.stderr.write(
        `collect: 1 process ${a.seconds.toFixed(2)} s (${a.requests} requests), 3 processes ${b.seconds.toFixed(2)} s ` +
          `(${b.requests} requests; windows per process ${b.totals.map((t) => t.windowsOk).join('/')})\n`,
      );
      one.push(a.seconds);
      three.push(b.seconds);
      req1 = Math.max(req1, a.requests);
      req3 = Math.max(req3, b.requests);
    }
    const t1 = median(one);
    const t3 = median(three);
    const results = [
      { name: 'collect.concurrent.1', figure: Math.round(t1 * 100) / 100, unit: 's' },
      {
        name: 'collect.concurrent.3',
        figure: Math.round(t3 * 100) / 100,
        unit: 's',
        reference: Math.round(t1 * 100) / 100,
        ratio: Math.round((t1 / t3) * 100) / 100,
        target: `speed-up >= ${TARGET}`,
        check: { of: 'ratio' as const, op: '>=' as const, value: TARGET },
      },
      {
        name: 'collect.concurrent.3.requests',
        figure: req3,
        unit: 'requests',
        reference: req1,
        ratio: Math.round((req3 / req1) * 1000) / 1000,
        target: '<= 1 (no window fetched twice)',
        check: { of: 'ratio' as const, op: '<=' as const, value: 1 },
      },
    ];
    process.stdout.write(`${JSON.stringify({ results })}\n`);
  } finally {
    server.close();
    await stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
