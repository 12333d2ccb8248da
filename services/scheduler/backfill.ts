import type { Collector } from '../../collectors/types.js';
import type { PointStore } from '../../db/repository.js';
import type { SqliteStore } from '../../db/store.js';
import type { Config } from '../../core/config.js';
import { isoUtc } from '../../core/time.js';
import { checkpointCoverage, collectorSignals, planCollectors, planEvents, storeCoverage } from './coverage.js';
import { intersect, measure, normalize } from './intervals.js';
import { parseCollectionConfig, planCollection, type CoverageLookup, type PlanEvent } from './policy.js';

/** Backfill progress of one collector for one watched entity (status, /api/health). */
export interface BackfillProgress {
  collector: string;
  entity: string;
  /** The history kept for the entity: [from, until). */
  from: string;
  until: string;
  plannedSeconds: number;
  /**
   * The history present: the union of the windows the collector has checkpointed (fetched, with or without data)
   * and the UTC days on which the store holds values of the collector's signals for the entity (imported, demo
   * or collected before checkpoints), within [from, until).
   */
  coveredSeconds: number;
  /** coveredSeconds / plannedSeconds, 0–100, one decimal. */
  percent: number;
  /** Of that: seconds checkpointed by the collector. */
  checkpointedSeconds: number;
  /** Of that: UTC days with values in the store. */
  daysWithData: number;
  /** Every day with data counted came from synthetic (demo) signals only: the coverage is not of measured data. */
  synthetic: boolean;
  oldestCovered: string | null;
  newestCovered: string | null;
  /** Windows still planned (event windows and backfill, not live). */
  pendingWindows: number;
  nextWindow: { from: string; until: string; reason: 'event' | 'backfill' | 'live'; eventId: string | null } | null;
  /** Seconds between live collections now (5 minutes inside a watch window). */
  cadenceSeconds: number;
  watchEvent: string | null;
}

const DAY = 86400;

type DaysLookup = (collector: string, entity: string, from: number, until: number) => Array<{ day: number; synthetic: boolean }>;

const dayCache = new WeakMap<SqliteStore, { version: number; days: Map<string, Array<{ day: number; synthetic: boolean }>> }>();

/**
 * The UTC days with values of a collector's signals for an entity (its own signal names, or any signal of its
 * source), read from the daily rollups; kept until the store's data version moves (health is asked often).
 */
function dataDays(store: SqliteStore, collectors: readonly Collector[]): DaysLookup {
  let version: number | null = null;
  try {
    version = store.dataVersion();
  } catch {
    version = null; // a database without migration 0060: read every time
  }
  let cache = dayCache.get(store);
  if (!cache || version === null || cache.version !== version) {
    cache = { version: version ?? -1, days: new Map() };
    if (version !== null) dayCache.set(store, cache);
  }
  const days = cache.days;
  return (collector, entity, from, until) => {
    const key = `${collector}|${entity}|${from}|${until}`;
    const hit = days.get(key);
    if (hit) return hit;
    const c = collectors.find((x) => x.name === collector);
    const names = new Set(c ? collectorSignals(c, entity) : []);
    const ids = store
      .listSignals(entity)
      .filter((s) => s.source === collector || names.has(s.name))
      .map((s) => s.id);
    const out = store.daysWithData(ids, Math.floor(from / DAY) * DAY, until);
    days.set(key, out);
    return out;
  };
}

/**
 * Per enabled collector and watched entity: how much of the planned history is present (checkpointed windows and
 * days with data in the store), the oldest covered time and the next window the daemon will fetch. The daemon's
 * plan itself still goes by checkpoints: a day that only holds imported or demo data is fetched again.
 */
export function backfillProgress(
  store: SqliteStore,
  config: Config,
  now: number,
  collectors: readonly Collector[],
  events?: readonly PlanEvent[],
): BackfillProgress[] {
  const enabled = collectors.filter((c) => c.enabled());
  return progressOf(config, now, enabled, events ?? planEvents(store), storeCoverage(store, enabled), dataDays(store, enabled));
}

