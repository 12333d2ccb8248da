// Child process for the kill-and-resume test: runs the IODA collector for a long range against the
// local mock server named by OUTAGEWATCH_IODA_URL, until done or killed.
import { createIodaCollector } from '../../../../collectors/ioda/index.js';
import { SqliteStore } from '../../../../db/store.js';
import { loadConfig } from '../../../../services/program-config.js';
import { silentLogger } from '../../../../core/logger.js';

const [dbPath, from, until] = process.argv.slice(2);
const store = SqliteStore.open(dbPath!);
const config = loadConfig({ env: process.env, cwd: '/' });
const ioda = createIodaCollector(config, {
  log: silentLogger,
  httpOptions: { rateLimit: { requests: 1000, intervalMs: 1000 }, maxAttempts: 2, backoffBaseMs: 10 },
  now: () => 1_700_000_000,
});
process.stdout.write('ready\n');
const r = await ioda.collect({ entity: 'country:KZ', from: Number(from), until: Number(until), store, log: silentLogger });
process.stdout.write(`${JSON.stringify(r)}\n`);
store.close();
