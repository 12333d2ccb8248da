/**
 * One collector process for bench/concurrent-collectors.bench.ts: opens the PostgreSQL store named on the command
 * line, says `ready`, waits for `go` on stdin (so process start-up is not timed), runs the IODA collector over the
 * entities and range given, prints its totals as one JSON line and exits.
 *
 *   node --import tsx bench/concurrent-collect-child.ts URL FROM UNTIL ENTITY...
 */
import { createInterface } from 'node:readline';
import { createIodaCollector } from '../collectors/ioda/index.js';
import { openPointStore } from '../db/open.js';
import { silentLogger } from '../core/logger.js';
import { loadConfig } from '../services/program-config.js';

const [url, from, until, ...entities] = process.argv.slice(2);
const store = await openPointStore(url!);
const config = loadConfig({ env: process.env, cwd: '/' });
// the stand-in's latency decides, not IODA's politeness limit (2 requests/s by default, on PostgreSQL shared by every
// process through the request budget: three processes at that rate would take as long as one)
const ioda = createIodaCollector(config, { log: silentLogger, httpOptions: { rateLimit: { requests: 1000, intervalMs: 1000 } } });
process.stdout.write('ready\n');
await new Promise<void>((resolve) => {
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (l) => {
    if (l.trim() === 'go') {
      rl.close();
      resolve();
    }
  });
});
const total = { windowsOk: 0, windowsFailed: 0, windowsLeased: 0, points: 0 };
for (const entity of entities) {
  const r = await ioda.collect({ entity, from: Number(from), until: Number(until), store, log: silentLogger });
  total.windowsOk += r.windowsOk;
  total.windowsFailed += r.windowsFailed;
  total.windowsLeased += r.windowsLeased ?? 0;
  total.points += r.points;
}
process.stdout.write(`${JSON.stringify(total)}\n`);
await store.close();
