import type { Logger } from 'pino';
import type { Collector, CollectResult } from '../../collectors/types.js';
import type { SqliteStore } from '../../db/store.js';
import type { PointStore } from '../../db/repository.js';
import type { CalendarRepository, Repositories } from '../../db/repositories.js';
import { sqliteRepositories } from '../../db/sqlite-repositories.js';
import { createProgressReporter } from '../cli/progress.js';
import type { Config } from '../../core/config.js';
import { isoUtc, nowSeconds } from '../../core/time.js';
import { checkpointCoverage, planCollectors, planEvents, storeCoverage } from './coverage.js';
import { AFTER_COLLECT_HOOKS } from './hooks.js';
import {
  parseCollectionConfig,
  planCollection,
  type CollectionConfig,
  type CoverageLookup,
  type PlanEvent,
  type PlannedTask,
} from './policy.js';
import type { JobDefinition, JobOutcome } from './scheduler.js';

/**
 * Where the daemon's collection reads its plan (calendar, checkpoints) and writes: the SQLite store as it is, or
 * on PostgreSQL the async repositories (the core store with window leases, and the calendar). Detection after a
 * collection (the after-collect hooks) runs on `hooks` (on SQLite, by default, the store wrapped).
 */
export interface CollectionDb {
  /** SQLite: the store (planning, writes and the after-collect hooks). */
  store?: SqliteStore;
  /** PostgreSQL (or any backend through the async interfaces): writes and checkpoints, and the calendar. */
  repos?: { points: PointStore; calendar: CalendarRepository };
  /** Where the after-collect hooks (detection, alerts) run; without it: the SQLite store's, or none with `repos`. */
  hooks?: Repositories;
}

export interface JobContext extends CollectionDb {
  config: Config;
  collectors: Collector[];
  log: Logger;
  /** Injected clock, Unix seconds (tests). */
  now?: () => number;
}

export interface SliceOutcome extends JobOutcome {
  tasks: Array<PlannedTask & { points: number; windowsOk: number; windowsFailed: number; error: string | null }>;
  /** Planned windows left for later runs (not counting live ones). */
  remaining: number;
}

export interface SliceArgs extends CollectionDb {
  collector: Collector;
  config: Config;
  policy: CollectionConfig;
  log: Logger;
  abort: AbortSignal;
  now: () => number;
  /** liveUntil of the last live run per entity; kept by the job between runs. */
  lastLive: Map<string, number>;
}

/**
 * One run of a collector's job: plan, then execute the due live windows and a bounded slice of the event
 * and backfill windows (at most `run.maxTasks` windows, no new window after `run.maxSeconds`), so that a
 * run ends and live collection is never starved. After each successful collection the after-collect hooks
 * run (detection, alerts). The collector's runner records each collection in `runs`.
 */
