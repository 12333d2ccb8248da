import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export type Db = Database.Database;

export interface OpenOptions {
  readonly?: boolean;
  /** ms to wait on a locked database before SQLITE_BUSY (default 5000). */
  busyTimeout?: number;
}

/**
 * Opens the store with the pragmas every connection needs: WAL, synchronous=NORMAL, foreign keys,
 * busy timeout. `:memory:` is accepted for tests.
 */
export function openDb(path: string, opts: OpenOptions = {}): Db {
  const memory = path === ':memory:';
  const file = memory ? path : resolve(path);
  if (!memory && !opts.readonly) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeout ?? 5000))}`);
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -16000');
  return db;
}
