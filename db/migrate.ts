import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../core/package-root.js';
import type { Db } from './connection.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function migrationsDir(): string {
  return join(packageRoot(), 'db', 'migrations');
}

/** Numbered `NNNN-name.sql` files, in order. */
export function loadMigrations(dir = migrationsDir()): Migration[] {
  const list = readdirSync(dir)
    .filter((f) => /^\d{4}-[\w-]+\.sql$/.test(f))
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f, sql: readFileSync(join(dir, f), 'utf8') }))
    .sort((a, b) => a.version - b.version);
  for (let i = 1; i < list.length; i++) {
    if (list[i]!.version === list[i - 1]!.version)
      throw new Error(`two migrations numbered ${list[i]!.version}: ${list[i - 1]!.name}, ${list[i]!.name}`);
  }
  return list;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies every migration newer than `PRAGMA user_version`, each in its own transaction together
 * with the version bump. Returns the names applied (empty when already up to date).
 */
export function migrate(db: Db, migrations = loadMigrations()): string[] {
  const applied: string[] = [];
  const current = schemaVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest)
    throw new Error(`database schema version ${current} is newer than this outagewatch (${latest}); upgrade outagewatch`);
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    applied.push(m.name);
  }
  return applied;
}
