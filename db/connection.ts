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

/**
 * A database error in words naming the file: read-only, not a database, damaged ("malformed"), full disk, I/O.
 * Null for errors that are not about the file itself.
 */
export function describeDbError(err: unknown, path: string): string | null {
  if (err instanceof DatabaseError) return err.message;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  const msg = (err as Error).message;
  if (code.startsWith('SQLITE_NOTADB')) return `${path} is not a database (${msg}); check --db / OUTAGEWATCH_DB`;
  if (code.startsWith('SQLITE_CORRUPT')) return `${path} is damaged (${msg}); restore it from a backup or try \`sqlite3 ${path} .recover\``;
  if (code.startsWith('SQLITE_READONLY'))
    return `${path} is read-only (${msg}); commands that only read still work, writing needs write access to the file and its folder`;
  if (code.startsWith('SQLITE_FULL')) return `${path}: the disk is full (${msg}); free space and run again (finished windows are kept)`;
  if (code.startsWith('SQLITE_CANTOPEN')) return `${path} cannot be opened (${msg}); check that the folder exists and is accessible`;
  if (code.startsWith('SQLITE_IOERR')) return `${path}: disk I/O error (${msg})`;
  return null;
}

/** An error about the database file, its message naming the file. */
export class DatabaseError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'DatabaseError';
  }
}

/** Rethrows a database error as a DatabaseError naming `path` (other errors unchanged). */
export function namedDbError(err: unknown, path: string): unknown {
  if (err instanceof DatabaseError) return err;
  const text = describeDbError(err, path);
  return text ? new DatabaseError(text, String((err as { code: string }).code), path) : err;
}

/**
 * Runs `fn` inside one read transaction: every statement in it sees the same snapshot of the database, so a
 * listing's count and its pages (read by several statements) agree even while the daemon commits (WAL).
 */
export function readSnapshot<R>(db: Db, fn: () => R): R {
  return db.transaction(fn)();
}

const withLower = new WeakSet<Db>();
/**
 * Registers `ow_lower(text)` on a connection: JavaScript's Unicode lower-casing inside SQL (SQLite's own `lower`
 * folds ASCII only; titles and causes come in Kazakh, Russian, Farsi…). Used by case-insensitive searches.
 */
export function ensureUnicodeLower(db: Db): void {
  if (withLower.has(db)) return;
  db.function('ow_lower', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v));
  withLower.add(db);
}
