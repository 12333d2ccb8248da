import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usePostgres } from '../../pg.js';

// A daemon on PostgreSQL whose connection the server ends (a restart, an operator's pg_terminate_backend) while the
// connection is checked out between two statements. Before: node-postgres emitted 'error' on that client with no
// listener, and the process died of an uncaught "Connection terminated unexpectedly" (seen in CI, stop 27). Now the
// query in flight fails as any query error does, and the store goes on with a new connection.
const pgt = usePostgres({ database: false });

describe.skipIf(!pgt.enabled)('a lost PostgreSQL connection', () => {
  it('fails the query on it and leaves the process running: the next read works on a new connection', async () => {
    const url = await pgt.createDatabase();
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(process.cwd(), 'test', 'fixtures', 'scripts', 'pg-connection-loss.ts'), url],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(child.status, child.stderr).toBe(0);
    const out = JSON.parse(child.stdout.trim()) as { heldQuery: string; signals: number };
    expect(out.heldQuery).toMatch(/^rejected: /);
    expect(out.signals).toBe(0);
  }, 90_000);
});
