import type { AppDeps } from './deps.js';
import { backfillProgress, type BackfillProgress } from '../services/scheduler/backfill.js';

export interface CollectorHealth {
  name: string;
  description: string;
  enabled: boolean;
  disabledReason: string | null;
  state: 'ok' | 'failing' | 'partial' | 'never-run' | 'running' | 'disabled';
  lastRun: { startedAt: string; finishedAt: string | null; status: string; rows: number; error: string | null } | null;
  lastSuccessAt: string | null;
  lastError: { at: string; message: string } | null;
  /** Ranges where the source answered "no data for this era" (e.g. IODA `data: [[]]`), newest first, at most 20. */
  noData: Array<{ entity: string; signal: string; from: string; until: string }>;
}

export interface Health {
  status: 'ok';
  version: string;
  time: string;
  database: { path: string; sizeBytes: number; schemaVersion: number };
  collectors: CollectorHealth[];
  /** Backfill progress per enabled collector and watched entity (services/scheduler/backfill.ts). */
  backfill: BackfillProgress[];
}

export const iso = (ts: number): string => new Date(ts * 1000).toISOString().replace('.000Z', 'Z');

export function collectorHealth(deps: Pick<AppDeps, 'store' | 'collectors'>): CollectorHealth[] {
  return deps.collectors.map((c) => {
    const runs = deps.store.recentRuns({ collector: c.name, limit: 50 });
    const last = runs[0];
    const success = runs.find((r) => r.status === 'ok');
    const failed = runs.find((r) => r.error);
    let state: CollectorHealth['state'];
    if (!c.enabled()) state = 'disabled';
    else if (!last) state = 'never-run';
    else if (last.status === 'running') state = 'running';
    else if (last.status === 'ok') state = 'ok';
    else if (last.status === 'partial') state = 'partial';
    else state = 'failing';
    return {
      name: c.name,
      description: c.describe(),
      enabled: c.enabled(),
      disabledReason: c.disabledReason(),
      state,
      lastRun: last ? { startedAt: iso(last.startedAt), finishedAt: last.finishedAt === null ? null : iso(last.finishedAt), status: last.status, rows: last.rows, error: last.error } : null,
      lastSuccessAt: success?.finishedAt ? iso(success.finishedAt) : null,
      lastError: failed?.error ? { at: iso(failed.finishedAt ?? failed.startedAt), message: failed.error } : null,
      noData: deps.store
        .checkpoints({ collector: c.name })
        .filter((cp) => cp.status === 'no-data')
        .sort((a, b) => b.from - a.from)
        .slice(0, 20)
        .map((cp) => ({ entity: cp.entity, signal: cp.signal, from: iso(cp.from), until: iso(cp.until) })),
    };
  });
}

function safeBackfill(deps: AppDeps, now: number): BackfillProgress[] {
  try {
    return backfillProgress(deps.store, deps.config, now, deps.collectors);
  } catch (err) {
    deps.log.warn({ err: (err as Error).message }, 'backfill progress unavailable');
    return [];
  }
}

export function health(deps: AppDeps): Health {
  const now = deps.now ? deps.now() : Math.floor(Date.now() / 1000);
  return {
    status: 'ok',
    version: deps.version,
    time: iso(now),
    database: { path: deps.store.path, sizeBytes: deps.store.sizeBytes(), schemaVersion: deps.store.schemaVersion() },
    collectors: collectorHealth(deps),
    backfill: safeBackfill(deps, now),
  };
}
