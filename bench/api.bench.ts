/**
 * API benchmark: `/api/signals` for one year at maxPoints=2000 under 50 concurrent connections.
 *
 * Database: 10 years (2014-01-01 … 2024-01-01) of 5-minute data for 3 signals of country:KZ (3.15 M points,
 * with the store's hourly and daily rollups), written through `SqliteStore.writeWindow` in 30-day windows
 * and cached in the temp folder (`outagewatch-api-bench-v1.db`) so that later runs skip the build.
 *
 * The server runs in a child process (this file with OW_API_BENCH_SERVER=1) on 127.0.0.1 port 0, with the
 * rate limit off; autocannon drives it (sending Accept-Encoding: gzip, as browsers do) from this process for BENCH_SECONDS (default 10) per scenario:
 *   - `cached`:   one year (2020) repeated, the way a dashboard polls (served from the response cache);
 *   - `uncached`: the response cache off, every request computed from the hourly rollup (3 × 8,784 rows);
 *   - `floor`:    /favicon.ico (a route doing nothing), the app's ceiling on this machine at that moment.
 * Prints one JSON line on stdout; progress on stderr.
 *
 *   npx tsx bench/api.bench.ts
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { SqliteStore, type PointTuple } from '../db/store.js';
import { seededRandom } from '../services/util/random.js';

interface Histogram {
  average: number;
  p50: number;
  p99: number;
}
interface AutocannonResult {
  latency: Histogram;
  requests: Histogram;
  throughput: Histogram;
  errors: number;
  timeouts: number;
  non2xx: number;
}
// autocannon ships no type declarations: type the part used here
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
}) => Promise<AutocannonResult>;

const FROM = Date.UTC(2014, 0, 1) / 1000;
const UNTIL = Date.UTC(2024, 0, 1) / 1000;
const STEP = 300;
const WINDOW = 30 * 86400;
const SIGNALS = ['ioda.bgp', 'ioda.ping-slash24', 'ioda.merit-nt'];
const DB_PATH = process.env.OW_API_BENCH_DB ?? join(tmpdir(), 'outagewatch-api-bench-v1.db');
const SECONDS = Math.max(1, Number(process.env.BENCH_SECONDS ?? 10));
const CONNECTIONS = 50;
const URL_PATH = '/api/signals?entity=country:KZ&from=2020-01-01T00:00:00Z&until=2021-01-01T00:00:00Z&maxPoints=2000';

// what a browser sends
const HEADERS = { 'accept-encoding': 'gzip, deflate, br', accept: 'application/json' };

const log = (msg: string) => process.stderr.write(`[api.bench] ${msg}\n`);

function buildDb(path: string): void {
  if (existsSync(path)) return;
  const tmp = `${path}.building-${process.pid}`;
  const started = Date.now();
  const store = SqliteStore.open(tmp);
  const rnd = seededRandom(20160521);
  let total = 0;
  for (let w = FROM; w < UNTIL; w += WINDOW) {
    const until = Math.min(UNTIL, w + WINDOW);
    const series = SIGNALS.map((name, k) => {
      const pts: PointTuple[] = [];
      for (let ts = w; ts < until; ts += STEP) {
        const diurnal = Math.sin(((ts % 86400) / 86400) * 2 * Math.PI);
        const v = rnd() < 0.002 ? null : Math.round((1000 * (k + 1) + 100 * diurnal + 20 * rnd()) * 100) / 100;
        pts.push([ts, v]);
      }
      total += pts.length;
      return { signal: { name, step: STEP }, points: pts };
    });
    store.writeWindow({ collector: 'bench', entity: 'country:KZ', from: w, until, series });
  }
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  for (const suffix of ['-wal', '-shm']) rmSync(tmp + suffix, { force: true });
  renameSync(tmp, path);
  log(`built ${path}: ${total} points in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function serve(): Promise<void> {
  const { createApp } = await import('../dashboards/app.js');
  const { startServer } = await import('../dashboards/server.js');
  const { configSchema } = await import('../services/program-config.js');
  const { silentLogger } = await import('../core/logger.js');
  const cacheEntries = Number(process.env.OW_API_BENCH_CACHE ?? 200);
  const config = configSchema.parse({ db: DB_PATH, api: { rateLimit: { max: 0 }, cacheEntries } });
  const store = SqliteStore.open(DB_PATH, { readonly: true });
  const app = createApp({ config, store, collectors: [], log: silentLogger, version: 'bench', now: () => UNTIL });
  const running = await startServer(app, '127.0.0.1', 0);
  process.send?.({ url: running.url });
  process.on('disconnect', () => {
    void running.close().then(() => {
      store.close();
      process.exit(0);
    });
  });
}

function startChild(cacheEntries: number): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, OW_API_BENCH_SERVER: '1', OW_API_BENCH_CACHE: String(cacheEntries), OW_API_BENCH_DB: DB_PATH },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve({ child, url: (m as { url: string }).url }));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

interface Figures {
  p50: number;
  p99: number;
  rps: number;
  errors: number;
  bytes: number;
}

async function measure(cacheEntries: number, path = URL_PATH): Promise<Figures> {
  const { child, url } = await startChild(cacheEntries);
  try {
    if (path !== URL_PATH) {
      await autocannon({ url: url + path, connections: CONNECTIONS, duration: 2 });
      const r = await autocannon({ url: url + path, connections: CONNECTIONS, duration: SECONDS });
      log(`${path}: median ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${r.requests.average} req/s`);
      return {
        p50: r.latency.p50,
        p99: r.latency.p99,
        rps: r.requests.average,
        errors: r.errors + r.non2xx + r.timeouts,
        bytes: r.throughput.average,
      };
    }
    const probe = await fetch(url + URL_PATH);
    const body = (await probe.json()) as { resolution: string; series: Array<{ points: unknown[] }> };
    if (probe.status !== 200 || body.series.length !== 3) throw new Error(`unexpected answer ${probe.status}`);
    log(`probe: resolution ${body.resolution}, points per series ${body.series.map((s) => s.points.length).join('/')}`);
    // warm-up
    await autocannon({ url: url + URL_PATH, connections: CONNECTIONS, duration: 2, headers: HEADERS });
    const r = await autocannon({ url: url + URL_PATH, connections: CONNECTIONS, duration: SECONDS, headers: HEADERS });
    const errors = r.errors + r.non2xx + r.timeouts;
    log(`cache ${cacheEntries}: median ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${r.requests.average} req/s, errors ${errors}`);
    return { p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average, errors, bytes: r.throughput.average };
  } finally {
    child.disconnect();
    await new Promise((res) => child.once('exit', res));
  }
}

async function main(): Promise<void> {
  buildDb(DB_PATH);
  const cached = await measure(200);
  const uncached = await measure(0);
  // the app's floor on this machine right now: a route that does nothing (helmet, metrics, logging only)
  const floor = await measure(200, '/favicon.ico');
  const results = [
    { name: 'api.signals.1y.median', figure: cached.p50, unit: 'ms' },
    {
      name: 'api.signals.1y.p99',
      figure: cached.p99,
      unit: 'ms',
      reference: 100,
      ratio: Math.round((cached.p99 / 100) * 1000) / 1000,
      target: '< 100 ms',
      check: { of: 'figure', op: '<', value: 100 },
    },
    {
      name: 'api.signals.1y.requests',
      figure: cached.rps,
      unit: 'req/s',
      reference: 500,
      ratio: Math.round((cached.rps / 500) * 1000) / 1000,
      target: '>= 500 req/s',
      check: { of: 'figure', op: '>=', value: 500 },
    },
    { name: 'api.signals.1y.uncached.median', figure: uncached.p50, unit: 'ms' },
    { name: 'api.signals.1y.uncached.p99', figure: uncached.p99, unit: 'ms' },
    { name: 'api.signals.1y.uncached.requests', figure: uncached.rps, unit: 'req/s' },
    { name: 'api.signals.1y.uncached.failed', figure: uncached.errors, unit: 'requests' },
    { name: 'api.floor.requests', figure: floor.rps, unit: 'req/s' },
  ];
  // the served configuration must answer every request; the uncached run reports its timeouts instead
  if (cached.errors > 0) throw new Error(`${cached.errors} failed requests`);
  process.stdout.write(`${JSON.stringify({ results })}\n`);
}

if (process.env.OW_API_BENCH_SERVER) {
  void serve();
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
