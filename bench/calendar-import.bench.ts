// Calendar: import a generated 100,000-row ACLED-format CSV (invented rows, 31 columns, both date styles,
// quoted notes with commas, 15% non-protest rows that are skipped) into a fresh database, merging rows of
// one country and day (the default), then import it again (a no-op). Measures rows/s and peak memory.
// The import runs in a child process whose kernel maxRSS is the memory figure: the built CLI
// (`node dist/services/cli.js calendar import FILE --format acled --json`, what users run) when dist/ is newer than
// the import sources, else the same import under tsx (run `npm run build` first for the user's figure).
// Targets: under 10 s and under 300 MB.
// Then the same for a 1,000,000-row file (BENCH_BIG_ROWS), once, for memory only: peak under 200 MB at any size (issue 19).
// Prints one JSON line. Run: npx tsx bench/calendar-import.bench.ts
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SqliteCalendarRepository } from '../db/sqlite-repositories.js';
import { SqliteStore } from '../db/store.js';
import { importCalendarFile } from '../services/calendar/import.js';
import { ACLED_COLUMNS } from '../services/calendar/importers/acled.js';
import { seededRandom } from '../services/util/random.js';
import { BUILT_CLI, staleSource } from './built.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);

/** The built CLI is used when the build is up to date with every source (bench/built.ts). */
const FRESH_DIST = staleSource() === null;

/** Preloaded into the CLI process: writes its kernel maxRSS (bytes) to OW_BENCH_RSS_FILE when it exits. */
const RSS_PRELOAD = `data:text/javascript,${encodeURIComponent("import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(process.env.OW_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS * 1024)));")}`;

const cliReport = z.object({
  rows: z.number(),
  skipped: z.number(),
  rejected: z.number(),
  events: z.number(),
  inserted: z.number(),
  updated: z.number(),
});

