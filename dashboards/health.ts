import type { AppDeps } from './deps.js';
import type { DbWatch } from './db-watch.js';
import type { CheckpointRow, RunRow } from '../db/store.js';
import { isoUtc } from '../core/time.js';
import { backfillProgress, backfillProgressAsync, type BackfillProgress } from '../services/scheduler/backfill.js';

export interface CollectorHealth {
  name: string;
  description: string;
  enabled: boolean;
  disabledReason: string | null;
  state: 'ok' | 'failing' | 'partial' | 'never-run' | 'running' | 'disabled';
  lastRun: { startedAt: string; finishedAt: string | null; status: string; rows: number; error: string | null } | null;
  lastSuccessAt: string | null;
  lastError: { at: string; message: string } | null;
  /** Start of the unbroken run of failed runs up to the latest finished one (null when that one did not fail). */
  failingSince: string | null;
  /** Ranges where the source answered "no data for this era" (e.g. IODA `data: [[]]`), newest first, at most 20. */
  noData: Array<{ entity: string; signal: string; from: string; until: string }>;
}

export interface Health {
  /** `degraded`: something needs attention (`reasons`); `down`: the database cannot be read (HTTP 503). */
  status: 'ok' | 'degraded' | 'down';
  reasons: string[];
  version: string;
  time: string;
  /** `backend`: `sqlite` or `postgres`; `engine`: its name and version, e.g. `SQLite 3.50.4`. */
  database: { backend: 'sqlite' | 'postgres'; engine: string; path: string; sizeBytes: number; schemaVersion: number };
  collectors: CollectorHealth[];
  /** Backfill progress per enabled collector and watched entity (services/scheduler/backfill.ts). */
  backfill: BackfillProgress[];
  /** Why `backfill` is empty on this database (a PostgreSQL database without the calendar's tables). */
  backfillUnavailable?: string;
}

const iso = isoUtc;

/** Per collector: its latest runs and the ranges its source had no data for (one read of each per collector). */
export async function collectorHealth(deps: Pick<AppDeps, 'points' | 'collectors'>): Promise<CollectorHealth[]> {
  return Promise.all(
    deps.collectors.map(async (c) => {
      const [runs, cps] = await Promise.all([
        deps.points.recentRuns({ collector: c.name, limit: 50 }),
        deps.points.checkpoints({ collector: c.name }),
      ]);
      return collectorState(c, runs, cps);
    }),
  );
}

function collectorState(c: AppDeps['collectors'][number], runs: RunRow[], cps: CheckpointRow[]): CollectorHealth {
  const last = runs[0];
  const success = runs.find((r) => r.status === 'ok');
  const failed = runs.find((r) => r.error);
  // the runs that failed one after another up to the latest finished one (a run in progress says nothing yet)
  const finished = runs.filter((r) => r.status !== 'running');
  let streak = 0;
  while (streak < finished.length && finished[streak]!.status === 'failed') streak++;
  const failingSince = streak ? iso(finished[streak - 1]!.startedAt) : null;
  let state: CollectorHealth['state'];
  if (!c.enabled()) state = 'disabled';
  else if (!last) state = 'never-run';
  else if (last.status === 'running') state = failingSince ? 'failing' : 'running';
  else if (last.status === 'ok') state = 'ok';
  else if (last.status === 'partial') state = 'partial';
  else state = 'failing';
  return {
    name: c.name,
    description: c.describe(),
    enabled: c.enabled(),
    disabledReason: c.disabledReason(),
    state,
    lastRun: last
      ? {
          startedAt: iso(last.startedAt),
          finishedAt: last.finishedAt === null ? null : iso(last.finishedAt),
          status: last.status,
          rows: last.rows,
          error: last.error,
        }
      : null,
    lastSuccessAt: success?.finishedAt ? iso(success.finishedAt) : null,
    lastError: failed?.error ? { at: iso(failed.finishedAt ?? failed.startedAt), message: failed.error } : null,
    failingSince,
    noData: cps
      .filter((cp) => cp.status === 'no-data')
      .sort((a, b) => b.from - a.from)
      .slice(0, 20)
      .map((cp) => ({ entity: cp.entity, signal: cp.signal, from: iso(cp.from), until: iso(cp.until) })),
  };
}

/** Backfill progress needs the calendar: a PostgreSQL database without the calendar's tables has none. */
export const BACKFILL_NOT_ON_POSTGRES =
  'backfill progress is not available on this PostgreSQL database (it plans from the calendar, and this database has no calendar tables)';

/**
 * Backfill progress: on SQLite from the store's own reads (synchronous, cached by data version); otherwise through
 * the point store and the calendar repository (PostgreSQL) — the same numbers for the same data.
 */
async function safeBackfill(deps: AppDeps, now: number): Promise<BackfillProgress[]> {
  try {
    if (deps.store) return backfillProgress(deps.store, deps.config, now, deps.collectors);
    if (!deps.repos) return [];
    const events = (await deps.repos.calendar.listEvents()).map((e) => ({ id: e.id, country: e.country, start: e.start, end: e.end }));
    return await backfillProgressAsync(deps.points, deps.config, now, deps.collectors, events);
  } catch (err) {
    deps.log.warn({ err }, 'backfill progress unavailable');
    return [];
  }
}

async function safe<T>(read: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await read();
  } catch {
    return fallback;
  }
}

/** The database engine and version (`SQLite 3.50.4`, `PostgreSQL 15.18`). */
const engineOf = (deps: AppDeps) => safe(() => deps.points.serverVersion(), deps.points.backend === 'postgres' ? 'PostgreSQL' : 'SQLite');

export async function health(deps: AppDeps, watch?: DbWatch): Promise<Health> {
  const now = deps.now ? deps.now() : Math.floor(Date.now() / 1000);
  const backend = deps.points.backend;
  const path = deps.points.location;
  let schemaVersion: number;
  try {
    await deps.listings.probe();
    schemaVersion = await deps.points.schemaVersion();
  } catch (err) {
    deps.log.error({ err }, 'health: the database cannot be read');
    return {
      status: 'down',
      reasons: [`database ${path} cannot be read: ${(err as Error).message}`],
      version: deps.version,
      time: iso(now),
      database: {
        backend,
        engine: await engineOf(deps),
        path,
        sizeBytes: await safe(() => deps.listings.sizeBytes(), 0),
        schemaVersion: -1,
      },
      collectors: [],
      backfill: [],
    };
  }
  const reasons: string[] = [];
  let collectors: CollectorHealth[] = [];
  try {
    collectors = await collectorHealth(deps);
  } catch (err) {
    reasons.push(`collector state cannot be read from the database: ${(err as Error).message}`);
  }
  for (const c of collectors) {
    if (c.enabled && c.lastRun?.status === 'failed')
      reasons.push(
        `collector ${c.name}: latest run failed (${c.lastRun.finishedAt ?? c.lastRun.startedAt}): ${c.lastRun.error ?? 'no error recorded'}`,
      );
  }
  if (watch) for (const r of watch.reasons(now)) reasons.push(r);
  return {
    status: reasons.length ? 'degraded' : 'ok',
    reasons,
    version: deps.version,
    time: iso(now),
    database: { backend, engine: await engineOf(deps), path, sizeBytes: await safe(() => deps.listings.sizeBytes(), 0), schemaVersion },
    collectors,
    backfill: await safeBackfill(deps, now),
    ...(deps.store || deps.repos ? {} : { backfillUnavailable: BACKFILL_NOT_ON_POSTGRES }),
  };
}

/** HTTP status for a health document: 503 when down. */
export const healthHttpStatus = (h: Health): number => (h.status === 'down' ? 503 : 200);
