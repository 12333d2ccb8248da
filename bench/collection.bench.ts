/**
 * Collection policy and CSV ingest benchmark.
 *
 * - `csv ingest (Monash Iran, grouped, local epochs)`: rows/s of `ingestCsv` on the real 16,279-row Monash
 *   file (73 county groups + their mean, Asia/Tehran local epochs) into a fresh store, median of 3.
 * - `csv ingest (one long series, ISO times)`: rows/s on 200,000 rows of 5-minute ISO times with offsets
 *   (one series, every time distinct: the per-row parsing cost), median of 3.
 * - `plan (20 countries x 4 collectors)`: plans/s of `planCollection` for a 40-event calendar over 20
 *   countries with half the history covered in scattered intervals (what the daemon does every tick).
 *
 *   npx tsx bench/collection.bench.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../db/store.js';
import { ingestCsv } from '../services/ingest/csv.js';
import { normalize, type Interval } from '../services/scheduler/intervals.js';
import { parseCollectionConfig, planCollection, type PlanEvent } from '../services/scheduler/policy.js';
import { seededRandom } from '../services/util/random.js';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const MONASH = join(root, 'db', 'seeds', 'monash-ipobs-iran-2019-11-counties.csv');
const dir = mkdtempSync(join(tmpdir(), 'ow-bench-collection-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeIngest(file: string, opts: Parameters<typeof ingestCsv>[2], n: number): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < n; i++) {
    const path = join(dir, `b${Math.random().toString(36).slice(2)}.db`);
    const store = SqliteStore.open(path);
    const t0 = performance.now();
    const r = await ingestCsv(store, file, opts);
    const secs = (performance.now() - t0) / 1000;
    store.close();
    rmSync(path, { force: true });
    rates.push(r.rows / secs);
  }
  return median(rates);
}

try {
  const results: Array<{
    name: string;
    figure: number;
    unit: string;
    target?: string;
    check?: { of: 'figure' | 'ratio'; op: '<' | '<=' | '>' | '>='; value: number };
  }> = [];
  process.stderr.write('csv ingest: Monash\n');
  results.push({
    name: 'csv ingest (Monash Iran, grouped, local epochs)',
    figure: Math.round(
      await timeIngest(
        MONASH,
        {
          entity: 'country:IR',
          signal: 'custom.connectivity',
          timeColumn: 'time_e',
          valueColumn: 'connectivity',
          tz: 'Asia/Tehran',
          epochLocal: true,
          groupColumn: 'name_2',
          groupEntityType: 'county',
        },
        3,
      ),
    ),
    unit: 'rows/s',
    target: '> 20000 rows/s',
    check: { of: 'figure', op: '>', value: 20000 },
  });

  process.stderr.write('csv ingest: long ISO series\n');
  const long = join(dir, 'long.csv');
  const lines = ['time,value'];
  const start = Date.parse('2020-01-01T00:00:00Z');
  for (let i = 0; i < 200_000; i++) lines.push(`${new Date(start + i * 300_000).toISOString().replace('Z', '+00:00')},${(i % 97) + 0.5}`);
  writeFileSync(long, lines.join('\n'));
  results.push({
    name: 'csv ingest (one long series, ISO times)',
    figure: Math.round(await timeIngest(long, { entity: 'country:KZ', signal: 'custom.x', timeColumn: 'time', valueColumn: 'value' }, 3)),
    unit: 'rows/s',
    target: '> 20000 rows/s',
    check: { of: 'figure', op: '>', value: 20000 },
  });

  process.stderr.write('planner\n');
  const rnd = seededRandom(7);
  const countries = Array.from({ length: 20 }, (_, i) => String.fromCharCode(65 + i, 65 + ((i * 7) % 26)));
  const events: PlanEvent[] = [];
  for (let i = 0; i < 40; i++) {
    const s = Math.floor(Date.parse('2012-01-01T00:00:00Z') / 1000 + rnd() * 12 * 365 * 86400);
    events.push({ id: `e${i}`, country: countries[i % 20]!, start: s, end: s + 86400 * (1 + Math.floor(rnd() * 10)) });
  }
  const now = Date.parse('2024-06-01T12:00:00Z') / 1000;
  const covered = new Map<string, Interval[]>();
  for (const c of countries) {
    const list: Interval[] = [];
    for (let k = 0; k < 200; k++) {
      const a = Math.floor(Date.parse('2010-01-01T00:00:00Z') / 1000 + rnd() * 14 * 365 * 86400);
      list.push([a, a + Math.floor(rnd() * 30 * 86400)]);
    }
    covered.set(`country:${c}`, normalize(list));
  }
  const config = parseCollectionConfig({});
  let plans = 0;
  let tasks = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 3000) {
    tasks = planCollection({ events, now, config, coverage: (_c, e) => covered.get(e) ?? [] }).tasks.length;
    plans++;
  }
  results.push({
    name: `plan (20 countries x 4 collectors, ${tasks} tasks)`,
    figure: Math.round((plans / (performance.now() - t0)) * 1000 * 10) / 10,
    unit: 'plans/s',
    target: '> 10 plans/s (the daemon plans once a minute per collector)',
    check: { of: 'figure', op: '>', value: 10 },
  });
  process.stdout.write(`${JSON.stringify({ results })}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
