/**
 * The ten-year database the read-path benchmarks share (issue 21): 2014-01-01 … 2024-01-01 of IODA-shaped data
 * for country:KZ — `ioda.bgp` and `ioda.merit-nt` every 5 minutes, `ioda.ping-slash24` every 10, `ioda.gtr:YOUTUBE`
 * every 30 (2.8 M points) — with a seeded blackout about every two days (1–6 hours, the signals fall to 5–20 %;
 * those become the stored outages, ~1,800 as on the real KZ series), 300 calendar events and a reference list.
 * SYNTHETIC: generated for benchmarks, never shown as measurements.
 *
 * Everything is written through the project's own write paths (`SqliteStore.writeWindow` in 30-day windows with
 * its rollups, `replaceOutages`, `upsertEvents`, `upsertReferenceOutages`) once, into the temp folder
 * (`outagewatch-tenyear-v3.db`, built under another name and renamed when complete); every benchmark of a run (and
 * later runs) reuses the file. `OW_TENYEAR_DB` points elsewhere.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { upsertEvents } from '../db/calendar.js';
import { replaceOutages } from '../db/outages.js';
import { upsertReferenceOutages, type ReferenceOutage } from '../db/reference.js';
import { SqliteStore, type PointTuple } from '../db/store.js';
import type { ProtestEvent } from '../core/calendar.js';
import type { Outage } from '../core/outage.js';
import { seededRandom } from '../services/util/random.js';

export const TEN_FROM = Date.UTC(2014, 0, 1) / 1000;
export const TEN_UNTIL = Date.UTC(2024, 0, 1) / 1000;
export const TEN_ENTITY = 'country:KZ';
export const TEN_SIGNALS = [
  // noise: ± this fraction of the level. BGP (routed /24 prefixes) has no daily swing and barely moves outside
  // outages, which is why IODA's rule warns at 99 % (with a swing or ± 3 % noise it would raise tens of thousands
  // of false outages over ten years, where the real KZ series has ~1,800)
  { name: 'ioda.bgp', step: 300, level: 1200, diurnal: 0, floor: 0.1, noise: 0.002 },
  { name: 'ioda.merit-nt', step: 300, level: 4000, diurnal: 0.3, floor: 0.2, noise: 0.03 },
  { name: 'ioda.ping-slash24', step: 600, level: 900, diurnal: 0.05, floor: 0.05, noise: 0.03 },
  { name: 'ioda.gtr:YOUTUBE', step: 1800, level: 600, diurnal: 0.6, floor: 0.05, noise: 0.03 },
] as const;
const WINDOW = 30 * 86400;
const DAY = 86400;

export const TEN_DB_PATH = process.env.OW_TENYEAR_DB ?? join(tmpdir(), 'outagewatch-tenyear-v3.db');

const log = (msg: string) => process.stderr.write(`[tenyear-db] ${msg}\n`);

/** The seeded blackouts: [start, end) about every two days. */
export function blackouts(): Array<[number, number]> {
  const rnd = seededRandom(21);
  const out: Array<[number, number]> = [];
  for (let t = TEN_FROM + DAY; t < TEN_UNTIL - DAY;) {
    const start = t + Math.floor(rnd() * 24) * 3600;
    const hours = 1 + Math.floor(rnd() * 6);
    out.push([start, start + hours * 3600]);
    t += Math.floor(1 + rnd() * 2.9) * DAY;
  }
  return out;
}

