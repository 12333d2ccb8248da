import type { Request, RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { metricsFor, type MetricsReads, type StoreCounts } from '../db/metrics.js';
import type { AppDeps } from './deps.js';

export const METRICS_PREFIX = 'outagewatch_';

/** Default cache of the store-content gauges (points, outages...): a scrape every 15 s costs one query every 30 s. */
export const STORE_COUNTS_TTL_MS = 30_000;

export interface MetricsOptions {
  /** Node.js process metrics (CPU, memory, event loop, GC). Default true. */
  processMetrics?: boolean;
  /** How long the store-content gauges are cached, in ms (0: recomputed on every scrape). */
  storeCountsTtlMs?: number;
  /** Clock in ms, for the cache (tests). */
  nowMs?: () => number;
}

export interface AppMetrics {
  registry: Registry;
  /** Times every request into `outagewatch_http_request_duration_seconds`. Mount before the routes. */
  middleware: RequestHandler;
  /** `GET /metrics`: Prometheus text exposition. */
  handler: RequestHandler;
}

/** The route a request matched, as a low-cardinality label: `/api/events/:id`, `/static`, or `unmatched`. */
export function routeLabel(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  if (route && route.path !== undefined) {
    const path = Array.isArray(route.path) ? route.path.map(String).join('|') : String(route.path);
    return `${req.baseUrl ?? ''}${path}` || '/';
  }
  return req.baseUrl ? req.baseUrl : 'unmatched';
}

/**
 * One Prometheus registry per app (tests build many apps in one process). Run metrics are read from the
 * `runs` table at scrape time so they survive restarts; store contents come from small tables and the daily
 * rollup (never `count(*)` over `points`) and are cached for `storeCountsTtlMs`.
 */
export function createMetrics(deps: Pick<AppDeps, 'points' | 'listings' | 'collectors' | 'log'>, opts: MetricsOptions = {}): AppMetrics {
  const registry = new Registry();
  const p = METRICS_PREFIX;
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: p });
  const registers = [registry];
  const ttl = opts.storeCountsTtlMs ?? STORE_COUNTS_TTL_MS;
  const nowMs = opts.nowMs ?? Date.now;

  const httpDuration = new Histogram({
    name: `${p}http_request_duration_seconds`,
    help: 'HTTP request duration in seconds, by method, matched route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const runs = new Counter({
    name: `${p}collector_runs_total`,
    help: 'Collector runs recorded in the database, by final status (running: in progress).',
    labelNames: ['collector', 'status'] as const,
    registers,
  });
  const failures = new Counter({
    name: `${p}collector_failures_total`,
    help: "Collector runs that ended with status 'failed' or 'interrupted'.",
    labelNames: ['collector'] as const,
    registers,
  });
  const windowsFailed = new Counter({
    name: `${p}collector_windows_failed_total`,
    help: 'Collection windows that failed (inside runs of any status).',
    labelNames: ['collector'] as const,
    registers,
  });
  const rowsWritten = new Counter({
    name: `${p}collector_rows_written_total`,
    help: 'Rows (points) written by collector runs.',
    labelNames: ['collector'] as const,
    registers,
  });
  const lastSuccess = new Gauge({
    name: `${p}collector_last_success_timestamp_seconds`,
    help: 'Unix time the latest successful run of the collector finished (absent: never succeeded).',
    labelNames: ['collector'] as const,
    registers,
  });
  const lastStart = new Gauge({
    name: `${p}collector_last_run_timestamp_seconds`,
    help: 'Unix time the latest run of the collector started.',
    labelNames: ['collector'] as const,
    registers,
  });
  const enabled = new Gauge({
    name: `${p}collector_enabled`,
    help: '1 when the collector is enabled, 0 when it is off (e.g. Radar without a token).',
    labelNames: ['collector'] as const,
    registers,
  });
  const jobRuns = new Counter({
    name: `${p}job_runs_total`,
    help: 'Runs of every job (collection, detection...) by status.',
    labelNames: ['job', 'status'] as const,
    registers,
  });
  const points = new Gauge({
    name: `${p}store_points`,
    help: 'Points holding a value in the store (sum of the daily rollup counts; "no data" points are not counted). Cached.',
    registers,
  });
  const signals = new Gauge({ name: `${p}store_signals`, help: 'Signals (time series) in the store. Cached.', registers });
  const entities = new Gauge({
    name: `${p}store_entities`,
    help: 'Entities (countries, regions, networks) in the store. Cached.',
    registers,
  });
  const outages = new Gauge({
    name: `${p}store_outages`,
    help: 'Detected outages in the store, by kind. Cached.',
    labelNames: ['kind'] as const,
    registers,
  });
  const sourceEvents = new Gauge({
    name: `${p}store_source_events`,
    help: 'Outage events declared by the sources, by source. Cached.',
    labelNames: ['source'] as const,
    registers,
  });
  const protestEvents = new Gauge({ name: `${p}store_protest_events`, help: 'Protest calendar events in the store. Cached.', registers });
  const referenceOutages = new Gauge({
    name: `${p}store_reference_outages`,
    help: 'Outages from published reference lists in the store. Cached.',
    registers,
  });
  const dbSize = new Gauge({
    name: `${p}store_size_bytes`,
    help: 'Size of the database in bytes (SQLite: the main, WAL and shared-memory files; PostgreSQL: pg_database_size).',
    registers,
  });

  let queries: MetricsReads | null = null;
  let cached: { at: number; counts: StoreCounts } | null = null;

  const refresh = async (): Promise<void> => {
    queries ??= metricsFor(deps.points);
    const names = new Set<string>(deps.collectors.map((c) => c.name));
    const [totals, times, jobs] = await Promise.all([queries.collectorRunTotals(), queries.collectorRunTimes(), queries.jobRunTotals()]);
    for (const t of totals) names.add(t.name);

    runs.reset();
    failures.reset();
    windowsFailed.reset();
    rowsWritten.reset();
    lastSuccess.reset();
    lastStart.reset();
    enabled.reset();
    jobRuns.reset();
    for (const name of names) {
      failures.inc({ collector: name }, 0);
      windowsFailed.inc({ collector: name }, 0);
      rowsWritten.inc({ collector: name }, 0);
    }
    for (const c of deps.collectors) enabled.set({ collector: c.name }, c.enabled() ? 1 : 0);
    for (const t of totals) {
      runs.inc({ collector: t.name, status: t.status }, t.runs);
      if (t.status === 'failed' || t.status === 'interrupted') failures.inc({ collector: t.name }, t.runs);
      windowsFailed.inc({ collector: t.name }, t.windowsFailed);
      rowsWritten.inc({ collector: t.name }, t.rows);
    }
    for (const r of times) {
      if (r.lastSuccess !== null) lastSuccess.set({ collector: r.name }, r.lastSuccess);
      lastStart.set({ collector: r.name }, r.lastStart);
    }
    for (const t of jobs) jobRuns.inc({ job: t.name, status: t.status }, t.runs);

    const now = nowMs();
    if (!cached || now - cached.at >= ttl) cached = { at: now, counts: await queries.storeCounts() };
    const c = cached.counts;
    points.set(c.pointsWithValue);
    signals.set(c.signals);
    entities.set(c.entities);
    outages.reset();
    for (const kind of ['connectivity', 'service-blocking', 'both', 'degradation']) outages.set({ kind }, 0);
    for (const o of c.outages) outages.set({ kind: o.kind }, o.n);
    sourceEvents.reset();
    for (const s of c.sourceEvents) sourceEvents.set({ source: s.source }, s.n);
    protestEvents.set(c.protestEvents);
    referenceOutages.set(c.referenceOutages);
    dbSize.set(await deps.listings.sizeBytes());
  };

  const middleware: RequestHandler = (req, res, next) => {
    const end = httpDuration.startTimer();
    res.once('finish', () => {
      end({ method: req.method, route: routeLabel(req), status: String(res.statusCode) });
    });
    next();
  };

  const handler: RequestHandler = async (_req, res, next) => {
    try {
      await refresh();
      const body = await registry.metrics();
      res.setHeader('Cache-Control', 'no-store');
      res.type(registry.contentType).send(body);
    } catch (err) {
      deps.log.error({ err }, 'metrics scrape failed');
      next(err);
    }
  };

  return { registry, middleware, handler };
}
