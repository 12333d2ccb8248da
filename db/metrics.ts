import type { Db } from './connection.js';
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
      collectorTotals: db.prepare<
        [],
        { name: string; status: RunStatus; runs: number; rows: number; windows_ok: number; windows_failed: number }
      >(
        'SELECT collector AS name, status, count(*) AS runs, coalesce(sum(rows), 0) AS rows, coalesce(sum(windows_ok), 0) AS windows_ok, coalesce(sum(windows_failed), 0) AS windows_failed ' +
          'FROM runs WHERE collector IS NOT NULL GROUP BY collector, status ORDER BY collector, status',
      ),
      jobTotals: db.prepare<
        [],
        { name: string; status: RunStatus; runs: number; rows: number; windows_ok: number; windows_failed: number }
      >(
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

function toTotals(r: {
  name: string;
  status: RunStatus;
  runs: number;
  rows: number;
  windows_ok: number;
  windows_failed: number;
}): RunTotals {
  return { name: r.name, status: r.status, runs: r.runs, rows: r.rows, windowsOk: r.windows_ok, windowsFailed: r.windows_failed };
}
