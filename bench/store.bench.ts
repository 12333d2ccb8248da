/**
 * Store write benchmark: 2,000,000 points through `SqliteStore.writeWindow` (points + hourly/daily rollups +
 * checkpoints, one transaction per window) against a bare prepared INSERT loop into an identical
 * `WITHOUT ROWID` table in one transaction, in the same process, in two row orders:
 *
 * - sorted:     rows sorted by signal. Store: one window per entity covering the whole range (20 series each).
 * - time-major: every tick touches every series. Bare: for each timestamp, every signal. Store: the range cut
 *               into windows of WINDOW_STEPS timestamps, each chunk written for every entity before the next
 *               chunk (the order a collector catching up on all entities produces).
 *
 * For time-major the store is also compared with a bare insert of exactly its own row order (window by window,
 * series by series), the like-for-like reference for the rollup and checkpoint overhead.
 *
 * 1,000 signals (50 entities × 20 signals) × 2,000 five-minute timestamps, 1% of values null (no data).
 * Every measurement uses a fresh database file with the store's pragmas; runs alternate and the median of
 * BENCH_REPEATS (default 3) is reported. Prints one JSON line on stdout; progress on stderr.
 *
 *   npx tsx bench/store.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../db/connection.js';
import { SqliteStore, type PointTuple, type WindowWrite } from '../db/store.js';
import { seededRandom } from '../services/util/random.js';

const ENTITIES = 50;
const SIGNALS_PER_ENTITY = 20;
const STEPS = 2000;
const STEP = 300;
const WINDOW_STEPS = 100;
const T0 = 1_463_702_400; // 2016-05-20T00:00:00Z
const REPEATS = Math.max(1, Number(process.env.BENCH_REPEATS ?? 3));
const TARGET = 0.7;

const SIGNAL_NAMES = [
  'ioda.bgp',
  'ioda.ping-slash24',
  'ioda.merit-nt',
  ...['YOUTUBE', 'GMAIL', 'SEARCH', 'MAPS', 'DRIVE', 'SITES', 'SPREADSHEETS', 'BOOKS'].map((t) => `ioda.gtr:${t}`),
  ...['facebook.com', 'twitter.com', 'youtube.com', 'instagram.com', 'vk.com'].map((t) => `ooni.anomaly_rate:${t}`),
  'ripestat.v4_prefixes_ris',
  'ripestat.v6_prefixes_ris',
  'ripestat.asns_ris',
  'custom.connectivity',
];
if (SIGNAL_NAMES.length !== SIGNALS_PER_ENTITY) throw new Error('signal list length');

const TOTAL = ENTITIES * SIGNALS_PER_ENTITY * STEPS;
const entityName = (e: number) => `asn:${64512 + e}`;

// values: one per (signal, step), seeded; signal index s = e * SIGNALS_PER_ENTITY + k, ids are s + 1
const rand = seededRandom(20160521);
const values = new Float64Array(TOTAL);
for (let i = 0; i < TOTAL; i++) values[i] = rand() < 0.01 ? NaN : Math.round(1000 * (100 + 50 * rand())) / 1000;
const valueAt = (s: number, step: number): number | null => {
  const v = values[s * STEPS + step]!;
  return Number.isNaN(v) ? null : v;
};

function series(e: number, from: number, until: number): WindowWrite['series'] {
  return SIGNAL_NAMES.map((name, k) => {
    const s = e * SIGNALS_PER_ENTITY + k;
    const points: PointTuple[] = [];
    for (let step = from; step < until; step++) points.push([T0 + step * STEP, valueAt(s, step)]);
    return { signal: { name, step: STEP }, points };
  });
}

/** The windows in each order, built before timing. */
function windows(order: 'sorted' | 'time-major'): WindowWrite[] {
  const out: WindowWrite[] = [];
  if (order === 'sorted') {
    for (let e = 0; e < ENTITIES; e++)
      out.push({ collector: 'bench', entity: entityName(e), from: T0, until: T0 + STEPS * STEP, series: series(e, 0, STEPS) });
  } else {
    for (let c = 0; c < STEPS; c += WINDOW_STEPS) {
      const end = Math.min(STEPS, c + WINDOW_STEPS);
      for (let e = 0; e < ENTITIES; e++)
        out.push({ collector: 'bench', entity: entityName(e), from: T0 + c * STEP, until: T0 + end * STEP, series: series(e, c, end) });
    }
  }
  return out;
}

/** Bare rows as parallel arrays, built before timing. */
function bareRows(order: 'sorted' | 'time-major'): { sig: Int32Array; ts: Int32Array; val: Array<number | null> } {
  const sig = new Int32Array(TOTAL);
  const ts = new Int32Array(TOTAL);
  const val: Array<number | null> = new Array<number | null>(TOTAL);
  let i = 0;
  const nSignals = ENTITIES * SIGNALS_PER_ENTITY;
  if (order === 'sorted') {
    for (let s = 0; s < nSignals; s++)
      for (let step = 0; step < STEPS; step++, i++) {
        sig[i] = s + 1;
        ts[i] = T0 + step * STEP;
        val[i] = valueAt(s, step);
      }
  } else {
    for (let step = 0; step < STEPS; step++)
      for (let s = 0; s < nSignals; s++, i++) {
        sig[i] = s + 1;
        ts[i] = T0 + step * STEP;
        val[i] = valueAt(s, step);
      }
  }
  return { sig, ts, val };
}

