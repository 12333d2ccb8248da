/**
 * What a full detection of the ten-year database (`bench/tenyear-db.ts`, SYNTHETIC) gives users, as sha256 digests,
 * so that a change to how detection stores its results (issue 21) can be shown to change none of it: run this on
 * the code before and after, on copies of the same database, and compare the lines.
 *   - `outages`: every stored outage as the API lists it (`listOutages`, with ids and derived fields);
 *   - `changes`: every alert change as a user lists it (`listChanges`: key, event, time, payload, announced);
 *   - `deliveries`: every queued webhook body, as the sender POSTs it (`JSON.stringify` of the payload);
 *   - what `detectAndStore` returned (`returnedSha`: the changes, `returnedOutagesSha`: the outages, as `detect --json`);
 *   - after a second full detection: the same three digests and no new change (idempotence).
 * Two runs: the defaults (a backfill: changes older than two days recorded silently) and one webhook with
 * `alerts.maxAge` of a year (the last year's changes announced and queued).
 *
 *   OW_TENYEAR_DB=/tmp/x.db npx tsx bench/detect-outputs.ts
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dueDeliveries, listChanges } from '../db/alerts.js';
import { listOutages } from '../db/outages.js';
import { SqliteStore } from '../db/store.js';
import type { Config } from '../core/config.js';
import { detectAndStore } from '../services/detector/run.js';
import { TEN_ENTITY, TEN_UNTIL, tenYearDb } from './tenyear-db.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

function digests(store: SqliteStore): Record<string, string | number> {
  const outages = listOutages(store.db, {});
  const changes = listChanges(store.db, { limit: 1e9 });
  const bodies = dueDeliveries(store.db, 1e12, 1e9).map((d) => `${d.url} ${JSON.stringify(d.payload)}`);
  return {
    outages: outages.length,
    outagesSha: sha(JSON.stringify(outages)),
    changes: changes.length,
    changesSha: sha(JSON.stringify(changes)),
    deliveries: bodies.length,
    deliveriesSha: sha(bodies.join('\n')),
  };
}

async function main(): Promise<void> {
  const src = tenYearDb();
  const dir = mkdtempSync(join(tmpdir(), 'ow-detect-outputs-'));
  try {
    const runs: Array<[string, Config | undefined]> = [
      ['defaults', undefined],
      [
        'webhook',
        { webhooks: [{ url: 'https://hooks.example.org/outagewatch' }], detector: { alerts: { maxAge: '365d' } } } as unknown as Config,
      ],
    ];
    for (const [name, config] of runs) {
      const path = join(dir, `${name}.db`);
      copyFileSync(src.path, path);
      const store = SqliteStore.open(path);
      const first = await detectAndStore(store, { entity: TEN_ENTITY, now: TEN_UNTIL, config });
      const after1 = digests(store);
      const second = await detectAndStore(store, { entity: TEN_ENTITY, now: TEN_UNTIL, config });
      const after2 = digests(store);
      store.close();
      process.stdout.write(
        `${JSON.stringify({ run: name, firstChanges: first.changes.length, returnedSha: sha(JSON.stringify(first.changes)), returnedOutagesSha: sha(JSON.stringify(first.outages)), ...after1, secondChanges: second.changes.length, secondReturnedOutagesSha: sha(JSON.stringify(second.outages)), secondSame: JSON.stringify(after2) === JSON.stringify(after1) })}\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
