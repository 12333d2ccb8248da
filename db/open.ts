import pg from 'pg';
import { parseDbLocation, type DbLocation } from '../core/db-location.js';
import { openDb } from './connection.js';
import { migrate, schemaVersion } from './migrate.js';
import { migratePg, pgSchemaVersion } from './postgres/migrate.js';
import { pgRepositories } from './postgres/repositories.js';
import { PgPointStore } from './postgres/store.js';
import type { Repositories } from './repositories.js';
import { SqlitePointStore, type PointStore } from './repository.js';
import { sqliteRepositories } from './sqlite-repositories.js';
import { SqliteStore, type RunOwner } from './store.js';

/**
 * Opens the core store where `OUTAGEWATCH_DB` says: a SQLite file or a PostgreSQL URL (core/db-location.ts), and
 * brings its schema up to date (each backend with its own migrations).
 */
export async function openPointStore(where: string | DbLocation, opts: { migrate?: boolean; owner?: RunOwner } = {}): Promise<PointStore> {
  const loc = typeof where === 'string' ? parseDbLocation(where) : where;
  if (loc.backend === 'postgres') return PgPointStore.open(loc.url, opts);
  return new SqlitePointStore(SqliteStore.open(loc.path, opts));
}

export interface OpenRepositoriesOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** SQLite: open read-only (the schema must be current); PostgreSQL: ignored (the role's rights decide). */
  readonly?: boolean;
  owner?: RunOwner;
  /** PostgreSQL pool size (default 4). */
  max?: number;
}

/**
 * Every repository of the database `OUTAGEWATCH_DB` names (core/db-location.ts), schema brought up to date: one
 * SQLite connection, or one PostgreSQL pool shared by all of them. `close()` closes it.
 */
export async function openRepositories(where: string | DbLocation, opts: OpenRepositoriesOptions = {}): Promise<Repositories> {
  const loc = typeof where === 'string' ? parseDbLocation(where) : where;
  if (loc.backend === 'postgres') {
    const points = await PgPointStore.open(loc.url, { migrate: opts.migrate, owner: opts.owner, max: opts.max });
    return pgRepositories(points);
  }
  return sqliteRepositories(SqliteStore.open(loc.path, { migrate: opts.migrate, owner: opts.owner, readonly: opts.readonly }));
}

/** `outagewatch db migrate`: applies pending migrations of either backend; the names applied and the version. */
export async function migrateDatabase(where: string | DbLocation): Promise<{ applied: string[]; schemaVersion: number }> {
  const loc = typeof where === 'string' ? parseDbLocation(where) : where;
  if (loc.backend === 'postgres') {
    const client = new pg.Client({ connectionString: loc.url, application_name: 'outagewatch' });
    client.on('error', () => {}); // a lost connection rejects the running query; no uncaught 'error' event
    await client.connect();
    try {
      const applied = await migratePg(client);
      return { applied, schemaVersion: await pgSchemaVersion(client) };
    } finally {
      await client.end();
    }
  }
  const handle = openDb(loc.path);
  try {
    const applied = migrate(handle);
    return { applied, schemaVersion: schemaVersion(handle) };
  } finally {
    handle.close();
  }
}
