import type pg from 'pg';
import type { RequestBudget } from '../repository.js';

/**
 * The per-source request budget on PostgreSQL (migration 0060): one row per source with the time (milliseconds,
 * the database's clock) from which its next request may start. A claim moves it on by one spacing in ONE statement
 * (`INSERT … ON CONFLICT DO UPDATE … RETURNING`, under the row's lock), so that every process on the database gets
 * a start of its own: together they start at most one request per spacing, whatever their number. Times come from
 * the database's clock, so processes on machines whose clocks disagree still keep the spacing.
 */
export class PgRequestBudget implements RequestBudget {
  constructor(private readonly pool: pg.Pool) {}

  async claim(source: string, spacingMs: number): Promise<number> {
    const r = await this.pool.query<{ wait: number }>(
      `WITH t AS (SELECT extract(epoch FROM clock_timestamp())::float8 * 1000 AS now)
       INSERT INTO request_budget AS b (source, next_ms) SELECT $1, t.now + $2::float8 FROM t
       ON CONFLICT (source) DO UPDATE SET next_ms = greatest(b.next_ms, extract(epoch FROM clock_timestamp())::float8 * 1000) + $2::float8
       RETURNING (next_ms - $2::float8 - extract(epoch FROM clock_timestamp())::float8 * 1000)::float8 AS wait`,
      [source, spacingMs],
    );
    return Math.max(0, Math.ceil(r.rows[0]!.wait));
  }
}
