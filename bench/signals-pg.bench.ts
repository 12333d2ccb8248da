/**
 * Chart reads on PostgreSQL against SQLite for the same data (issue 23): the reads behind `/api/signals`.
 *
 * Data: the shared ten-year database (`bench/tenyear-db.ts`: 2014–2024 of IODA-shaped country:KZ, four signals,
 * 2.8 M points, SYNTHETIC) on SQLite, copied as it is into a fresh PostgreSQL database with `outagewatch db copy`'s
 * code (`copyDatabase`, ids, points and rollups kept bit for bit), on a private cluster started here like the
 * tests' (fsync off, loopback) or `OUTAGEWATCH_TEST_PG_URL` (a superuser URL).
 * Requests: N seeded chart requests (default 300) of every signal of the entity over a range of one day, a week, a
 * month, a year or ten years at a random start; each series at the resolution `/api/signals` picks for 1,000 points
 * (`chooseResolution`), read through the store interface (`PointStore.readSeries`) — on SQLite the synchronous
 * statements the API runs, on PostgreSQL the four series of a request at once over the pool, as a route would.
 * Both backends answer the same requests in alternating order (so a change of load on this shared 2-core machine
 * hits both alike), and their answers are compared (same times; values equal).
 * Figures: p50 and p99 milliseconds per request on each backend; target: PostgreSQL p99 < 300 ms (the API's
 * target, bench/signals-load.bench.ts).
 * Then the same requests over HTTP, in the same run: `outagewatch serve` (`startServing`, in this process) on the
 * SQLite file and on the PostgreSQL copy, `GET /api/signals?entity=…&from=…&until=…&maxPoints=1000` with a browser's
 * Accept-Encoding, one request at a time, alternating which backend goes first; p50 and p99 per backend (target:
 * PostgreSQL p99 < 300 ms) and how many answers were byte-identical once decoded. Until PostgreSQL's rollups carry
 * the times of their extremes (min_ts/max_ts, issue 23) its charts place rollup rows at their start, so bodies of
 * rollup resolutions differ; the figure says how many.
 *
 *   npx tsx bench/signals-pg.bench.ts          (BENCH_REQUESTS=300)
 */
import { request as httpRequest } from 'node:http';
import { loadavg } from 'node:os';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import pg from 'pg';
import { SqliteStore } from '../db/store.js';
import { silentLogger } from '../core/logger.js';
import { configSchema } from '../services/program-config.js';
import { startServing, type Serving } from '../services/commands/serve.js';
import { copyDatabase } from '../db/copy.js';
import { openPointStore } from '../db/open.js';
import type { PointStore } from '../db/repository.js';
import type { SeriesColumns } from '../db/signals-read.js';
import { chooseResolution } from '../dashboards/api/signals.js';
import { seededRandom } from '../services/util/random.js';
import { findPgBin, startCluster } from '../test/pg-global-setup.js';
import { TEN_DB_PATH, TEN_ENTITY, TEN_FROM, TEN_UNTIL, tenYearDb } from './tenyear-db.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const MAX_POINTS = 1000;
const DAY = 86400;
const SPANS = [DAY, 7 * DAY, 30 * DAY, 365 * DAY, TEN_UNTIL - TEN_FROM];
const TARGET_P99_MS = 300;

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

interface Request {
  from: number;
  until: number;
}

function requests(): Request[] {
  const rnd = seededRandom(2317);
  return Array.from({ length: REQUESTS }, () => {
    const span = SPANS[Math.floor(rnd() * SPANS.length)]!;
    const from = TEN_FROM + Math.floor((rnd() * Math.max(0, TEN_UNTIL - TEN_FROM - span)) / 3600) * 3600;
    return { from, until: from + span };
  });
}

type Plan = Array<{ id: number; step: number }>;

async function chart(store: PointStore, plan: Plan, r: Request, parallel: boolean): Promise<SeriesColumns[]> {
  const one = (s: Plan[number]) =>
    store.readSeries(s.id, chooseResolution(s.step, r.until - r.from, MAX_POINTS).resolution, r.from, r.until);
  if (parallel) return Promise.all(plan.map(one));
  const out: SeriesColumns[] = [];
  for (const s of plan) out.push(await one(s));
  return out;
}

