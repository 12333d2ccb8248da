/**
 * Window writes on PostgreSQL (issue 23) against a bare COPY of the same rows, in the same run on the same server.
 *
 * Data: W windows of one UTC day each, 3 signals of 5-minute points (864 rows a window), for 50 countries —
 * the shape of an IODA backfill. The window write does everything `PgPointStore.writeWindow` does (upsert of the
 * points, hourly/6-hour/daily rollups, checkpoints, one transaction a window); the reference is a bare binary COPY
 * of exactly those rows into the same partitioned `points` table of another fresh database (partitions made first,
 * not timed; one COPY per day of windows), nothing else. The two alternate day by day, so a change of load on a
 * shared machine hits both alike. Target: window writes at >= 50 % of the COPY's rows per second.
 *
 * A second reference, reported beside it (no target): the same rows as one bare COPY per WINDOW (each its own
 * statement and transaction, as a window write must be) into a third database, in the same rounds — what one
 * transaction per window costs before any rollup or checkpoint is written.
 *
 * The server is a private cluster started here like the tests' (test/pg-global-setup.ts: fsync off, loopback), or
 * `OUTAGEWATCH_TEST_PG_URL` (a superuser URL). Both sides run on the same server with the same settings.
 */
import { loadavg } from 'node:os';
import { finished } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyRows, PgPointStore } from '../db/postgres/store.js';
import { ensurePartitions, partitionsBetween } from '../db/postgres/partitions.js';
import type { PointTuple, WindowWrite } from '../db/store.js';
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

function windows(): WindowWrite[] {
  const rnd = seededRandom(2023);
  const out: WindowWrite[] = [];
  for (let d = 0; d < DAYS; d++) {
    for (const cc of COUNTRIES) {
      const from = DAY0 + d * 86400;
      out.push({
        collector: 'ioda',
        entity: `country:${cc}`,
        from,
        until: from + 86400,
        series: SIGNALS.map((name) => ({
          signal: { name, step: 300 },
          points: Array.from({ length: 288 }, (_, i): PointTuple => [from + i * 300, rnd() < 0.02 ? null : Math.round(rnd() * 1e5) / 10]),
        })),
      });
    }
  }
  return out;
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
    const ws = windows();
    const rows = ws.reduce((n, w) => n + w.series.reduce((m, s) => m + s.points.length, 0), 0);
    const store = await PgPointStore.open(await createDb(admin, 'bench_windows'));
    const copyStore = await PgPointStore.open(await createDb(admin, 'bench_copy'));
    const c = await copyStore.pool.connect();
    await ensurePartitions(c, [...partitionsBetween('points', DAY0, DAY0 + DAYS * 86400 - 1)], new Set());
    const perWindowStore = await PgPointStore.open(await createDb(admin, 'bench_copy_windows'));
    const c2 = await perWindowStore.pool.connect();
    await ensurePartitions(c2, [...partitionsBetween('points', DAY0, DAY0 + DAYS * 86400 - 1)], new Set());

    // Alternating rounds (one day of every country each) so that a change of load on a shared machine hits both
    // sides alike: the window writes of the day, then a bare binary COPY of exactly those rows (same signal ids)
    // into the other database's `points`, one COPY statement per round.
    let windowSeconds = 0;
    let copySeconds = 0;
    let perWindowSeconds = 0;
    const ids = new Map<string, number>();
    for (let d = 0; d < DAYS; d++) {
      const day = ws.slice(d * COUNTRIES.length, (d + 1) * COUNTRIES.length);
      const t0 = performance.now();
      for (const w of day) await store.writeWindow(w);
      windowSeconds += (performance.now() - t0) / 1000;
      process.stderr.write(`day ${d}: ${(performance.now() - t0).toFixed(0)} ms\n`);
      if (ids.size === 0) for (const s of await store.listSignals()) ids.set(`${s.entity}|${s.name}`, s.id);
      const sid: number[] = [];
      const perWindow: Buffer[] = [];
      const cols = day.flatMap((w) => {
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
    const bytesPerPoint = size.rows[0]!.bytes / rows;
    await store.close();

    const w = rows / windowSeconds;
    const b = rows / copySeconds;
    const bw = rows / perWindowSeconds;
    const [load1] = loadavg();
    process.stderr.write(
      `pg: ${ws.length} windows, ${rows} rows: window writes ${windowSeconds.toFixed(2)} s, bare COPY ${copySeconds.toFixed(2)} s ` +
        `(one per window: ${perWindowSeconds.toFixed(2)} s); load average ${load1!.toFixed(1)}\n`,
    );
    const results = [
      { name: 'pg.bare-copy', figure: Math.round(b), unit: 'rows/s' },
      // the sizing arithmetic of docs/scale.md: heap + primary key, per stored point
      { name: 'pg.points-bytes-per-point', figure: Math.round(bytesPerPoint * 10) / 10, unit: 'bytes' },
      {
        name: 'pg.window-write',
        figure: Math.round(w),
        unit: 'points/s',
        reference: Math.round(b),
        ratio: Math.round((w / b) * 1000) / 1000,
        target: `>= ${TARGET}`,
        check: { of: 'ratio' as const, op: '>=' as const, value: TARGET },
      },
      // the same rows as one bare COPY per window (one transaction each): shown beside the target, not a target
      {
        name: 'pg.bare-copy-per-window',
        figure: Math.round(bw),
        unit: 'rows/s',
        reference: Math.round(b),
        ratio: Math.round((bw / b) * 1000) / 1000,
      },
      {
        name: 'pg.window-write.vs-copy-per-window',
        figure: Math.round(w),
        unit: 'points/s',
        reference: Math.round(bw),
        ratio: Math.round((w / bw) * 1000) / 1000,
      },
    ];
    process.stdout.write(`${JSON.stringify({ results })}\n`);
  } finally {
    await stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
