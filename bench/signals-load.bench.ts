/**
 * `/api/signals` under load with cache misses (issue 21): 50 concurrent users each asking a DISTINCT one-year range
 * of country:KZ (every request a cache miss: the start moves by one hour per request) on the shared ten-year
 * database (`bench/tenyear-db.ts`), maxPoints 1000, Accept-Encoding `gzip, deflate, br` as browsers send. The server
 * runs in a child process (this file with OW_SIGNALS_BENCH_SERVER=1). The client is 50 keep-alive connections
 * (node:http, one request in flight each, back to back, as 50 open dashboards), warmed up on the same connections
 * (at least 2 s, and until each has been answered once), then measured for BENCH_SECONDS (default 10); a request not answered within 10 s counts as failed.
 * Beside it, in the same run, its floor: the SQL those requests need (the one statement the route runs for the
 * same kind of distinct ranges, in this process, warmed up first as the server is, timed in three passes before and
 * three after the load run; the median pass), as milliseconds per request: its wall time and its CPU time.
 * Targets: p99 < 300 ms, >= 60 req/s, no failures; the route's cost within 1.5× of the SQL it needs, measured two
 * ways: wall time per request (1000 / req/s: the client shares the 2 cores with the server) against the
 * statement's wall time, and the server process's CPU per request (process.cpuUsage in the server, all its
 * threads) against the statement's CPU time. Each target
 * carries a machine-readable `check` (bench/run.ts marks it met or MISSED). Also printed: the 1-minute load average
 * before and after, the CPU the client itself used (it shares the 2 cores with the server), and how long the first
 * request of each connection waited (opening 50 connections to a saturated server: Node accepts them while it
 * serves the others, so the last ones wait seconds; autocannon, used before, opens new connections for its measured
 * run, and its p99 was made of those waits), the server's kernel (system) CPU per request, and where a miss's CPU goes
 * beyond the statement: downsampling, writing the JSON body, its ETag and Brotli, each timed alone in this process on
 * the same kind of requests, and the rest (server CPU per request less the statement and those pieces: HTTP,
 * Express, the middleware, garbage collection); the server's GC pauses per request (wall time, by kind), and the
 * server CPU of a cache hit (the same users asking one range for 2 s: the fixed cost of an answer without the
 * statement, the body or compression).
 * Prints one JSON line on stdout; progress on stderr.
 *
 *   npx tsx bench/signals-load.bench.ts
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { readSeriesMany } from '../db/signals-read.js';
import { SqliteStore, type SignalRow } from '../db/store.js';
import { brotliFast, cachedBytes, planSeries, readPlannedFlat, seriesHead } from '../dashboards/api/signals.js';
import { signalsBody } from '../dashboards/api/signals-json.js';
import { isoUtc } from '../core/time.js';
import type { AppDeps } from '../dashboards/deps.js';
import { TEN_DB_PATH, TEN_ENTITY, TEN_FROM, tenYearDb } from './tenyear-db.js';

const SECONDS = Math.max(1, Number(process.env.BENCH_SECONDS ?? 10));
const CONNECTIONS = 50;
const YEAR = 365 * 86400;
const HEADERS = { 'accept-encoding': 'gzip, deflate, br', accept: 'application/json' };
const WARM_MS = 2000;
const TIMEOUT_MS = 10_000;
const log = (msg: string) => process.stderr.write(`[signals-load.bench] ${msg}\n`);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** The i-th distinct one-year range: starts one hour apart, all inside the ten years. */
const rangeOf = (i: number): [number, number] => {
  const from = TEN_FROM + (i % (8 * 365 * 24)) * 3600;
  return [from, from + YEAR];
};

