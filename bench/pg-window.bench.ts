/**
 * Window writes on PostgreSQL (issue 23) against a bare COPY of the same rows, in the same run on the same server.
 *
 * Two shapes of windows, each measured the same way:
 * - **backfill** (the target): windows as the daemon plans an IODA backfill — the backfill chunk of IODA's cadence
 *   (`cadenceOf(defaults, 'ioda').chunk`, 7 days) for one datasource group each (bgp, ping-slash24 and merit-nt
 *   are one signal apiece: 2,016 five-minute points a window), for 50 countries. This is the write a user waits for
 *   when history is filled in.
 * - **day**: one UTC day of three signals per window (864 points), the shape this bench used before session 28;
 *   shown beside it without a target: the fixed cost of one transaction per window weighs most here.
 * The window write does everything `PgPointStore.writeWindow` does (upsert of the points, hourly/6-hour/daily
 * rollups, checkpoints, one transaction a window); the reference is a bare binary COPY of exactly those rows into
 * the same partitioned `points` table of another fresh database (partitions made first, not timed; one COPY per
 * round of windows), nothing else. The two alternate round by round (a round is every window starting at one
 * time), so a change of load on a shared machine hits both alike. Target: window writes at >= 50 % of the COPY's
 * rows per second.
 *
 * A second reference, reported beside it (no target): the same rows as one bare COPY per WINDOW (each its own
 * statement and transaction, as a window write must be) into a third database, in the same rounds — what one
 * transaction per window costs before any rollup or checkpoint is written.
 *
 * The server is a private cluster started here like the tests' (test/pg-global-setup.ts: fsync off, loopback), or
 * `OUTAGEWATCH_TEST_PG_URL` (a superuser URL). Both sides run on the same server with the same settings.
 * `BENCH_PG_DAYS` (default 4): rounds of each shape (days of the day shape, backfill chunks of the other).
 */
import { loadavg } from 'node:os';
import { finished } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyRows, PgPointStore } from '../db/postgres/store.js';
import { ensurePartitions, partitionsBetween } from '../db/postgres/partitions.js';
import type { PointTuple, WindowWrite } from '../db/store.js';
import { cadenceOf, parseCollectionConfig } from '../services/scheduler/policy.js';
import { seededRandom } from '../services/util/random.js';
import { findPgBin, startCluster } from '../test/pg-global-setup.js';

const TARGET = 0.5;
const DAYS = Number(process.env.BENCH_PG_DAYS ?? 4);
const COUNTRIES = [
  'AF',
  'AM',
  'AZ',
  'BD',
  'BY',
  'CD',
  'CM',
  'CN',
  'CU',
  'DZ',
  'EG',
  'ET',
  'GA',
  'GN',
  'IN',
  'IQ',
  'IR',
  'JO',
  'KG',
  'KZ',
  'LY',
  'MA',
  'ML',
  'MM',
  'MR',
  'NE',
  'NG',
  'NI',
  'PK',
  'PS',
  'RU',
  'RW',
  'SA',
  'SD',
  'SN',
  'SO',
  'SS',
  'SY',
  'TD',
  'TG',
  'TJ',
  'TM',
  'TN',
  'TR',
  'TZ',
  'UG',
  'UZ',
  'VE',
  'YE',
  'ZW',
];
const SIGNALS = ['ioda.bgp', 'ioda.ping-slash24', 'ioda.merit-nt'];
const DAY0 = Date.UTC(2024, 0, 1) / 1000;
/** The daemon's IODA backfill window: its cadence's chunk (the default configuration). */
const BACKFILL_SPAN = cadenceOf(parseCollectionConfig({}), 'ioda').chunk;

interface Shape {
  name: 'backfill' | 'day';
  /** Seconds a window spans. */
  span: number;
  /** The signals of one window (each window of a round takes one group). */
  groups: string[][];
  rounds: number;
}

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

