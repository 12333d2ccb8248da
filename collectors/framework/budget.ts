import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestBudget } from '../../db/repository.js';

/**
 * The request budget shared with the other processes on the database (PostgreSQL's `PointStore.requestBudget`),
 * in force while a collection runs: `runCollection` sets it for everything the collection does, and every request an
 * HTTP client (http.ts) starts meanwhile claims its start from it, after the client's own per-process limiter. On
 * SQLite there is none (one daemon per database holds the lock file): the per-process limiter alone keeps the pace.
 */
const current = new AsyncLocalStorage<RequestBudget>();

/** Runs `fn` with `budget` (if any) in force for the requests it starts. */
export function withRequestBudget<T>(budget: RequestBudget | null | undefined, fn: () => Promise<T>): Promise<T> {
  return budget ? current.run(budget, fn) : fn();
}

/** The shared budget in force here, if any. */
export function requestBudget(): RequestBudget | undefined {
  return current.getStore();
}