/** One `calendar import` by the built CLI, as a user runs it: its --json report, wall time and peak RSS. */
function runBuiltCli(csv: string, db: string): { report: z.infer<typeof cliReport>; seconds: number; peakRss: number } {
  const rssFile = join(dirname(csv), `rss-${Date.now()}`);
  const t0 = performance.now();
  const res = spawnSync(
    process.execPath,
    ['--import', RSS_PRELOAD, BUILT_CLI, '--db', db, 'calendar', 'import', csv, '--format', 'acled', '--json'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, LOG_LEVEL: 'silent', OW_BENCH_RSS_FILE: rssFile },
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  if (res.status !== 0) throw new Error(`calendar import (built CLI) failed (${res.status ?? res.signal}): ${res.stdout.slice(0, 500)}`);
  const peakRss = Number(readFileSync(rssFile, 'utf8'));
  rmSync(rssFile, { force: true });
  return { report: cliReport.parse(JSON.parse(res.stdout)), seconds, peakRss };
}
const BIG_ROWS = Number(process.env.BENCH_BIG_ROWS ?? 1_000_000);

// [numeric iso, country, admin1, location, lat, lon]
const PLACES: Array<[number, string, string, string, number, number]> = [
  [398, 'Kazakhstan', 'Almaty', 'Almaty', 43.25, 76.92],
  [398, 'Kazakhstan', 'Atyrau', 'Atyrau', 47.1167, 51.8833],
  [398, 'Kazakhstan', 'Mangystau', 'Zhanaozen', 43.3412, 52.8619],
  [112, 'Belarus', 'Minsk', 'Minsk', 53.9, 27.5667],
  [364, 'Iran', 'Tehran', 'Tehran', 35.6944, 51.4215],
  [364, 'Iran', 'Kurdistan', 'Sanandaj', 35.3144, 46.9923],
  [104, 'Myanmar', 'Yangon', 'Yangon', 16.8053, 96.1561],
  [729, 'Sudan', 'Khartoum', 'Khartoum', 15.5881, 32.5342],
  [818, 'Egypt', 'Cairo', 'Cairo', 30.0444, 31.2357],
  [840, 'United States', 'New York', 'New York', 40.7128, -74.006],
  [840, 'United States', 'California', 'Los Angeles', 34.0522, -118.2437],
  [643, 'Russia', 'Moscow', 'Moscow', 55.7558, 37.6173],
  [643, 'Russia', 'Primorskiy', 'Vladivostok', 43.1155, 131.8855],
  [76, 'Brazil', 'Sao Paulo', 'Sao Paulo', -23.5505, -46.6333],
  [356, 'India', 'Delhi', 'New Delhi', 28.6139, 77.209],
];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

async function generate(path: string, rows: number): Promise<void> {
  const rand = seededRandom(20160521);
  const out = createWriteStream(path);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(`${ACLED_COLUMNS.join(',')}\n`);
  const day0 = Date.UTC(2018, 0, 1);
  for (let i = 0; i < rows; i++) {
    const [iso, country, admin1, location, lat, lon] = PLACES[Math.floor(rand() * PLACES.length)]!;
    const d = new Date(day0 + Math.floor(rand() * 7 * 365) * 86_400_000);
    const date =
      rand() < 0.5
        ? d.toISOString().slice(0, 10)
        : `${String(d.getUTCDate()).padStart(2, '0')} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
    const r = rand();
    const [type, sub] =
      r < 0.7 ? ['Protests', 'Peaceful protest'] : r < 0.85 ? ['Riots', 'Violent demonstration'] : ['Battles', 'Armed clash'];
    const notes = `"On ${d.toISOString().slice(0, 10)}, invented row ${i}: people gathered in ${location}, ${admin1}, demanding ""fair"" prices; police present."`;
    const row = [
      `BEN${i}`,
      date,
      d.getUTCFullYear(),
      1,
      'Demonstrations',
      type,
      sub,
      `Protesters (${country})`,
      '',
      'Protesters',
      '',
      '',
      '',
      'Protesters only',
      '',
      iso,
      'Region',
      country,
      admin1,
      location,
      '',
      location,
      lat.toFixed(4),
      lon.toFixed(4),
      1,
      'Example Daily',
      'National',
      notes,
      0,
      '',
      1700000000,
    ];
    await write(`${row.join(',')}\n`);
  }
  out.end();
  await once(out, 'finish');
}

/** The import itself runs in a child process, so that its peak memory (kernel maxRSS) is its own. */
async function child(csv: string, once: boolean): Promise<void> {
  const store = SqliteStore.open(join(dirname(csv), `bench-${Date.now()}.db`));
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const r = await importCalendarFile(new SqliteCalendarRepository(store.db), csv, { format: 'acled' });
  const seconds = (performance.now() - t0) / 1000;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const t1 = performance.now();
  const again = once
    ? { inserted: 0, updated: 0 }
    : await importCalendarFile(new SqliteCalendarRepository(store.db), csv, { format: 'acled' });
  const secondsAgain = (performance.now() - t1) / 1000;
  store.close();
  process.stdout.write(
    `${JSON.stringify({ rows: r.rows, skipped: r.skipped, events: r.inserted, rejected: r.rejected, changedAgain: again.inserted + again.updated, seconds, secondsAgain, peakRss, rssBefore })}\n`,
  );
}

const childSchema = z.object({
  rows: z.number(),
  skipped: z.number(),
  events: z.number(),
  rejected: z.number(),
  changedAgain: z.number(),
  seconds: z.number(),
  secondsAgain: z.number(),
  peakRss: z.number(),
  rssBefore: z.number(),
});

async function parent(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ow-bench-calendar-'));
  try {
    const run = async (rows: number, once: boolean) => {
      const csv = join(dir, `acled-${rows}.csv`);
      await generate(csv, rows);
      const size = statSync(csv).size;
      if (FRESH_DIST) {
        const db = join(dir, `bench-${rows}.db`);
        const first = runBuiltCli(csv, db);
        const again = once ? null : runBuiltCli(csv, db);
        rmSync(csv, { force: true });
        const r = first.report;
        const m = {
          rows: r.rows,
          skipped: r.skipped,
          events: r.inserted,
          rejected: r.rejected,
          changedAgain: again ? again.report.inserted + again.report.updated : 0,
          seconds: first.seconds,
          secondsAgain: again?.seconds ?? 0,
          peakRss: first.peakRss,
          rssBefore: 0,
        };
        if (m.rows !== rows || m.changedAgain !== 0 || m.rejected !== 0) throw new Error(`unexpected result: ${JSON.stringify(m)}`);
        return { m, size };
      }
      const res = spawnSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), '--child', csv, once ? 'once' : 'twice'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'silent' } },
      );
      rmSync(csv, { force: true });
      if (res.status !== 0) throw new Error(`import process failed (${res.status ?? res.signal})`);
      const m = childSchema.parse(JSON.parse(res.stdout.trim().split('\n').at(-1)!));
      if (m.rows !== rows || m.changedAgain !== 0 || m.rejected !== 0) throw new Error(`unexpected result: ${JSON.stringify(m)}`);
      return { m, size };
    };
    const { m, size } = await run(ROWS, false);
    const mb = m.peakRss / 1e6;
    process.stderr.write(
      `calendar import: ${ROWS} rows (${(size / 1e6).toFixed(1)} MB), ${m.skipped} skipped, ${m.events} events in ${m.seconds.toFixed(2)} s; ` +
        `re-import ${m.secondsAgain.toFixed(2)} s; peak RSS ${mb.toFixed(0)} MB (${FRESH_DIST ? 'built CLI process, start to exit' : `under tsx; process at start ${(m.rssBefore / 1e6).toFixed(0)} MB`})\n`,
    );
    const results = [
      {
        name: 'calendar import: 100k-row ACLED CSV, merged by country/day',
        figure: Math.round(ROWS / m.seconds),
        unit: 'rows/s',
        reference: ROWS / 10,
        ratio: +(ROWS / m.seconds / (ROWS / 10)).toFixed(2),
        target: '100,000 rows in < 10 s',
        check: { of: 'figure', op: '>', value: ROWS / 10 },
      },
      {
        name: 'calendar import: elapsed',
        figure: +m.seconds.toFixed(2),
        unit: 's',
        reference: 10,
        ratio: +(m.seconds / 10).toFixed(3),
        target: '< 10 s',
        check: { of: 'figure', op: '<', value: 10 },
      },
      {
        name: 'calendar import: peak memory (maxRSS of the importing process)',
        figure: Math.round(mb),
        unit: 'MB',
        reference: 300,
        ratio: +(mb / 300).toFixed(2),
        target: '< 300 MB',
        check: { of: 'figure', op: '<', value: 300 },
      },
      { name: 'calendar re-import of the same file (no-op)', figure: +m.secondsAgain.toFixed(2), unit: 's' },
    ];
    if (BIG_ROWS > 0) {
      const big = await run(BIG_ROWS, true);
      const bigMb = big.m.peakRss / 1e6;
      process.stderr.write(
        `calendar import: ${BIG_ROWS} rows (${(big.size / 1e6).toFixed(0)} MB), ${big.m.events} events in ${big.m.seconds.toFixed(1)} s; peak RSS ${bigMb.toFixed(0)} MB\n`,
      );
      results.push({
        name: `calendar import: peak memory at ${BIG_ROWS.toLocaleString('en')} rows (maxRSS)`,
        figure: Math.round(bigMb),
        unit: 'MB',
        reference: 200,
        ratio: +(bigMb / 200).toFixed(2),
        target: '< 200 MB at any size',
        check: { of: 'figure', op: '<', value: 200 },
      });
    }
    process.stdout.write(`${JSON.stringify({ results })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4] === 'once');
else await parent();
