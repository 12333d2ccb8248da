/**
 * Worker thread for correlations (issue 17): a cold country correlation (1,000 events, B = 9,999) takes seconds,
 * so the dashboard computes it here, on its own read-only connection, and the server's event loop stays free.
 * Messages: `{ id, db, kind: 'country' | 'event', arg, opts }` → `{ id, value }` or `{ id, error: { code, message } }`.
 */
import { parentPort } from 'node:worker_threads';
import { SqliteStore } from '../../db/store.js';
import { AppError } from '../../core/app-errors.js';
import { correlateCountry, correlateEvent, type CorrelateOptions } from './assemble.js';

interface Job {
  id: number;
  db: string;
  kind: 'country' | 'event';
  arg: string;
  opts: CorrelateOptions;
}

const stores = new Map<string, SqliteStore>();

function storeFor(path: string): SqliteStore {
  let s = stores.get(path);
  if (!s) {
    s = SqliteStore.open(path, { readonly: true });
    stores.set(path, s);
  }
  return s;
}

parentPort?.on('message', (job: Job) => {
  try {
    const store = storeFor(job.db);
    const value = job.kind === 'country' ? correlateCountry(store, job.arg, job.opts) : correlateEvent(store, job.arg, job.opts);
    parentPort!.postMessage({ id: job.id, value });
  } catch (err) {
    const e = err as Error;
    parentPort!.postMessage({
      id: job.id,
      error: { code: err instanceof AppError ? err.code : null, message: e.message, stack: e.stack ?? null },
    });
  }
});
