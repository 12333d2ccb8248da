import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../db/store.js';
import { main } from '../../../services/cli.js';
import { tempDir, capture } from '../../helpers.js';

describe('database errors name the database', () => {
  let t: ReturnType<typeof tempDir> | undefined;
  afterEach(() => t?.cleanup());

  it('"file is not a database" says which file and what to check', async () => {
    // e.g. --db pointed at a CSV by mistake
    t = tempDir();
    const db = join(t.dir, 'events.csv');
    writeFileSync(db, 'title,country,start\n'.repeat(400));
    const c = capture();
    expect(await main(['status', '--db', db], c.io)).toBe(1);
    expect(c.err.trim()).toBe(`outagewatch: ${db} is not a database (file is not a database); check --db / OUTAGEWATCH_DB`);
    expect(() => SqliteStore.open(db, { readonly: true })).toThrow(db);
  });

  it('a damaged file ("malformed") says which file and how to recover', async () => {
    t = tempDir();
    const db = join(t.dir, 'broken.db');
    const s = SqliteStore.open(db);
    s.db.pragma('wal_checkpoint(TRUNCATE)');
    s.close();
    // overwrite the schema (page 1 after the 100-byte file header)
    const fd = openSync(db, 'r+');
    writeSync(fd, Buffer.alloc(4096 - 100, 0x5a), 0, 4096 - 100, 100);
    closeSync(fd);
    const c = capture();
    expect(await main(['status', '--db', db], c.io)).toBe(1);
    expect(c.err).toContain(`outagewatch: ${db} is damaged (`);
    expect(c.err).toContain('.recover');
  });

  it('a full disk during a write says which database is full', () => {
    t = tempDir();
    const db = join(t.dir, 'full.db');
    const s = SqliteStore.open(db);
    try {
      s.db.pragma(`max_page_count = ${s.db.pragma('page_count', { simple: true }) as number}`);
      let caught: unknown;
      try {
        s.writeWindow({
          collector: 'x',
          entity: 'country:KZ',
          from: 0,
          until: 86400 * 30,
          series: [{ signal: { name: 'ioda.bgp', step: 300 }, points: Array.from({ length: 8640 }, (_, i) => [i * 300, i] as const) }],
        });
      } catch (err) {
        caught = err;
      }
      expect(SqliteStore.describeError(caught, db)).toBe(
        `${db}: the disk is full (database or disk is full); free space and run again (finished windows are kept)`,
      );
    } finally {
      s.close();
    }
  });
});
