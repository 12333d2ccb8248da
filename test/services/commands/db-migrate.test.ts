import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../services/cli.js';
import { capture, tempDir } from '../../helpers.js';
import { usePostgres } from '../../pg.js';

const pgt = usePostgres({ database: false });

describe('outagewatch db migrate', () => {
  let t: ReturnType<typeof tempDir> | undefined;
  afterEach(() => {
    t?.cleanup();
    t = undefined;
  });

  it('on a SQLite file: applies every migration once, then says it is up to date', async () => {
    t = tempDir();
    const db = join(t.dir, 'x.db');
    const c = capture();
    expect(await main(['db', 'migrate', '--json', '--db', db], c.io)).toBe(0);
    const doc = JSON.parse(c.out) as { backend: string; applied: string[]; schemaVersion: number };
    expect(doc.backend).toBe('sqlite');
    expect(doc.applied[0]).toBe('0001-init.sql');
    const again = capture();
    expect(await main(['db', 'migrate', '--db', db], again.io)).toBe(0);
    expect(again.out).toBe(`already up to date; schema version ${doc.schemaVersion}\n`);
  });

  it.skipIf(!pgt.enabled)('on PostgreSQL: applies the PostgreSQL migrations once, names the database without its password', async () => {
    const url = await pgt.createDatabase();
    const c = capture();
    expect(await main(['db', 'migrate', '--json', '--db', url], c.io)).toBe(0);
    const doc = JSON.parse(c.out) as { database: string; backend: string; applied: string[]; schemaVersion: number };
    expect(doc.backend).toBe('postgres');
    expect(doc.applied).toEqual(
      readdirSync(join(process.cwd(), 'db', 'postgres', 'migrations'))
        .filter((f) => f.endsWith('.sql'))
        .sort(),
    );
    expect(doc.applied[0]).toBe('0001-core-store.sql');
    expect(doc.schemaVersion).toBe(Number(doc.applied.at(-1)!.slice(0, 4)));
    expect(doc.database).toContain(':***@127.0.0.1:');
    const again = capture();
    expect(await main(['db', 'migrate', '--db', url], again.io)).toBe(0);
    expect(again.out).toBe(`already up to date; schema version ${doc.schemaVersion}\n`);
  });

  it('on an unreachable PostgreSQL: exit 1 with the reason, no file created', async () => {
    t = tempDir();
    const c = capture();
    const cwd = process.cwd();
    process.chdir(t.dir);
    try {
      expect(await main(['db', 'migrate', '--db', 'postgres://ow:secret@127.0.0.1:1/ow'], c.io)).toBe(1);
    } finally {
      process.chdir(cwd);
    }
    expect(c.err).toMatch(/^outagewatch: .*ECONNREFUSED/);
    expect(c.err).not.toContain('secret');
  });
});