export async function runCollectionSlice(a: SliceArgs): Promise<SliceOutcome> {
  const { collector: c, store, policy } = a;
  const log = a.log.child({ job: `collect:${c.name}` });
  const started = a.now();
  let events: PlanEvent[];
  let coverage: CoverageLookup;
  if (a.repos) {
    events = (await a.repos.calendar.listEvents()).map((e) => ({ id: e.id, country: e.country, start: e.start, end: e.end }));
    coverage = await checkpointCoverage(a.repos.points, [c]);
  } else {
    if (!store) throw new Error('runCollectionSlice needs a store or repositories');
    events = planEvents(store);
    coverage = storeCoverage(store, [c]);
  }
  const target = a.repos?.points ?? store!;
  const plan = planCollection({
    events,
    now: started,
    config: policy,
    collectors: planCollectors([c]),
    coverage,
    lastLive: (_collector, entity) => a.lastLive.get(entity),
  });
  const live = plan.tasks.filter((t) => t.reason === 'live');
  const rest = plan.tasks.filter((t) => t.reason !== 'live');
  const out: SliceOutcome = { tasks: [], remaining: rest.length, rows: 0, windowsOk: 0, windowsFailed: 0 };
  let consecutiveFailures = 0;
  let done = 0;

  const execute = async (task: PlannedTask): Promise<void> => {
    const progress =
      task.reason === 'live'
        ? null
        : createProgressReporter({
            label: `${c.name} ${task.entity} ${task.reason} ${isoUtc(task.from)}..${isoUtc(task.until)}`,
            log,
            mode: 'log',
            intervalSeconds: policy.run.progressEvery,
          });
    let result: CollectResult | null = null;
    let error: string | null = null;
    try {
      result = await c.collect({
        entity: task.entity,
        from: task.from,
        until: task.until,
        store: target,
        log,
        abort: a.abort,
        onProgress: progress?.onProgress,
      });
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    } finally {
      progress?.done();
    }
    const ok = result?.windowsOk ?? 0;
    const failed = result?.windowsFailed ?? (error ? 1 : 0);
    out.tasks.push({
      ...task,
      points: result?.points ?? 0,
      windowsOk: ok,
      windowsFailed: failed,
      error: error ?? result?.failures[0]?.error ?? null,
    });
    out.rows! += (result?.points ?? 0) + (result?.events ?? 0);
    out.windowsOk! += ok;
    out.windowsFailed! += failed;
    if (error || (failed > 0 && ok === 0)) consecutiveFailures++;
    else consecutiveFailures = 0;
    if (error && !a.abort.aborted)
      log.warn(
        { entity: task.entity, from: isoUtc(task.from), until: isoUtc(task.until), err: error },
        'collection failed; it is planned again on a later run',
      );
    // the hooks (detection, alerts) on the daemon's database, either backend
    const hookDb = a.hooks ?? (store && !a.repos ? sqliteRepositories(store) : undefined);
    if (ok > 0 && !a.abort.aborted && hookDb) {
      for (const hook of AFTER_COLLECT_HOOKS) {
        try {
          await hook.run({ db: hookDb, config: a.config, log, collector: c.name, entity: task.entity, from: task.from, until: task.until });
        } catch (err) {
          log.error({ hook: hook.name, entity: task.entity, err }, 'after-collect hook failed');
        }
      }
    }
  };

  for (const task of live) {
    if (a.abort.aborted || consecutiveFailures >= 2) break;
    await execute(task);
  }
  // live windows count as attempted for this cadence step even when they failed (they are retried on the next step)
  for (const cad of plan.cadences) if (live.some((t) => t.entity === cad.entity)) a.lastLive.set(cad.entity, cad.liveUntil);

  for (const task of rest) {
    if (a.abort.aborted || consecutiveFailures >= 2) break;
    if (done >= policy.run.maxTasks || a.now() - started >= policy.run.maxSeconds) break;
    await execute(task);
    done++;
    out.remaining--;
  }
  if (out.tasks.length) {
    const next = rest[done];
    log.info(
      {
        windows: out.tasks.length,
        points: out.rows,
        failed: out.windowsFailed,
        remaining: out.remaining,
        next: next ? `${next.entity} ${next.reason} ${isoUtc(next.from)}..${isoUtc(next.until)}` : null,
      },
      'collection run finished',
    );
  }
  out.status = a.abort.aborted ? 'interrupted' : out.windowsFailed === 0 ? 'ok' : out.windowsOk! > 0 ? 'partial' : 'failed';
  out.details = { tasks: out.tasks.length, remaining: out.remaining };
  return out;
}

/**
 * The daemon's jobs: one per enabled collector, on the policy's tick (every minute by default). Each run
 * executes what the collection policy says is due for that collector (see runCollectionSlice). The
 * collectors record their own runs, so the scheduler does not (`record: false`).
 */
export function buildJobs(ctx: JobContext): JobDefinition[] {
  const policy = parseCollectionConfig(ctx.config.collection);
  const now = ctx.now ?? nowSeconds;
  return ctx.collectors
    .filter((c) => c.enabled())
    .map((c) => {
      const lastLive = new Map<string, number>();
      return {
        name: `collect:${c.name}`,
        cron: policy.run.tick,
        collector: c.name,
        record: false,
        run: (abort: AbortSignal) =>
          runCollectionSlice({
            collector: c,
            store: ctx.store,
            repos: ctx.repos,
            hooks: ctx.hooks,
            config: ctx.config,
            policy,
            log: ctx.log,
            abort,
            now,
            lastLive,
          }),
      };
    });
}