/** Drops the databases of an earlier shape and waits for the server's checkpoint, so each shape starts alike. */
async function dropBenchDatabases(admin: string): Promise<void> {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    const { rows } = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_%'");
    for (const r of rows) await c.query(`DROP DATABASE ${r.datname} WITH (FORCE)`);
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

/** Every window of a shape, round by round (a round: every country and group, starting at the same time). */
function windows(shape: Shape): WindowWrite[] {
  const rnd = seededRandom(2023);
  const out: WindowWrite[] = [];
  for (let d = 0; d < shape.rounds; d++) {
    const from = DAY0 + d * shape.span;
    for (const cc of COUNTRIES) {
      for (const group of shape.groups) {
        out.push({
          collector: 'ioda',
          entity: `country:${cc}`,
          from,
          until: from + shape.span,
          series: group.map((name) => ({
            signal: { name, step: 300 },
            points: Array.from({ length: shape.span / 300 }, (_, i): PointTuple => [
              from + i * 300,
              rnd() < 0.02 ? null : Math.round(rnd() * 1e5) / 10,
            ]),
          })),
        });
      }
    }
  }
  return out;
}

interface Measured {
  windows: number;
  rows: number;
  windowSeconds: number;
  copySeconds: number;
  perWindowSeconds: number;
  bytesPerPoint: number;
}

async function measure(admin: string, shape: Shape): Promise<Measured> {
  const ws = windows(shape);
  const perRound = COUNTRIES.length * shape.groups.length;
  const end = DAY0 + shape.rounds * shape.span - 1;
  const rows = ws.reduce((n, w) => n + w.series.reduce((m, s) => m + s.points.length, 0), 0);
  const store = await PgPointStore.open(await createDb(admin, `bench_windows_${shape.name}`));
  const copyStore = await PgPointStore.open(await createDb(admin, `bench_copy_${shape.name}`));
  const c = await copyStore.pool.connect();
  await ensurePartitions(c, [...partitionsBetween('points', DAY0, end)], new Set());
  const perWindowStore = await PgPointStore.open(await createDb(admin, `bench_copy_windows_${shape.name}`));
  const c2 = await perWindowStore.pool.connect();
  await ensurePartitions(c2, [...partitionsBetween('points', DAY0, end)], new Set());

  // Alternating rounds so that a change of load on a shared machine hits both sides alike: the window writes of
  // the round, then a bare binary COPY of exactly those rows (same signal ids) into the other database's `points`,
  // one COPY statement per round, then the same rows as one COPY per window into the third.
  let windowSeconds = 0;
  let copySeconds = 0;
  let perWindowSeconds = 0;
  const ids = new Map<string, number>();
  for (let d = 0; d < shape.rounds; d++) {
    const round = ws.slice(d * perRound, (d + 1) * perRound);
    const t0 = performance.now();
    for (const w of round) await store.writeWindow(w);
    windowSeconds += (performance.now() - t0) / 1000;
    process.stderr.write(`${shape.name} round ${d}: ${(performance.now() - t0).toFixed(0)} ms\n`);
    if (ids.size === 0) for (const s of await store.listSignals()) ids.set(`${s.entity}|${s.name}`, s.id);
    const sid: number[] = [];
    const perWindow: Buffer[] = [];
    const cols = round.flatMap((w) => {
      const wsid: number[] = [];
      const wcols = w.series.map((s) => {
        wsid.push(ids.get(`${w.entity}|${s.signal.name}`)!);
        const ts = s.points.map((p) => p[0]);
        return { ts, values: s.points.map((p) => p[1]), lo: ts[0]!, hi: ts[ts.length - 1]! };
      });
      for (const x of wsid) sid.push(x);
      perWindow.push(copyRows(wsid, wcols));
      return wcols;
    });
    const buf = copyRows(sid, cols);
    const t1 = performance.now();
    const stream = c.query(copyFrom('COPY points (signal_id, ts, value) FROM STDIN (FORMAT binary)'));
    stream.end(buf);
    await finished(stream);
    copySeconds += (performance.now() - t1) / 1000;
    const t2 = performance.now();
    for (const b of perWindow) {
      const s = c2.query(copyFrom('COPY points (signal_id, ts, value) FROM STDIN (FORMAT binary)'));
      s.end(b);
      await finished(s);
    }
    perWindowSeconds += (performance.now() - t2) / 1000;
  }
  c.release();
  c2.release();
  await copyStore.close();
  await perWindowStore.close();
  const size = await store.pool.query<{ bytes: number }>(
    "SELECT sum(pg_total_relation_size(relid)) AS bytes FROM pg_partition_tree('points')",
  );
  await store.close();
  return { windows: ws.length, rows, windowSeconds, copySeconds, perWindowSeconds, bytesPerPoint: size.rows[0]!.bytes / rows };
}

/** The result lines of one shape: `prefix` names them; the target only where `target` is set. */
function results(prefix: string, m: Measured, target: boolean) {
  const w = m.rows / m.windowSeconds;
  const b = m.rows / m.copySeconds;
  const bw = m.rows / m.perWindowSeconds;
  return [
    { name: `${prefix}.bare-copy`, figure: Math.round(b), unit: 'rows/s' },
    {
      name: `${prefix}.window-write`,
      figure: Math.round(w),
      unit: 'points/s',
      reference: Math.round(b),
      ratio: Math.round((w / b) * 1000) / 1000,
      ...(target ? { target: `>= ${TARGET}`, check: { of: 'ratio' as const, op: '>=' as const, value: TARGET } } : {}),
    },
    // the same rows as one bare COPY per window (one transaction each): shown beside the target, not a target
    {
      name: `${prefix}.bare-copy-per-window`,
      figure: Math.round(bw),
      unit: 'rows/s',
      reference: Math.round(b),
      ratio: Math.round((bw / b) * 1000) / 1000,
    },
    {
      name: `${prefix}.window-write.vs-copy-per-window`,
      figure: Math.round(w),
      unit: 'points/s',
      reference: Math.round(bw),
      ratio: Math.round((w / bw) * 1000) / 1000,
    },
  ];
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
    const shapes: Shape[] = [
      { name: 'day', span: 86400, groups: [SIGNALS], rounds: DAYS },
      { name: 'backfill', span: BACKFILL_SPAN, groups: SIGNALS.map((x) => [x]), rounds: DAYS },
    ];
    const out = [];
    for (const shape of shapes) {
      // what the previous shape left the server to do (dirty pages, autovacuum of its tables) must not land on this one
      await dropBenchDatabases(admin);
      const m = await measure(admin, shape);
      const [load1] = loadavg();
      process.stderr.write(
        `pg ${shape.name} (${m.rows / m.windows} points a window): ${m.windows} windows, ${m.rows} rows: window writes ${m.windowSeconds.toFixed(2)} s, ` +
          `bare COPY ${m.copySeconds.toFixed(2)} s (one per window: ${m.perWindowSeconds.toFixed(2)} s); load average ${load1!.toFixed(1)}\n`,
      );
      for (const r of results(shape.name === 'backfill' ? 'pg' : 'pg.day-windows', m, shape.name === 'backfill')) out.push(r);
      // the sizing arithmetic of docs/scale.md: heap + primary key, per stored point
      if (shape.name === 'backfill')
        out.push({ name: 'pg.points-bytes-per-point', figure: Math.round(m.bytesPerPoint * 10) / 10, unit: 'bytes' });
    }
    process.stdout.write(`${JSON.stringify({ results: out })}\n`);
  } finally {
    await stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
