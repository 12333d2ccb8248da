import type { Collector } from '../../collectors/types.js';
import type { PointStore } from '../../db/repository.js';
import type { SqliteStore } from '../../db/store.js';
import { intersect, normalize, type Interval } from './intervals.js';
import type { CoverageLookup, PlanCollector, PlanEvent } from './policy.js';

/** The calendar as the planner needs it, read from the store. */
export function planEvents(store: SqliteStore): PlanEvent[] {
  return store.calendarSpans();
}

/** The signals a collector produces for an entity ([] when it does not measure that kind of entity). */
export function collectorSignals(c: Collector, entity: string): string[] {
  try {
    return c.signals(entity);
  } catch {
    return [];
  }
}

export function planCollectors(collectors: readonly Collector[]): PlanCollector[] {
  return collectors.map((c) => ({ name: c.name, supports: (entity: string) => collectorSignals(c, entity).length > 0 }));
}

type CheckpointRows = (collector: string, entity: string) => ReadonlyArray<{ signal: string; from: number; until: number }>;

/**
 * What is covered for (collector, entity): the times every signal is checkpointed (any status) — the
 * signals the collector names for the entity plus any others it has checkpointed there. Cached per
 * lookup object (one planning pass).
 */
export function storeCoverage(store: SqliteStore, collectors: readonly Collector[]): CoverageLookup {
  return coverageFrom((collector, entity) => store.checkpoints({ collector, entity }), collectors);
}

/**
 * The same lookup through the async store (PostgreSQL): the checkpoints of the collectors are read once, up
 * front, for one planning pass.
 */
export async function checkpointCoverage(points: PointStore, collectors: readonly Collector[]): Promise<CoverageLookup> {
  const rows = new Map<string, Array<{ signal: string; from: number; until: number }>>();
  for (const c of collectors)
    for (const cp of await points.checkpoints({ collector: c.name })) {
      const key = `${cp.collector}|${cp.entity}`;
      const list = rows.get(key) ?? [];
      list.push(cp);
      rows.set(key, list);
    }
  return coverageFrom((collector, entity) => rows.get(`${collector}|${entity}`) ?? [], collectors);
}

function coverageFrom(checkpoints: CheckpointRows, collectors: readonly Collector[]): CoverageLookup {
  const cache = new Map<string, Interval[]>();
  return (collector, entity) => {
    const key = `${collector}|${entity}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const bySignal = new Map<string, Interval[]>();
    const c = collectors.find((x) => x.name === collector);
    for (const s of c ? collectorSignals(c, entity) : []) bySignal.set(s, []);
    for (const cp of checkpoints(collector, entity)) {
      const list = bySignal.get(cp.signal) ?? [];
      list.push([cp.from, cp.until]);
      bySignal.set(cp.signal, list);
    }
    let covered: Interval[] | null = null;
    for (const list of bySignal.values()) covered = covered === null ? normalize(list) : intersect(covered, list);
    const out = covered ?? [];
    cache.set(key, out);
    return out;
  };
}