async function serve(): Promise<void> {
  const { createApp } = await import('../dashboards/app.js');
  const { startServer } = await import('../dashboards/server.js');
  const { configSchema } = await import('../services/program-config.js');
  const { silentLogger } = await import('../core/logger.js');
  const path = process.env.OW_TENYEAR_DB ?? TEN_DB_PATH;
  const config = configSchema.parse({ db: path, api: { rateLimit: { max: 0 } } });
  const store = SqliteStore.open(path, { readonly: true });
  const app = createApp({ config, store, collectors: [], log: silentLogger, version: 'bench', now: () => TEN_FROM + 10 * YEAR });
  const running = await startServer(app, '127.0.0.1', 0);
  process.send?.({ url: running.url });
  // garbage collection in the server, by kind (minor: scavenges; major: mark-compact), in ms
  const gc = { minor: 0, major: 0, other: 0 };
  const { PerformanceObserver, constants } = await import('node:perf_hooks');
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minor += e.duration;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major += e.duration;
      else gc.other += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  // the parent asks for this process's CPU time (and GC time) at the start and the end of the measured run
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage(), gc: { ...gc } });
  });
  process.on('disconnect', () => {
    void running.close().then(() => {
      store.close();
      process.exit(0);
    });
  });
}

/**
 * CPU per request of each piece a miss runs after the statement, on the same kind of distinct one-year requests:
 * downsampling (the statement plus bucketing, less the statement alone), writing the JSON body, its ETag (SHA-1),
 * and Brotli. Each piece is timed alone over 200 requests (inputs made beforehand); the median of three passes.
 */
function missPieces(store: SqliteStore, sigs: SignalRow[]) {
  const N = 200;
  const cpu = (fn: (i: number) => unknown): number => {
    const passes: number[] = [];
    for (let k = 0; k < 4; k++) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < N; i++) fn(i);
      const c = process.cpuUsage(c0);
      passes.push((c.user + c.system) / 1000 / N);
    }
    // the first pass warms up; the median of the other three
    return r3(passes.slice(1).sort((a, b) => a - b)[1]!);
  };
  const plansOf = (i: number) => {
    const [from, until] = rangeOf(300_000 + i);
    return {
      from,
      until,
      plans: sigs.map((s) => planSeries({ store } as AppDeps, s, { from, until, maxPoints: 1000, resolution: 'auto' }, new Map())),
    };
  };
  const statement = cpu((i) => {
    const { plans } = plansOf(i);
    readSeriesMany(store, [
      { signalIds: plans.map((p) => p.sig.id), resolution: plans[0]!.resolution, from: plans[0]!.from, until: plans[0]!.until },
    ]);
  });
  const withDownsampling = cpu((i) => {
    const { plans } = plansOf(i);
    readPlannedFlat(store, plans, 1000);
  });
  const docs = Array.from({ length: N }, (_, i) => {
    const { from, until, plans } = plansOf(i);
    const read = readPlannedFlat(store, plans, 1000);
    return {
      doc: {
        entity: TEN_ENTITY,
        from: isoUtc(from),
        until: isoUtc(until),
        maxPoints: 1000,
        resolution: plans[0]!.resolution,
        series: null,
      },
      series: plans.map((p, k) => ({ head: seriesHead(p, read[k]!), flat: read[k]!.flat })),
    };
  });
  const bodies = docs.map((d) => signalsBody(d.doc, d.series, false));
  const body = cpu((i) => signalsBody(docs[i]!.doc, docs[i]!.series, false));
  const etag = cpu((i) => cachedBytes('application/json; charset=utf-8', bodies[i]!));
  const brotli = cpu((i) => brotliFast(bodies[i]!));
  return {
    downsample: r3(Math.max(0, withDownsampling - statement)),
    body,
    bytes: bodies[0]!.length,
    etag,
    brotli,
    brBytes: brotliFast(bodies[0]!).length,
  };
}

