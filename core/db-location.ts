/**
 * Where the store lives, from `OUTAGEWATCH_DB` / `--db` / the config's `db`: a SQLite file path (or `:memory:`),
 * or a PostgreSQL URL (`postgres://user:password@host:port/database`, `postgresql://` alike). Any other URL
 * scheme (`mysql://`, `http://`, `file://`…) is refused: it is never taken as a file path (that once created a
 * folder named `postgres:` holding a SQLite file).
 */

export type DbLocation = { backend: 'sqlite'; path: string } | { backend: 'postgres'; url: string };

export type DbBackend = DbLocation['backend'];

/** `scheme://…` (RFC 3986 scheme, at least two letters so that `C://x` style drive paths are not URLs). */
const URL_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):\/\//;

export class DbLocationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DbLocationError';
  }
}

/** Parses a database setting; throws DbLocationError (with the reason) for an unsupported URL scheme or a bad URL. */
export function parseDbLocation(value: string): DbLocation {
  const m = URL_SCHEME.exec(value);
  if (!m) return { backend: 'sqlite', path: value };
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw new DbLocationError(
      `unsupported database URL scheme "${m[1]}:" (${redactDbUrl(value)}); use a SQLite file path (e.g. ./data/outagewatch.db) or a postgres://user@host:port/database URL`,
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DbLocationError(
      `not a valid PostgreSQL URL: ${redactDbUrl(value)} (expected postgres://user[:password]@host[:port]/database)`,
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database)
    throw new DbLocationError(`the PostgreSQL URL ${redactDbUrl(value)} names no database (expected postgres://user@host:port/database)`);
  return { backend: 'postgres', url: value };
}

/** A database URL with its password replaced by `***` (for messages and logs); paths pass unchanged. */
export function redactDbUrl(value: string): string {
  return value.replace(/^([A-Za-z][A-Za-z0-9+.-]+:\/\/[^:/@?#]*):[^@/?#]*@/, '$1:***@');
}

/** What to call the store in messages: the file path, or the URL without its password. */
export function describeDbLocation(loc: DbLocation): string {
  return loc.backend === 'sqlite' ? loc.path : redactDbUrl(loc.url);
}
