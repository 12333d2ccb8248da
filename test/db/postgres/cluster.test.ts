import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { usePostgres } from '../../pg.js';

const pgt = usePostgres();

describe.skipIf(!pgt.enabled)('the test PostgreSQL (one private cluster per run, one database per file)', () => {
  it('is a PostgreSQL 15+ server on loopback, and this file has a database of its own', async () => {
    const c = new pg.Client({ connectionString: pgt.url() });
    await c.connect();
    try {
      const r = await c.query<{ v: string; db: string; addr: string | null }>(
        "SELECT current_setting('server_version_num') AS v, current_database() AS db, host(inet_server_addr()) AS addr",
      );
      expect(Number(r.rows[0]!.v)).toBeGreaterThanOrEqual(150000);
      expect(r.rows[0]!.db).toMatch(/^ow_[0-9a-f]{12}$/);
      expect(r.rows[0]!.addr).toBe('127.0.0.1');
    } finally {
      await c.end();
    }
  });
});
