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
      lastRun: last ? { startedAt: iso(last.startedAt), finishedAt: last.finishedAt === null ? null : iso(last.finishedAt), status: last.status, rows: last.rows, error: last.error } : null,
      lastSuccessAt: success?.finishedAt ? iso(success.finishedAt) : null,
      lastError: failed?.error ? { at: iso(failed.finishedAt ?? failed.startedAt), message: failed.error } : null,
      failingSince,
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
    deps.log.warn({ err }, 'backfill progress unavailable');
    return [];
  }
}

/** SQLite's error codes that say the file itself is in trouble (damaged, not a database, unreadable, full). */
const DB_TROUBLE = /^SQLITE_(CORRUPT|NOTADB|IOERR|CANTOPEN|FULL|READONLY)/;

/**
 * What the server knows about its database beyond one cheap read: the latest `quick_check` (run in a worker
 * thread, at most every `checkEverySeconds`) and the latest database error a request ran into.
 */
export class DbWatch {
  private check: { at: number; ok: boolean; problems: string[] } | null = null;
  private running: Promise<void> | null = null;
  private lastError: { at: number; code: string; message: string; path: string } | null = null;

  constructor(
    private readonly store: Pick<AppDeps['store'], 'quickCheck'>,
    private readonly checkEverySeconds = 600,
  ) {}

  /** Called by the error handler: a request failed with a database error. */
  noteError(err: unknown, path: string, now = Math.floor(Date.now() / 1000)): void {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && DB_TROUBLE.test(code)) this.lastError = { at: now, code, message: (err as Error).message, path };
  }

  /** Runs the quick check now (off the event loop); resolves when it is done. */
  refresh(now = Math.floor(Date.now() / 1000)): Promise<void> {
    this.running ??= this.store
      .quickCheck()
      .then((r) => {
        this.check = { at: now, ok: r.ok, problems: r.problems };
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** Starts a check when none ran for `checkEverySeconds`; waits up to `waitMs` for the first one ever. */
  async ensureFresh(now: number, waitMs = 5000): Promise<void> {
    if (this.check && now - this.check.at < this.checkEverySeconds) return;
    const p = this.refresh(now);
    if (this.check) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }

  reasons(now: number): string[] {
    const out: string[] = [];
    if (this.check && !this.check.ok) out.push(`database fails its quick check (${iso(this.check.at)}): ${this.check.problems.slice(0, 3).join('; ')}`);
    if (this.lastError && now - this.lastError.at < this.checkEverySeconds) out.push(`database error ${this.lastError.code} answering ${this.lastError.path} at ${iso(this.lastError.at)}: ${this.lastError.message}`);
    return out;
  }
}

export function health(deps: AppDeps, watch?: DbWatch): Health {
  const now = deps.now ? deps.now() : Math.floor(Date.now() / 1000);
  let schemaVersion: number;
  try {
    deps.store.probe();
    schemaVersion = deps.store.schemaVersion();
  } catch (err) {
    deps.log.error({ err }, 'health: the database cannot be read');
    return {
      status: 'down',
      reasons: [`database ${deps.store.path} cannot be read: ${(err as Error).message}`],
      version: deps.version,
      time: iso(now),
      database: { path: deps.store.path, sizeBytes: safeSize(deps), schemaVersion: -1 },
      collectors: [],
      backfill: [],
    };
  }
  const reasons: string[] = [];
  let collectors: CollectorHealth[] = [];
  try {
    collectors = collectorHealth(deps);
  } catch (err) {
    reasons.push(`collector state cannot be read from the database: ${(err as Error).message}`);
  }
  for (const c of collectors) {
    if (c.enabled && c.lastRun?.status === 'failed') reasons.push(`collector ${c.name}: latest run failed (${c.lastRun.finishedAt ?? c.lastRun.startedAt}): ${c.lastRun.error ?? 'no error recorded'}`);
  }
  if (watch) for (const r of watch.reasons(now)) reasons.push(r);
  return {
    status: reasons.length ? 'degraded' : 'ok',
    reasons,
    version: deps.version,
    time: iso(now),
    database: { path: deps.store.path, sizeBytes: safeSize(deps), schemaVersion },
    collectors,
    backfill: safeBackfill(deps, now),
  };
}

function safeSize(deps: AppDeps): number {
  try {
    return deps.store.sizeBytes();
  } catch {
    return 0;
  }
}

/** HTTP status for a health document: 503 when down. */
export const healthHttpStatus = (h: Health): number => (h.status === 'down' ? 503 : 200);
