import pg from 'pg';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../dashboards/app.js';
import { openRepositories } from '../../db/open.js';
import type { PgPointStore } from '../../db/postgres/store.js';
import type { Repositories } from '../../db/repositories.js';
import { configSchema } from '../../services/program-config.js';
import { silentLogger } from '../../core/logger.js';
import { usePostgres } from '../pg.js';

// A CSV export of a listing streamed page by page (issue 23) reads its count and every page inside ONE snapshot on
// PostgreSQL (a read-only REPEATABLE READ transaction): a row a collector writes mid-export does not appear, and the
// rows are exactly those counted. The listing is the collection runs (newest first: a new run would land on the
// first page and push the oldest out), 2,500 of them: three pages of the export.

const pgt = usePostgres({ database: false });

describe.skipIf(!pgt.enabled)('CSV exports on PostgreSQL read one snapshot', () => {
  let repos: Repositories | undefined;
  let other: pg.Client | undefined;
  afterAll(async () => {
    await repos?.close();
    await other?.end();
  });

  it('a run written between the count and the pages is not in the export', async () => {
    const url = await pgt.createDatabase();
    repos = await openRepositories(url);
    const pool = (repos.points as PgPointStore).pool;
    await pool.query(
      "INSERT INTO runs (job, collector, started_at, finished_at, status, rows, windows_ok, windows_failed) SELECT 'collect:ioda', 'ioda', 1463702400 + g, 1463702460 + g, 'ok', g, 1, 0 FROM generate_series(1, 2500) AS g",
    );
    other = new pg.Client({ connectionString: url });
    await other.connect();
    const app = createApp({
      config: configSchema.parse({ db: url }),
      points: repos.points,
      repos,
      collectors: [],
      log: silentLogger,
      version: 'test',
    });
    // a collector records a run right after the export counted (another connection, committed at once)
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<pg.QueryResult>;
    let written: number | null = null;
    pool.query = (async (...args: unknown[]) => {
      const r = await query(...args);
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
      if (written === null && /count\(\*\)/i.test(text ?? '') && /\bruns\b/.test(text ?? '')) {
        const ins = await other!.query<{ id: number }>(
          "INSERT INTO runs (job, collector, started_at, status) VALUES ('collect:ioda', 'ioda', 1500000000, 'running') RETURNING id",
        );
        written = Number(ins.rows[0]!.id);
      }
      return r;
    }) as typeof pool.query;
    try {
      const res = await request(app).get('/api/sources/runs?format=csv').expect(200);
      expect(written).not.toBeNull();
      const lines = res.text.trim().split(/\r?\n/);
      expect(lines[0]).toMatch(/^id,job,collector,/);
      const ids = lines.slice(1).map((l) => Number(l.split(',')[0]));
      expect(res.headers['x-total-count']).toBe('2500');
      expect(ids).toHaveLength(2500);
      expect(ids).not.toContain(written);
      expect(new Set(ids).size).toBe(2500);
      expect(ids[0]).toBe(2500); // the newest run of the snapshot first
    } finally {
      pool.query = query as typeof pool.query;
    }
    // read again: the run is there now
    const after = await request(app).get('/api/sources/runs?format=csv').expect(200);
    expect(after.headers['x-total-count']).toBe('2501');
    expect(Number(after.text.split(/\r?\n/)[1]!.split(',')[0])).toBe(written);
  });
});
