import type { Collector } from '../../collectors/types.js';
import type { SqliteStore } from '../../db/store.js';
import type { Config } from '../../core/config.js';
import { isoUtc } from '../../core/time.js';
import { planCollectors, planEvents, storeCoverage } from './coverage.js';
import { intersect, measure, normalize } from './intervals.js';
import { parseCollectionConfig, planCollection, type PlanEvent } from './policy.js';

/** Backfill progress of one collector for one watched entity (status, /api/health). */
export interface BackfillProgress {
  collector: string;
  entity: string;
  /** The history kept for the entity: [from, until). */
  from: string;
  until: string;
  plannedSeconds: number;
  coveredSeconds: number;
  /** coveredSeconds / plannedSeconds, 0–100, one decimal. */
  percent: number;
  oldestCovered: string | null;
  newestCovered: string | null;
  /** Windows still planned (event windows and backfill, not live). */
  pendingWindows: number;
  nextWindow: { from: string; until: string; reason: 'event' | 'backfill' | 'live'; eventId: string | null } | null;
  /** Seconds between live collections now (5 minutes inside a watch window). */
  cadenceSeconds: number;
  watchEvent: string | null;
}

/**
 * Per enabled collector and watched entity: how much of the planned history is covered, the oldest
 * covered time and the next window the daemon will fetch.
 */
export function backfillProgress(store: SqliteStore, config: Config, now: number, collectors: readonly Collector[], events?: readonly PlanEvent[]): BackfillProgress[] {
  const policy = parseCollectionConfig(config.collection);
  const enabled = collectors.filter((c) => c.enabled());
  const coverage = storeCoverage(store, enabled);
  const plan = planCollection({ events: events ?? planEvents(store), now, config: policy, collectors: planCollectors(enabled), coverage });
  return plan.ranges.map((r) => {
    const planned: Array<[number, number]> = [[r.backfillFrom, r.liveUntil]];
    const covered = intersect(normalize(coverage(r.collector, r.entity)), planned);
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
      oldestCovered: covered[0] ? isoUtc(covered[0][0]) : null,
      newestCovered: covered.length ? isoUtc(covered[covered.length - 1]![1]) : null,
      pendingWindows: tasks.filter((t) => t.reason !== 'live').length,
      nextWindow: next ? { from: isoUtc(next.from), until: isoUtc(next.until), reason: next.reason, eventId: next.eventId ?? null } : null,
      cadenceSeconds: cad?.every ?? 0,
      watchEvent: cad?.watch?.eventId ?? null,
    };
  });
}