/** One GET: milliseconds until the whole body arrived, and the body decoded. */
function get(url: string): Promise<{ ms: number; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = httpRequest(url, { headers: { 'accept-encoding': 'gzip, deflate, br', accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const ms = performance.now() - t;
        const raw = Buffer.concat(chunks);
        const enc = res.headers['content-encoding'];
        const body = (enc === 'br' ? brotliDecompressSync(raw) : enc === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
        resolve({ ms, status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function serveOn(db: string, sqlite?: SqliteStore): Promise<Serving> {
  const config = configSchema.parse({ db, host: '127.0.0.1', port: 0, api: { rateLimit: { max: 0 } } });
  return startServing({ config, log: silentLogger, ...(sqlite ? { sqlite } : {}) });
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
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
  try {
    const ten = tenYearDb();
    const url = await createDb(admin, 'bench_signals');
    const t0 = performance.now();
    const copied = await copyDatabase({ backend: 'sqlite', path: TEN_DB_PATH }, { backend: 'postgres', url }, { coreOnly: true });
    process.stderr.write(
      `signals-pg: ${ten.points} points copied SQLite -> PostgreSQL in ${((performance.now() - t0) / 1000).toFixed(1)} s (checksum ${copied.rollupChecksum.slice(0, 12)})\n`,
    );
    const sqlite = await openPointStore(TEN_DB_PATH);
    const pgs = await openPointStore(url);
    try {
      await pgs.readSeries(0, 'raw', 0, 1); // connect the pool before timing
      const sigsA = await sqlite.listSignals(TEN_ENTITY);
      const sigsB = await pgs.listSignals(TEN_ENTITY);
      if (JSON.stringify(sigsA.map((s) => [s.id, s.name])) !== JSON.stringify(sigsB.map((s) => [s.id, s.name])))
        throw new Error('the copy does not hold the same signals');
      const plan: Plan = sigsA.map((s) => ({ id: s.id, step: s.step ?? 300 }));
      const reqs = requests();
      const ms: Record<'sqlite' | 'postgres', number[]> = { sqlite: [], postgres: [] };
      const load0 = loadavg()[0]!;
      for (let i = 0; i < reqs.length; i++) {
        const r = reqs[i]!;
        const order = i % 2 ? (['postgres', 'sqlite'] as const) : (['sqlite', 'postgres'] as const);
        const answers: Partial<Record<'sqlite' | 'postgres', SeriesColumns[]>> = {};
        for (const b of order) {
          const t = performance.now();
          answers[b] = await chart(b === 'sqlite' ? sqlite : pgs, plan, r, b === 'postgres');
          ms[b].push(performance.now() - t);
        }
        const a = answers.sqlite!;
        const p = answers.postgres!;
        for (let k = 0; k < a.length; k++) {
          if (a[k]!.ts.length !== p[k]!.ts.length || a[k]!.ts.some((x, j) => x !== p[k]!.ts[j]))
            throw new Error(`request ${i} (${r.from}..${r.until}) series ${plan[k]!.id}: different times on the two backends`);
          for (const col of ['lo', 'hi'] as const)
            if (a[k]![col].some((x, j) => x !== p[k]![col][j]))
              throw new Error(`request ${i}: different ${col} values on the two backends`);
        }
      }
      const load1 = loadavg()[0]!;
      const fig = (b: 'sqlite' | 'postgres', from = ms) => {
        const s = [...from[b]].sort((x, y) => x - y);
        return { p50: quantile(s, 0.5), p99: quantile(s, 0.99) };
      };
      const A = fig('sqlite');
      const B = fig('postgres');
      process.stderr.write(
        `signals-pg: ${reqs.length} chart requests x ${plan.length} series; SQLite p50 ${A.p50.toFixed(1)} ms p99 ${A.p99.toFixed(1)} ms; ` +
          `PostgreSQL p50 ${B.p50.toFixed(1)} ms p99 ${B.p99.toFixed(1)} ms; load average ${load0.toFixed(1)} -> ${load1.toFixed(1)}\n`,
      );

      // the same requests over HTTP: a `serve` on each backend, over the same data
      const readOnly = SqliteStore.open(TEN_DB_PATH, { readonly: true });
      const servers = { sqlite: await serveOn(TEN_DB_PATH, readOnly), postgres: await serveOn(url) };
      const http: Record<'sqlite' | 'postgres', number[]> = { sqlite: [], postgres: [] };
      let identical = 0;
      const load2 = loadavg()[0]!;
      try {
        const path = (r: Request) =>
          `/api/signals?entity=${encodeURIComponent(TEN_ENTITY)}&from=${r.from}&until=${r.until}&maxPoints=${MAX_POINTS}`;
        // one warm-up request each (statements prepared, pool connected)
        for (const b of ['sqlite', 'postgres'] as const) await get(`${servers[b].url}${path({ from: TEN_FROM, until: TEN_FROM + DAY })}`);
        for (let i = 0; i < reqs.length; i++) {
          const order = i % 2 ? (['postgres', 'sqlite'] as const) : (['sqlite', 'postgres'] as const);
          const bodies: Partial<Record<'sqlite' | 'postgres', string>> = {};
          for (const b of order) {
            const r = await get(`${servers[b].url}${path(reqs[i]!)}`);
            if (r.status !== 200) throw new Error(`${b}: HTTP ${r.status} for request ${i}: ${r.body.slice(0, 200)}`);
            http[b].push(r.ms);
            bodies[b] = r.body;
          }
          if (bodies.sqlite === bodies.postgres) identical++;
        }
      } finally {
        await servers.sqlite.stop();
        await servers.postgres.stop();
        readOnly.close();
      }
      const load3 = loadavg()[0]!;
      const HA = fig('sqlite', http);
      const HB = fig('postgres', http);
      process.stderr.write(
        `signals-pg: over HTTP (serve on each backend, same ${reqs.length} requests): SQLite p50 ${HA.p50.toFixed(1)} ms p99 ${HA.p99.toFixed(1)} ms; ` +
          `PostgreSQL p50 ${HB.p50.toFixed(1)} ms p99 ${HB.p99.toFixed(1)} ms; identical bodies ${identical}/${reqs.length}; load average ${load2.toFixed(1)} -> ${load3.toFixed(1)}\n`,
      );
      const round = (x: number) => Math.round(x * 10) / 10;
      const results = [
        { name: 'signals-read.sqlite.p50', figure: round(A.p50), unit: 'ms' },
        { name: 'signals-read.sqlite.p99', figure: round(A.p99), unit: 'ms' },
        { name: 'signals-read.postgres.p50', figure: round(B.p50), unit: 'ms', reference: round(A.p50), ratio: round(B.p50 / A.p50) },
        {
          name: 'signals-read.postgres.p99',
          figure: round(B.p99),
          unit: 'ms',
          reference: round(A.p99),
          ratio: round(B.p99 / A.p99),
          target: `< ${TARGET_P99_MS} ms`,
          check: { of: 'figure' as const, op: '<' as const, value: TARGET_P99_MS },
        },
        { name: 'signals-read.load-average', figure: round((load0 + load1) / 2), unit: '1-min load' },
        { name: 'api.signals.sqlite.p50', figure: round(HA.p50), unit: 'ms' },
        { name: 'api.signals.sqlite.p99', figure: round(HA.p99), unit: 'ms' },
        { name: 'api.signals.postgres.p50', figure: round(HB.p50), unit: 'ms', reference: round(HA.p50), ratio: round(HB.p50 / HA.p50) },
        {
          name: 'api.signals.postgres.p99',
          figure: round(HB.p99),
          unit: 'ms',
          reference: round(HA.p99),
          ratio: round(HB.p99 / HA.p99),
          target: `< ${TARGET_P99_MS} ms`,
          check: { of: 'figure' as const, op: '<' as const, value: TARGET_P99_MS },
        },
        { name: 'api.signals.identical-bodies', figure: identical, unit: `of ${reqs.length}` },
        { name: 'api.signals.load-average', figure: round((load2 + load3) / 2), unit: '1-min load' },
      ];
      process.stdout.write(`${JSON.stringify({ results })}\n`);
    } finally {
      await sqlite.close();
      await pgs.close();
    }
  } finally {
    await stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
