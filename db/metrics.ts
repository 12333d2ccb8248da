import type pg from 'pg';
import type { Db } from './connection.js';
import type { PointStore } from './repository.js';
import { SqlitePointStore } from './repository.js';
import { PgPointStore } from './postgres/store.js';
import type { RunStatus } from './store.js';

/** Runs of one collector (or job) with one status, summed over the whole `runs` table. */
export interface RunTotals {
  /** Collector name, or the job name for runs that belong to no collector (detect, reports...). */
  name: string;
  status: RunStatus;
  runs: number;
  rows: number;
  windowsOk: number;
  windowsFailed: number;
}

export interface LastRunTimes {
  name: string;
  /** finished_at of the latest run with status 'ok' (null: never succeeded). */
  lastSuccess: number | null;
  /** started_at of the latest run of any status. */
  lastStart: number;
}

/** What the store holds, for `/metrics`. Computed from small tables and the daily rollup, never from `points`. */
export interface StoreCounts {
  /** Points holding a value: sum of `points_daily.n` (rows with value NULL, "no data", are not counted). */
  pointsWithValue: number;
  /** Days × signals present in the daily rollup. */
  dailyRollupRows: number;
  entities: number;
  signals: number;
  outages: Array<{ kind: string; n: number }>;
  sourceEvents: Array<{ source: string; n: number }>;
  protestEvents: number;
  referenceOutages: number;
}

/**
 * Read-only queries behind the Prometheus metrics. Everything is derived from tables at scrape time, so the
 * numbers survive restarts of the daemon. Works on a read-only connection.
 */
export class MetricsQueries {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      collectorTotals: db.prepare<[], RunTotalsRow>(
        'SELECT collector AS name, status, count(*) AS runs, coalesce(sum(rows), 0) AS rows, coalesce(sum(windows_ok), 0) AS windows_ok, coalesce(sum(windows_failed), 0) AS windows_failed ' +
          'FROM runs WHERE collector IS NOT NULL GROUP BY collector, status ORDER BY collector, status',
      ),
      jobTotals: db.prepare<[], RunTotalsRow>(
        'SELECT job AS name, status, count(*) AS runs, coalesce(sum(rows), 0) AS rows, coalesce(sum(windows_ok), 0) AS windows_ok, coalesce(sum(windows_failed), 0) AS windows_failed ' +
          'FROM runs GROUP BY job, status ORDER BY job, status',
      ),
      collectorTimes: db.prepare<[], { name: string; last_success: number | null; last_start: number }>(
        "SELECT collector AS name, max(CASE WHEN status = 'ok' THEN coalesce(finished_at, started_at) END) AS last_success, max(started_at) AS last_start " +
          'FROM runs WHERE collector IS NOT NULL GROUP BY collector ORDER BY collector',
      ),
      points: db.prepare<[], { n: number; rows: number }>('SELECT coalesce(sum(n), 0) AS n, count(*) AS rows FROM points_daily'),
      entities: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM entities'),
      signals: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM signals'),
      outages: db.prepare<[], { kind: string; n: number }>('SELECT kind, count(*) AS n FROM outages GROUP BY kind ORDER BY kind'),
      sourceEvents: db.prepare<[], { source: string; n: number }>(
        'SELECT source, count(*) AS n FROM source_events GROUP BY source ORDER BY source',
      ),
      protestEvents: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM protest_events'),
      referenceOutages: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM reference_outages'),
    };
  }

  /** Per collector and status. */
  collectorRunTotals(): RunTotals[] {
    return this.stmts.collectorTotals.all().map(toTotals);
  }

  /** Per job (`collect:ioda`, `detect`...) and status, including runs that belong to no collector. */
  jobRunTotals(): RunTotals[] {
    return this.stmts.jobTotals.all().map(toTotals);
  }

  collectorRunTimes(): LastRunTimes[] {
    return this.stmts.collectorTimes.all().map((r) => ({ name: r.name, lastSuccess: r.last_success, lastStart: r.last_start }));
  }

  storeCounts(): StoreCounts {
    const s = this.stmts;
    const points = s.points.get()!;
    return {
      pointsWithValue: points.n,
      dailyRollupRows: points.rows,
      entities: s.entities.get()!.n,
      signals: s.signals.get()!.n,
      outages: s.outages.all(),
      sourceEvents: s.sourceEvents.all(),
      protestEvents: s.protestEvents.get()!.n,
      referenceOutages: s.referenceOutages.get()!.n,
    };
  }
}

/** The metrics reads on either backend (the same queries, the same numbers for the same data). */
export interface MetricsReads {
  collectorRunTotals(): Promise<RunTotals[]>;
  jobRunTotals(): Promise<RunTotals[]>;
  collectorRunTimes(): Promise<LastRunTimes[]>;
  storeCounts(): Promise<StoreCounts>;
}