/**
 * The same progress through the asynchronous store (PostgreSQL, or SQLite wrapped): the calendar's events given,
 * the checkpoints read once, the days with data read per (collector, entity) planned — the same numbers for the
 * same data (test/services/commands/status.test.ts compares both backends).
 */
export async function backfillProgressAsync(
  points: PointStore,
  config: Config,
  now: number,
  collectors: readonly Collector[],
  events: readonly PlanEvent[],
): Promise<BackfillProgress[]> {
  const enabled = collectors.filter((c) => c.enabled());
  const coverage = await checkpointCoverage(points, enabled);
  const policy = parseCollectionConfig(config.collection);
  const plan = planCollection({ events, now, config: policy, collectors: planCollectors(enabled), coverage });
  const days = new Map<string, Array<{ day: number; synthetic: boolean }>>();
  const signals = new Map<string, Awaited<ReturnType<PointStore['listSignals']>>>();
  for (const r of plan.ranges) {
    let list = signals.get(r.entity);
    if (!list) {
      list = await points.listSignals(r.entity);
      signals.set(r.entity, list);
    }
    const c = enabled.find((x) => x.name === r.collector);
    const names = new Set(c ? collectorSignals(c, r.entity) : []);
    const ids = list.filter((s) => s.source === r.collector || names.has(s.name)).map((s) => s.id);
    days.set(
      `${r.collector}|${r.entity}|${r.backfillFrom}|${r.liveUntil}`,
      await points.daysWithData(ids, Math.floor(r.backfillFrom / DAY) * DAY, r.liveUntil),
    );
  }
  return progressOf(
    config,
    now,
    enabled,
    events,
    coverage,
    (collector, entity, from, until) => days.get(`${collector}|${entity}|${from}|${until}`) ?? [],
  );
}

function progressOf(
  config: Config,
  now: number,
  enabled: readonly Collector[],
  events: readonly PlanEvent[],
  coverage: CoverageLookup,
  present: DaysLookup,
): BackfillProgress[] {
  const policy = parseCollectionConfig(config.collection);
  const plan = planCollection({ events, now, config: policy, collectors: planCollectors(enabled), coverage });
  return plan.ranges.map((r) => {
    const planned: Array<[number, number]> = [[r.backfillFrom, r.liveUntil]];
    const checkpointed = intersect(normalize(coverage(r.collector, r.entity)), planned);
    const days = present(r.collector, r.entity, r.backfillFrom, r.liveUntil);
    const withData = intersect(normalize(days.map((d): [number, number] => [d.day, d.day + DAY])), planned);
    const covered = normalize([...checkpointed, ...withData]);
    const tasks = plan.tasks.filter((t) => t.collector === r.collector && t.entity === r.entity);
    const next = tasks.find((t) => t.reason !== 'live') ?? tasks[0] ?? null;
    const cad = plan.cadences.find((c) => c.collector === r.collector && c.entity === r.entity);
    const plannedSeconds = r.liveUntil - r.backfillFrom;
    const coveredSeconds = measure(covered);
    return {
      collector: r.collector,
      entity: r.entity,
      from: isoUtc(r.backfillFrom),
      until: isoUtc(r.liveUntil),
      plannedSeconds,
      coveredSeconds,
      percent: plannedSeconds > 0 ? Math.floor((coveredSeconds / plannedSeconds) * 1000) / 10 : 100,
      checkpointedSeconds: measure(checkpointed),
      daysWithData: days.length,
      synthetic: days.length > 0 && days.every((d) => d.synthetic),
      oldestCovered: covered[0] ? isoUtc(covered[0][0]) : null,
      newestCovered: covered.length ? isoUtc(covered[covered.length - 1]![1]) : null,
      pendingWindows: tasks.filter((t) => t.reason !== 'live').length,
      nextWindow: next ? { from: isoUtc(next.from), until: isoUtc(next.until), reason: next.reason, eventId: next.eventId ?? null } : null,
      cadenceSeconds: cad?.every ?? 0,
      watchEvent: cad?.watch?.eventId ?? null,
    };
  });
}
