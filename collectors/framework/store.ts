import { SqlitePointStore, type PointStore } from '../../db/repository.js';
import { SqliteStore } from '../../db/store.js';

/**
 * What a collection writes through: the async `PointStore` (SQLite or PostgreSQL, db/repository.ts). Callers that
 * still hold the SQLite store itself (the daemon's scheduler, the API) may pass it; it is wrapped here, unchanged
 * underneath (every call the synchronous one, settled).
 */
export type CollectStore = PointStore | SqliteStore;

export function pointStoreOf(store: CollectStore): PointStore {
  return store instanceof SqliteStore ? new SqlitePointStore(store) : store;
}
