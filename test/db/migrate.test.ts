import { join } from 'node:path';
import { writeFileSync, mkdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../../db/connection.js';
import { loadMigrations, migrate, schemaVersion } from '../../db/migrate.js';
import { tempDir } from '../helpers.js';

describe('migrations', () => {
  let t: ReturnType<typeof tempDir>;
  afterEach(() => t?.cleanup());

  it('apply on an empty file, then again as a no-op', () => {
    t = tempDir();
    const db = openDb(join(t.dir, 'm.db'));
    const all = loadMigrations();
    const applied = migrate(db);
    expect(applied).toEqual(all.map((m) => m.name));
    expect(schemaVersion(db)).toBe(all.at(-1)!.version);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name);
    for (const name of [
      'entities',
      'signals',
      'points',
      'points_hourly',
      'points_daily',
      'points_6h',
      'source_events',
      'outages',
      'protest_events',
      'reference_outages',
      'checkpoints',
      'runs',
      'raw_responses',
    ]) {
      expect(tables).toContain(name);
    }
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it('rolls a failing migration back whole and keeps the version', () => {
    t = tempDir();
    const dir = join(t.dir, 'migrations');
    mkdirSync(dir);
    writeFileSync(join(dir, '0001-a.sql'), 'CREATE TABLE a (x INTEGER);');
    writeFileSync(join(dir, '0002-b.sql'), 'CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);');
    const db = openDb(join(t.dir, 'm.db'));
    expect(() => migrate(db, loadMigrations(dir))).toThrow(/nope/);
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'b'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses a database newer than the code', () => {
    t = tempDir();
    const db = openDb(join(t.dir, 'm.db'));
    db.pragma('user_version = 9999');
    expect(() => migrate(db)).toThrow(/newer than this outagewatch/);
    db.close();
  });
});