function startChild(path: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    // OW_BENCH_CPU_PROF=DIR: the server writes a V8 CPU profile there (node --cpu-prof) when it exits
    const prof = process.env.OW_BENCH_CPU_PROF;
    const execArgv = prof ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${prof}`] : process.execArgv;
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv,
      env: { ...process.env, OW_SIGNALS_BENCH_SERVER: '1', OW_TENYEAR_DB: path },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve({ child, url: (m as { url: string }).url }));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const db = tenYearDb();
  // the floor: the one statement the same kind of requests need, read in this process, warmed up first (the server
  // is measured warm too), timed in passes before and after the load run; the median pass is the floor
  const store = SqliteStore.open(db.path, { readonly: true });
  const sigs = store.listSignals(TEN_ENTITY);
  const floorPass = (first: number, n: number): { ms: number; cpuMs: number; rows: number } => {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let rows = 0;
    for (let i = 0; i < n; i++) {
      const [from, until] = rangeOf(first + i);
      // the one statement a request runs (every signal picks the same rollup for a one-year range)
      const plans = sigs.map((s) => planSeries({ store } as AppDeps, s, { from, until, maxPoints: 1000, resolution: 'auto' }, new Map()));
      const parts = plans.map((p) => ({ signalIds: [p.sig.id], resolution: p.resolution, from: p.from, until: p.until }));
      const same = parts.every((p) => p.resolution === parts[0]!.resolution && p.from === parts[0]!.from);
      const cols = readSeriesMany(store, same ? [{ ...parts[0]!, signalIds: parts.map((p) => p.signalIds[0]!) }] : parts);
      for (const c of cols.values()) rows += c.ts.length;
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6 / n;
    const c = process.cpuUsage(c0);
    return { ms, cpuMs: (c.user + c.system) / 1000 / n, rows: rows / n };
  };
  const FLOOR_N = 200;
  floorPass(50_000, FLOOR_N); // warm-up: statement prepared, pages cached, JIT done
  const floorPasses: Array<{ ms: number; cpuMs: number }> = [];
  let floorRows = 0;
  for (let k = 0; k < 3; k++) {
    const f = floorPass(100_000 + k * FLOOR_N, FLOOR_N);
    floorPasses.push(f);
    floorRows = f.rows;
  }
  const show = (xs: Array<{ ms: number; cpuMs: number }>) => xs.map((f) => `${r3(f.ms)} (CPU ${r3(f.cpuMs)})`).join(', ');
  log(`floor before the load run: ${show(floorPasses)} ms of SQL per request (${Math.round(floorRows)} rollup rows)`);
  const { child, url } = await startChild(db.path);
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  try {
    let i = 0;
    const get = (path: string) =>
      new Promise<number>((resolve) => {
        const req = request(`${url}${path}`, { agent, headers: HEADERS }, (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', () => resolve(0));
        });
        req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error('timeout')));
        req.on('error', () => resolve(0));
        req.end();
      });
    // warm-up: at least WARM_MS and until every connection has been answered once; then SECONDS measured
    const started = performance.now();
    let measureFrom = Infinity;
    let measureUntil = Infinity;
    const latencies: number[] = [];
    const firsts: number[] = [];
    let failed = 0;
    let loadBefore = 0;
    let cpuBefore = process.cpuUsage();
    type GcTimes = { minor: number; major: number; other: number };
    const serverCpu = () =>
      new Promise<{ total: number; system: number; gc: GcTimes }>((resolve) => {
        const on = (m: unknown) => {
          const { cpu, gc } = m as { cpu?: NodeJS.CpuUsage; gc?: GcTimes };
          if (!cpu || !gc) return;
          child.off('message', on);
          resolve({ total: (cpu.user + cpu.system) / 1e6, system: cpu.system / 1e6, gc });
        };
        child.on('message', on);
        child.send('cpu');
      });
    let serverBefore: Promise<{ total: number; system: number; gc: GcTimes }> = Promise.resolve({
      total: 0,
      system: 0,
      gc: { minor: 0, major: 0, other: 0 },
    });
    const maybeStart = (now: number) => {
      if (measureFrom !== Infinity || firsts.length < CONNECTIONS || now - started < WARM_MS) return;
      measureFrom = now;
      measureUntil = now + SECONDS * 1000;
      serverBefore = serverCpu();
      loadBefore = loadavg()[0]!;
      cpuBefore = process.cpuUsage();
    };
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        let first = true;
        for (;;) {
          const t = performance.now();
          if (t >= measureUntil) return;
          const [from, until] = rangeOf(i++);
          const status = await get(`/api/signals?entity=${TEN_ENTITY}&from=${from}&until=${until}&maxPoints=1000`);
          const now = performance.now();
          const ms = now - t;
          if (first) firsts.push(ms);
          first = false;
          maybeStart(now);
          if (t < measureFrom) continue;
          if (status !== 200) failed++;
          else latencies.push(ms);
        }
      }),
    );
    const cpu = process.cpuUsage(cpuBefore);
    const loadAfter = loadavg()[0]!;
    // CPU the server spent per answered request (includes the tail of requests started before the end)
    const [serverEnd, serverStart] = [await serverCpu(), await serverBefore];
    const serverMs = r3(((serverEnd.total - serverStart.total) * 1000) / Math.max(1, latencies.length));
    // of which in the kernel (the socket writes)
    const serverSystemMs = r3(((serverEnd.system - serverStart.system) * 1000) / Math.max(1, latencies.length));
    // garbage collection on the server's main thread: the pauses' wall time by kind (not CPU: a pause grows when the
    // machine is loaded and the thread waits for a core)
    const gcMs = (k: keyof GcTimes) => r3((serverEnd.gc[k] - serverStart.gc[k]) / Math.max(1, latencies.length));
    const serverGc = { minor: gcMs('minor'), major: gcMs('major'), other: gcMs('other') };
    log(
      `server GC pauses per request (wall time): ${r3(serverGc.minor + serverGc.major + serverGc.other)} ms (scavenges ${serverGc.minor}, mark-compact ${serverGc.major}, other ${serverGc.other}); kernel CPU ${serverSystemMs} ms`,
    );
    // the fixed cost of an answer without the statement, the body or compression: the same 50 users asking one
    // range (cache hits: HTTP, Express, the middleware, negotiation, sending the kept Brotli bytes), 2 s after a
    // warm-up, measured as server CPU per request the same way
    const [hitFrom, hitUntil] = rangeOf(400_000);
    const hitPath = `/api/signals?entity=${TEN_ENTITY}&from=${hitFrom}&until=${hitUntil}&maxPoints=1000`;
    const hitRun = async (ms: number): Promise<number> => {
      const until = performance.now() + ms;
      let n = 0;
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          while (performance.now() < until) if ((await get(hitPath)) === 200) n++;
        }),
      );
      return n;
    };
    await hitRun(500);
    const hitBefore = await serverCpu();
    const hits = await hitRun(2000);
    const hitAfter = await serverCpu();
    const hitMs = r3(((hitAfter.total - hitBefore.total) * 1000) / Math.max(1, hits));
    log(`a cache hit (the same users asking one range): server CPU ${hitMs} ms per request, ${Math.round(hits / 2)} req/s`);
    // the floor again after the load run (same process, same warm statement); the median of the six passes
    const after: Array<{ ms: number; cpuMs: number }> = [];
    for (let k = 0; k < 3; k++) after.push(floorPass(200_000 + k * FLOOR_N, FLOOR_N));
    log(`floor after the load run: ${show(after)} ms`);
    // where a miss's CPU goes beyond the statement: each further piece the route runs, timed alone on the same
    // kind of requests in this process (median of three passes); the rest is HTTP, Express, middleware and GC
    const pieces = missPieces(store, sigs);
    log(
      `a miss's pieces (CPU ms per request): downsampling ${pieces.downsample}, JSON body ${pieces.body} (${pieces.bytes} bytes), ETag ${pieces.etag}, Brotli ${pieces.brotli} (${pieces.brBytes} bytes)`,
    );
    const median6 = (xs: number[]) => {
      const s6 = [...xs].sort((a, b) => a - b);
      return r3((s6[2]! + s6[3]!) / 2);
    };
    // wall time against wall time; the server's CPU against the statement's CPU (both inflate differently under load)
    const floorMs = median6([...floorPasses, ...after].map((f) => f.ms));
    const floorCpuMs = median6([...floorPasses, ...after].map((f) => f.cpuMs));
    latencies.sort((a, b) => a - b);
    firsts.sort((a, b) => a - b);
    const q = (xs: number[], p: number) => (xs.length === 0 ? 0 : Math.round(xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!));
    const rps = Math.round((latencies.length / SECONDS) * 10) / 10;
    const perRequest = r3(1000 / Math.max(1e-9, rps));
    const clientCpu = r3((cpu.user + cpu.system) / 1e6 / SECONDS);
    log(
      `50 keep-alive users, distinct 1-year ranges: p50 ${q(latencies, 0.5)} ms, p99 ${q(latencies, 0.99)} ms, max ${q(latencies, 1)} ms, ${rps} req/s, failed ${failed}`,
    );
    log(`first request of each connection (opened at once): median ${q(firsts, 0.5)} ms, slowest ${q(firsts, 1)} ms`);
    log(
      `per request: wall ${perRequest} ms against the statement's ${floorMs} ms (${r3(perRequest / floorMs)}x); server CPU ${serverMs} ms against its ${floorCpuMs} ms of CPU (${r3(serverMs / floorCpuMs)}x); client CPU ${clientCpu} cores; load average (1 min) ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`,
    );
    const results = [
      {
        name: 'api.signals.misses.p99',
        figure: q(latencies, 0.99),
        unit: 'ms',
        target: '< 300 ms',
        check: { of: 'figure', op: '<', value: 300 },
      },
      { name: 'api.signals.misses.p50', figure: q(latencies, 0.5), unit: 'ms' },
      {
        name: 'api.signals.misses.requests',
        figure: rps,
        unit: 'req/s',
        target: '>= 60 req/s',
        check: { of: 'figure', op: '>=', value: 60 },
      },
      {
        name: 'api.signals.misses.per-request',
        figure: perRequest,
        unit: 'ms',
        reference: floorMs,
        ratio: r3(perRequest / floorMs),
        target: 'ratio <= 1.5',
        check: { of: 'ratio', op: '<=', value: 1.5 },
      },
      { name: 'api.signals.misses.floor.sql', figure: floorMs, unit: 'ms' },
      { name: 'api.signals.misses.floor.sql-cpu', figure: floorCpuMs, unit: 'ms' },
      { name: 'api.signals.misses.failed', figure: failed, unit: 'requests', target: '0', check: { of: 'figure', op: '<=', value: 0 } },
      { name: 'api.signals.misses.first-request.slowest', figure: q(firsts, 1), unit: 'ms' },
      {
        // the route's own cost: CPU the server process spent per answered request (all its threads)
        name: 'api.signals.misses.server-cpu',
        figure: serverMs,
        unit: 'ms/request',
        reference: floorCpuMs,
        ratio: r3(serverMs / floorCpuMs),
        target: 'ratio <= 1.5',
        check: { of: 'ratio', op: '<=', value: 1.5 },
      },
      { name: 'api.signals.misses.client-cpu', figure: clientCpu, unit: 'cores' },
      { name: 'api.signals.misses.server-cpu.system', figure: serverSystemMs, unit: 'ms/request' },
      { name: 'api.signals.hits.server-cpu', figure: hitMs, unit: 'ms/request' },
      { name: 'api.signals.misses.server-gc-pauses', figure: r3(serverGc.minor + serverGc.major + serverGc.other), unit: 'ms/request' },
      { name: 'api.signals.misses.piece.downsample', figure: pieces.downsample, unit: 'ms/request' },
      { name: 'api.signals.misses.piece.body', figure: pieces.body, unit: 'ms/request' },
      { name: 'api.signals.misses.piece.etag', figure: pieces.etag, unit: 'ms/request' },
      { name: 'api.signals.misses.piece.brotli', figure: pieces.brotli, unit: 'ms/request' },
      {
        // server CPU per request not accounted for by the statement and the pieces above
        name: 'api.signals.misses.piece.rest',
        figure: r3(serverMs - floorCpuMs - pieces.downsample - pieces.body - pieces.etag - pieces.brotli),
        unit: 'ms/request',
      },
      { name: 'api.signals.misses.load-average', figure: r3(Math.max(loadBefore, loadAfter)), unit: 'load (1 min)' },
    ];
    process.stdout.write(`${JSON.stringify({ results })}\n`);
  } finally {
    store.close();
    agent.destroy();
    child.disconnect();
    await new Promise((res) => child.once('exit', res));
  }
}

if (process.env.OW_SIGNALS_BENCH_SERVER) {
  void serve();
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
