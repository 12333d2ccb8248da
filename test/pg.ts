/**
 * PostgreSQL for a test file: a database of its own on the run's cluster (test/pg-global-setup.ts), created in
 * beforeAll and dropped in afterAll.
 *
 *   const pg = usePostgres();
 *   describe.skipIf(!pg.enabled)('… on PostgreSQL', () => { … pg.url() … });
 *
 * Without a cluster the tests are skipped, except under `REQUIRE_PG=1` (CI): then they run and fail, naming why.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';

export interface TestPostgres {
  /** Run the PostgreSQL tests (a cluster is there, or REQUIRE_PG=1 says they must run and fail without one). */
  readonly enabled: boolean;
  /** This file's database URL (inside tests and hooks, after beforeAll). */
  url(): string;
  /** Another fresh database on the cluster (e.g. an empty copy target); dropped in afterAll. */
  createDatabase(): Promise<string>;
}

function dbUrl(admin: string, name: string): string {
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
}

/** `database: false`: no database of the file's own (tests that only call createDatabase()). */
export function usePostgres(opts: { database?: boolean } = {}): TestPostgres {
  const admin = inject('pgAdminUrl');
  const why = inject('pgUnavailable');
  const required = process.env.REQUIRE_PG === '1';
  const created: string[] = [];
  let main: string | null = null;

  const createDatabase = async (): Promise<string> => {
    if (!admin) throw new Error(`PostgreSQL is required (REQUIRE_PG=1) but not available: ${why ?? 'unknown reason'}`);
    const name = `ow_${randomBytes(6).toString('hex')}`;
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE ${name}`);
    } finally {
      await c.end();
    }
    created.push(name);
    return dbUrl(admin, name);
  };

  beforeAll(async () => {
    if (!admin && !required) return;
    if (opts.database === false) {
      if (!admin) throw new Error(`PostgreSQL is required (REQUIRE_PG=1) but not available: ${why ?? 'unknown reason'}`);
      return;
    }
    main = await createDatabase();
  });

  afterAll(async () => {
    if (!admin || created.length === 0) return;
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  });

  return {
    enabled: admin !== null || required,
    url() {
      if (!main) throw new Error(`no PostgreSQL test database: ${why ?? 'beforeAll has not run'}`);
      return main;
    },
    createDatabase,
  };
}

/** Where one backend's fresh database goes: `location()` gives a SQLite path or a postgres:// URL. */
export interface TestBackend {
  readonly name: 'sqlite' | 'postgres';
  readonly enabled: boolean;
  location(): Promise<string>;
}

/**
 * Both backends for a test that runs the same requests or commands on each and compares: a SQLite file in a temp
 * folder (removed in afterAll) and a fresh database on the run's cluster. Call at the top of a file.
 */
export function bothBackends(pgt: TestPostgres): readonly TestBackend[] {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return [
    {
      name: 'sqlite',
      enabled: true,
      async location() {
        const d = mkdtempSync(join(tmpdir(), 'ow-test-'));
        dirs.push(d);
        return join(d, 'ow.db');
      },
    },
    { name: 'postgres', enabled: pgt.enabled, location: () => pgt.createDatabase() },
  ];
}