/** The store's time-major row order (window by window, series by series) as bare rows: the like-for-like reference. */
function bareRowsInWindowOrder(): ReturnType<typeof bareRows> {
  const sig = new Int32Array(TOTAL);
  const ts = new Int32Array(TOTAL);
  const val: Array<number | null> = new Array<number | null>(TOTAL);
  let i = 0;
  for (let c = 0; c < STEPS; c += WINDOW_STEPS) {
    const end = Math.min(STEPS, c + WINDOW_STEPS);
    for (let e = 0; e < ENTITIES; e++)
      for (let k = 0; k < SIGNALS_PER_ENTITY; k++) {
        const s = e * SIGNALS_PER_ENTITY + k;
        for (let step = c; step < end; step++, i++) {
          sig[i] = s + 1;
          ts[i] = T0 + step * STEP;
          val[i] = valueAt(s, step);
        }
      }
  }
  return { sig, ts, val };
}

const dir = mkdtempSync(join(tmpdir(), 'ow-bench-store-'));
let fileNo = 0;

/** Rows per second of wall time; rows per CPU second of this process goes to `cpuRates` (context on a busy machine). */
const cpuRates: number[] = [];
const cpuSeconds = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;

function timeBare(rows: ReturnType<typeof bareRows>): number {
  const path = join(dir, `bare-${fileNo++}.db`);
  const db = openDb(path);
  db.exec('CREATE TABLE points (signal_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL, PRIMARY KEY (signal_id, ts)) WITHOUT ROWID');
  const ins = db.prepare('INSERT INTO points (signal_id, ts, value) VALUES (?, ?, ?)');
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  db.transaction(() => {
    for (let i = 0; i < TOTAL; i++) ins.run(rows.sig[i], rows.ts[i], rows.val[i]);
  })();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  cpuRates.push(TOTAL / cpuSeconds(process.cpuUsage(cpu0)));
  const n = (db.prepare('SELECT count(*) AS n FROM points').get() as { n: number }).n;
  db.close();
  rmSync(path, { force: true });
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
  if (n !== TOTAL) throw new Error(`bare insert wrote ${n} rows, expected ${TOTAL}`);
  return TOTAL / seconds;
}

function timeStore(ws: WindowWrite[]): number {
  const path = join(dir, `store-${fileNo++}.db`);
  const store = SqliteStore.open(path);
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let written = 0;
  for (const w of ws) written += store.writeWindow(w).points;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  cpuRates.push(TOTAL / cpuSeconds(process.cpuUsage(cpu0)));
  const n = (store.db.prepare('SELECT count(*) AS n FROM points').get() as { n: number }).n;
  const daily = (store.db.prepare('SELECT sum(n) AS n FROM points_daily').get() as { n: number }).n;
  store.close();
  rmSync(path, { force: true });
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
  if (written !== TOTAL || n !== TOTAL) throw new Error(`store wrote ${n} rows (${written} reported), expected ${TOTAL}`);
  const nonNull = values.reduce((acc, v) => acc + (Number.isNaN(v) ? 0 : 1), 0);
  if (daily !== nonNull) throw new Error(`daily rollup counts ${daily} values, expected ${nonNull}`);
  return TOTAL / seconds;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const fmt = (x: number) => `${(x / 1e6).toFixed(3)} M/s`;

const results: Array<{
  name: string;
  figure: number;
  unit: string;
  reference?: number;
  ratio?: number;
  target?: string;
  check?: { of: 'ratio'; op: '>='; value: number };
}> = [];
try {
  for (const order of ['sorted', 'time-major'] as const) {
    const rows = bareRows(order);
    const sameOrder = order === 'time-major' ? bareRowsInWindowOrder() : null;
    const ws = windows(order);
    const bare: number[] = [];
    const bareSame: number[] = [];
    const store: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      // alternate, so that drift on the machine hits every side alike
      bare.push(timeBare(rows));
      store.push(timeStore(ws));
      if (sameOrder) bareSame.push(timeBare(sameOrder));
      const cpu = cpuRates.splice(0).map(fmt);
      process.stderr.write(
        `store.bench ${order} run ${r + 1}/${REPEATS}: bare ${fmt(bare.at(-1)!)}, window writes ${fmt(store.at(-1)!)} (${ws.length} windows)` +
          `${sameOrder ? `, bare in the windows' row order ${fmt(bareSame.at(-1)!)}` : ''}; per CPU second: ${cpu.join(', ')}\n`,
      );
    }
    const b = median(bare);
    const s = median(store);
    const ratio = (x: number, ref: number) => Math.round((x / ref) * 1000) / 1000;
    results.push({ name: `store.bare-insert.${order}`, figure: Math.round(b), unit: 'rows/s' });
    results.push({
      name: `store.window-write.${order}`,
      figure: Math.round(s),
      unit: 'points/s',
      reference: Math.round(b),
      ratio: ratio(s, b),
      target: `>= ${TARGET}`,
      check: { of: 'ratio', op: '>=', value: TARGET },
    });
    if (sameOrder) {
      const bs = median(bareSame);
      results.push({ name: 'store.bare-insert.window-order', figure: Math.round(bs), unit: 'rows/s' });
      results.push({
        name: 'store.window-write.vs-window-order',
        figure: Math.round(s),
        unit: 'points/s',
        reference: Math.round(bs),
        ratio: ratio(s, bs),
        target: `>= ${TARGET}`,
        check: { of: 'ratio', op: '>=', value: TARGET },
      });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify({ results })}\n`);