/** Builds the database unless it exists; returns its path and how long the build took (0 when reused). */
export function tenYearDb(path = TEN_DB_PATH): { path: string; buildSeconds: number; points: number } {
  if (existsSync(path)) {
    // opened writable once so that migrations added since the build apply (benchmarks then open it read-only)
    const store = SqliteStore.open(path);
    const points = (store.db.prepare('SELECT sum(n) AS n FROM points_daily').get() as { n: number }).n;
    store.close();
    return { path, buildSeconds: 0, points };
  }
  const tmp = `${path}.building-${process.pid}`;
  const started = Date.now();
  const store = SqliteStore.open(tmp);
  const rnd = seededRandom(20140101);
  const outs = blackouts();
  let bi = 0;
  let total = 0;
  for (let w = TEN_FROM; w < TEN_UNTIL; w += WINDOW) {
    const until = Math.min(TEN_UNTIL, w + WINDOW);
    while (bi < outs.length && outs[bi]![1] <= w) bi++;
    const series = TEN_SIGNALS.map((s) => {
      const pts: PointTuple[] = [];
      let k = bi;
      for (let ts = w; ts < until; ts += s.step) {
        while (k < outs.length && outs[k]![1] <= ts) k++;
        const dark = k < outs.length && outs[k]![0] <= ts;
        const cycle = 1 + s.diurnal * Math.sin(((ts % DAY) / DAY) * 2 * Math.PI);
        const v =
          rnd() < 0.002 ? null : Math.round(s.level * cycle * (dark ? s.floor : 1) * (1 - s.noise + 2 * s.noise * rnd()) * 100) / 100;
        pts.push([ts, v]);
      }
      total += pts.length;
      return { signal: { name: s.name, step: s.step, synthetic: true }, points: pts };
    });
    store.writeWindow({ collector: 'bench', entity: TEN_ENTITY, from: w, until, series });
  }
  const outages: Outage[] = outs.map(([start, end]) => ({
    entity: TEN_ENTITY,
    start,
    end,
    kind: 'connectivity',
    severity: 'critical',
    score: Math.round(((end - start) / 60) * 90),
    signals: TEN_SIGNALS.slice(0, 3).map((s) => ({
      signal: s.name,
      start,
      end,
      severity: 'critical' as const,
      depth: 1 - s.floor,
      score: Math.round(((end - start) / 60) * (1 - s.floor) * 100),
    })),
    targets: [],
    evidence: [],
  }));
  replaceOutages(store.db, TEN_ENTITY, TEN_FROM, TEN_UNTIL, outages, TEN_UNTIL);
  const erng = seededRandom(7);
  const events: ProtestEvent[] = [];
  for (let i = 0; i < 300; i++) {
    const start = TEN_FROM + Math.floor(erng() * ((TEN_UNTIL - TEN_FROM) / DAY - 2)) * DAY - 6 * 3600;
    events.push({
      id: `kz-bench-${i}`,
      title: `Benchmark event ${i} (synthetic)`,
      country: 'KZ',
      places: [{ name: 'Almaty' }],
      start,
      end: start + DAY,
      tz: 'Asia/Almaty',
      allDay: true,
      kind: 'protest',
      sources: ['https://example.org/synthetic'],
      notes: 'synthetic benchmark event',
      tags: [],
      origin: 'manual',
      originFile: null,
      originLine: null,
    });
  }
  upsertEvents(store.db, events, TEN_UNTIL);
  const refs: ReferenceOutage[] = outs
    .filter((_, i) => i % 4 === 0)
    .map(([start, end], i) => ({
      list: 'bench',
      naturalKey: `bench-${i}`,
      country: 'KZ',
      start,
      end,
      kind: 'connectivity',
      scope: 'national',
      scopeRaw: 'country',
      scopeDetail: null,
      area: null,
      cause: 'synthetic',
      services: [],
      source: 'https://example.org/synthetic',
      originFile: null,
      originLine: null,
      raw: { i },
    }));
  upsertReferenceOutages(store.db, 'bench', 'csv', null, refs, { rejected: 0 }, TEN_UNTIL);
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  for (const suffix of ['-wal', '-shm']) rmSync(tmp + suffix, { force: true });
  renameSync(tmp, path);
  const buildSeconds = (Date.now() - started) / 1000;
  log(`built ${path}: ${total} points, ${outages.length} outages in ${buildSeconds.toFixed(1)} s`);
  return { path, buildSeconds, points: total };
}

/** Peak resident memory of this process so far, in MB. */
export const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** Median of three (or `n`) timed runs of `fn`, in milliseconds. */
export function medianMs(fn: () => void, n = 3): number {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn();
    xs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  xs.sort((a, b) => a - b);
  return Math.round(xs[xs.length >> 1]! * 10) / 10;
}