class SqliteMetricsReads implements MetricsReads {
  private readonly q: MetricsQueries;
  constructor(db: Db) {
    this.q = new MetricsQueries(db);
  }
  async collectorRunTotals(): Promise<RunTotals[]> {
    return this.q.collectorRunTotals();
  }
  async jobRunTotals(): Promise<RunTotals[]> {
    return this.q.jobRunTotals();
  }
  async collectorRunTimes(): Promise<LastRunTimes[]> {
    return this.q.collectorRunTimes();
  }
  async storeCounts(): Promise<StoreCounts> {
    return this.q.storeCounts();
  }
}

/**
 * The Prometheus metrics' reads on PostgreSQL: SQLite's queries (db/metrics.ts) with text sorted in code point
 * order (`COLLATE "C"`, as SQLite's binary order), so both backends give the same series in the same order.
 */
class PgMetricsReads implements MetricsReads {
  constructor(private readonly pool: pg.Pool) {}

  private async totals(by: 'collector' | 'job'): Promise<RunTotals[]> {
    const r = await this.pool.query<RunTotalsRow>(
      `SELECT ${by} AS name, status, count(*) AS runs, coalesce(sum(rows), 0) AS rows, coalesce(sum(windows_ok), 0) AS windows_ok, ` +
        `coalesce(sum(windows_failed), 0) AS windows_failed FROM runs ${by === 'collector' ? 'WHERE collector IS NOT NULL ' : ''}` +
        `GROUP BY ${by}, status ORDER BY ${by} COLLATE "C", status COLLATE "C"`,
    );
    return r.rows.map((x) => ({
      name: x.name,
      status: x.status,
      runs: x.runs,
      rows: x.rows,
      windowsOk: x.windows_ok,
      windowsFailed: x.windows_failed,
    }));
  }

  collectorRunTotals(): Promise<RunTotals[]> {
    return this.totals('collector');
  }

  jobRunTotals(): Promise<RunTotals[]> {
    return this.totals('job');
  }

  async collectorRunTimes(): Promise<LastRunTimes[]> {
    const r = await this.pool.query<{ name: string; last_success: number | null; last_start: number }>(
      "SELECT collector AS name, max(CASE WHEN status = 'ok' THEN coalesce(finished_at, started_at) END) AS last_success, max(started_at) AS last_start " +
        'FROM runs WHERE collector IS NOT NULL GROUP BY collector ORDER BY collector COLLATE "C"',
    );
    return r.rows.map((x) => ({ name: x.name, lastSuccess: x.last_success, lastStart: x.last_start }));
  }

  async storeCounts(): Promise<StoreCounts> {
    // one round trip: the small tables' counts and the daily rollup's sums; the grouped counts as JSON arrays
    const r = await this.pool.query<{
      n: number;
      rows: number;
      entities: number;
      signals: number;
      protest: number;
      reference: number;
      outages: Array<{ kind: string; n: number }> | null;
      events: Array<{ source: string; n: number }> | null;
    }>(
      'SELECT (SELECT coalesce(sum(n), 0) FROM points_daily) AS n, (SELECT count(*) FROM points_daily) AS rows, ' +
        '(SELECT count(*) FROM entities) AS entities, (SELECT count(*) FROM signals) AS signals, ' +
        '(SELECT count(*) FROM protest_events) AS protest, (SELECT count(*) FROM reference_outages) AS reference, ' +
        "(SELECT json_agg(json_build_object('kind', kind, 'n', n) ORDER BY kind COLLATE \"C\") FROM (SELECT kind, count(*) AS n FROM outages GROUP BY kind) o) AS outages, " +
        "(SELECT json_agg(json_build_object('source', source, 'n', n) ORDER BY source COLLATE \"C\") FROM (SELECT source, count(*) AS n FROM source_events GROUP BY source) e) AS events",
    );
    const x = r.rows[0]!;
    return {
      pointsWithValue: x.n,
      dailyRollupRows: x.rows,
      entities: x.entities,
      signals: x.signals,
      outages: x.outages ?? [],
      sourceEvents: x.events ?? [],
      protestEvents: x.protest,
      referenceOutages: x.reference,
    };
  }
}

/** The metrics reads of the database behind a point store (SQLite: MetricsQueries; PostgreSQL: PgMetricsReads). */
export function metricsFor(points: PointStore): MetricsReads {
  if (points instanceof SqlitePointStore) return new SqliteMetricsReads(points.store.db);
  if (points instanceof PgPointStore) return new PgMetricsReads(points.pool);
  throw new Error(`no metrics reads for a ${points.backend} store`);
}

/** A row of the run totals query, on either backend. */
interface RunTotalsRow {
  name: string;
  status: RunStatus;
  runs: number;
  rows: number;
  windows_ok: number;
  windows_failed: number;
}

function toTotals(r: RunTotalsRow): RunTotals {
  return { name: r.name, status: r.status, runs: r.runs, rows: r.rows, windowsOk: r.windows_ok, windowsFailed: r.windows_failed };
}
