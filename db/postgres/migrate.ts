import { join } from 'node:path';
import type pg from 'pg';
import { packageRoot } from '../../core/package-root.js';
import { loadMigrations, type Migration } from '../migrate.js';

/**
 * PostgreSQL migrations: numbered files `db/postgres/migrations/NNNN-name.sql`, their own numbering (independent of
 * SQLite's), recorded in `schema_migrations`. Applied under a session advisory lock, so several processes
 * opening a fresh or older database at once apply each migration exactly once (the others wait, then find
 * nothing left to do). Each migration runs in its own transaction with its record.
 */

/** The advisory lock key of migrations (`ow` + `mig`). */
export const MIGRATION_LOCK = 0x6f77_6d69_67;

export function pgMigrationsDir(): string {
  return join(packageRoot(), 'db', 'postgres', 'migrations');
}

export function loadPgMigrations(dir = pgMigrationsDir()): Migration[] {
  return loadMigrations(dir);
}

/** The newest applied migration number (0 for a database outagewatch never touched). */
export async function pgSchemaVersion(client: pg.ClientBase): Promise<number> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) return 0;
  const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return r.rows[0]?.v ?? 0;
}

/** Applies every migration the database has not recorded (in number order); returns the names applied (empty when up to date). */
export async function migratePg(client: pg.ClientBase, migrations: Migration[] = loadPgMigrations()): Promise<string[]> {
  const applied: string[] = [];
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const current = await pgSchemaVersion(client);
    const latest = migrations.at(-1)?.version ?? 0;
    if (current > latest)
      throw new Error(`database schema version ${current} is newer than this outagewatch (${latest}); upgrade outagewatch`);
    // every migration not recorded yet, in number order — not only those above the newest applied: numbers are
    // handed out in blocks to parallel lines of work, so a lower number may arrive after a higher one was applied
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`PostgreSQL migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.name);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
  return applied;
}
