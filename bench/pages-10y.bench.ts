/**
 * Page renders on the shared ten-year database (`bench/tenyear-db.ts`: ~1,800 outages, 300 calendar events, a
 * reference list of ~450 rows): `/outages`, `/calendar`, `/reference`, `/sources` and the country page, each the
 * median of three renders through the app (in process, one request at a time), with the HTML size. Beside each,
 * its floor in the same run: the SQL the page needs, read alone (`/outages`: the count, the parent groups and one
 * page of 100 in SQL; `/calendar`: the count and one page; `/reference`: `listReferenceOutages`; `/sources`:
 * checkpoints; the country page: its outages). Targets: a page within 50 ms and under 300 KB (a page of rows, not
 * every row), each with a machine-readable `check`; the load average is printed beside the figures.
 * Prints one JSON line on stdout; progress on stderr.
 *
 *   npx tsx bench/pages-10y.bench.ts
 */
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { countEventsWhere, pageEvents } from '../db/calendar.js';
import { countOutages, listOutages, outageParentGroups, pageOutages } from '../db/outages.js';
import { listReferenceOutages } from '../db/reference.js';
import { SqliteStore } from '../db/store.js';
import { createApp } from '../dashboards/app.js';
import { configSchema } from '../services/program-config.js';
import { silentLogger } from '../core/logger.js';
import { medianMs, TEN_UNTIL, tenYearDb } from './tenyear-db.js';

const log = (msg: string) => process.stderr.write(`[pages-10y.bench] ${msg}\n`);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

async function main(): Promise<void> {
  const db = tenYearDb();
  const store = SqliteStore.open(db.path, { readonly: true });
  const config = configSchema.parse({ db: db.path, api: { rateLimit: { max: 0 } } });
  const app = createApp({ config, store, collectors: [], log: silentLogger, version: 'bench', now: () => TEN_UNTIL });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((res) => server.once('listening', res));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const floors: Record<string, () => void> = {
    outages: () => {
      countOutages(store.db, {});
      outageParentGroups(store.db, {});
      pageOutages(store.db, { parent: null }, { sort: 'start', dir: 'desc', limit: 100, offset: 0 });
    },
    calendar: () => {
      countEventsWhere(store.db, {});
      pageEvents(store.db, {}, { sort: 'start', dir: 'asc', limit: 100, offset: 0 });
    },
    reference: () => listReferenceOutages(store.db, { list: 'bench' }),
    sources: () => store.checkpoints({}),
    country: () => listOutages(store.db, { country: 'KZ' }),
  };
  const pages: Array<[string, string]> = [
    ['outages', '/outages'],
    ['calendar', '/calendar'],
    ['reference', '/reference'],
    ['sources', '/sources'],
    ['country', '/countries/KZ'],
  ];
  const results: Array<Record<string, unknown>> = [];
  const loadBefore = loadavg()[0]!;
  try {
    for (const [name, path] of pages) {
      let bytes = 0;
      const times: number[] = [];
      for (let i = 0; i < 4; i++) {
        const t = process.hrtime.bigint();
        const res = await fetch(base + path);
        const text = await res.text();
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
        if (i > 0) times.push(Number(process.hrtime.bigint() - t) / 1e6); // the first warms the statement caches
        bytes = Buffer.byteLength(text);
      }
      times.sort((a, b) => a - b);
      const ms = Math.round(times[1]! * 10) / 10;
      const floor = medianMs(floors[name]!);
      log(`${path}: ${ms} ms, ${Math.round(bytes / 1024)} KB (SQL alone ${floor} ms)`);
      results.push({
        name: `page.10y.${name}`,
        figure: ms,
        unit: 'ms',
        reference: floor,
        ratio: r3(ms / Math.max(0.1, floor)),
        target: '< 50 ms',
        check: { of: 'figure', op: '<', value: 50 },
      });
      results.push({
        name: `page.10y.${name}.size`,
        figure: Math.round(bytes / 1024),
        unit: 'KB',
        target: '< 300 KB',
        check: { of: 'figure', op: '<', value: 300 },
      });
    }
    const load = Math.max(loadBefore, loadavg()[0]!);
    log(`load average (1 min) ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`);
    results.push({ name: 'page.10y.load-average', figure: r3(load), unit: 'load (1 min)' });
  } finally {
    server.close();
    store.close();
  }
  process.stdout.write(`${JSON.stringify({ results })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
