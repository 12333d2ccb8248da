// Child process for the kill-and-resume test: runs the IODA collector for a long range against the
// local mock server named by OUTAGEWATCH_IODA_URL, until done or killed. The database is a SQLite path or a
// postgres:// URL (the same test runs on both backends).
import { createIodaCollector } from '../../../../collectors/ioda/index.js';
import { openPointStore } from '../../../../db/open.js';
import { loadConfig } from '../../../../services/program-config.js';
import { silentLogger } from '../../../../core/logger.js';

const [dbPath, from, until] = process.argv.slice(2);
const store = await openPointStore(dbPath!);
const config = loadConfig({ env: process.env, cwd: '/' });
const ioda = createIodaCollector(config, {
  log: silentLogger,
  httpOptions: { rateLimit: { requests: 1000, intervalMs: 1000 }, maxAttempts: 2, backoffBaseMs: 10 },
  now: () => 1_700_000_000,
});
process.stdout.write('ready\n');
// PostgreSQL: a short lease, so that a window this process held when killed is free again soon
const leaseSeconds = process.env.LEASE_SECONDS ? Number(process.env.LEASE_SECONDS) : undefined;
const r = await ioda.collect({ entity: 'country:KZ', from: Number(from), until: Number(until), store, log: silentLogger, leaseSeconds });
process.stdout.write(`${JSON.stringify(r)}\n`);
await store.close();
