import { z } from 'zod';
import { parseEntity, formatEntity } from '../../db/entities.js';
import { ConfigError, duration, parseSection } from '../../core/config.js';
import { chunkNewestFirst, normalize, subtract, type Interval } from './intervals.js';
import { collectorModule, defaultCadences } from '../sources.js';

/**
 * The collection policy: what the daemon collects, for which entities, in which order and how often.
 * `planCollection` is a pure function of the calendar, the watched entities, the clock and what is
 * already covered (the store's checkpoint intervals), so re-planning every cycle is idempotent: a
 * window that is covered is never planned again, and a new calendar event is simply seen by the next
 * plan, which then holds its backfill.
 */

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;

const positive = duration.refine((n) => n > 0, 'must be longer than zero');

const cadenceSchema = z
  .object({
    /** How often live data is collected. */
    every: positive.optional(),
    /** How long after the fact the source's data is complete; live collection stops this far before now. */
    lag: duration.optional(),
    /** Re-collect this much of the newest data on each live run (sources that revise recent values). */
    refresh: duration.optional(),
    /** Size of one backfill window (a job runs a bounded number of them). */
    chunk: positive.optional(),
    /** Whether watch windows raise this source's cadence (default true). */
    watch: z.boolean().optional(),
  })
  .strict();

const entitySchema = z.union([
  z.string(),
  z
    .object({
      entity: z.string(),
      /** The country whose calendar events apply to this entity (e.g. for asn:9198, KZ). */
      country: z
        .string()
        .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
        .transform((s) => s.toUpperCase())
        .optional(),
    })
    .strict(),
]);

export const collectionConfigSchema = z
  .object({
    /** Watch the countries that appear in the calendar (as country:CC). */
    calendarCountries: z.boolean().default(true),
    /** Extra watched entities: `"asn:9198"` or `{ "entity": "asn:9198", "country": "KZ" }`. */
    entities: z.array(entitySchema).default([]),
    /** Entities never collected by the daemon even if the calendar names their country. */
    exclude: z.array(z.string()).default([]),
    backfill: z
      .object({
        enabled: z.boolean().default(true),
        /** Continuous history reaches this far before the entity's earliest calendar event. */
        before: positive.default(365 * DAY),
        /** Default backfill window size. */
        chunk: positive.default(7 * DAY),
      })
      .strict()
      .default({ enabled: true, before: 365 * DAY, chunk: 7 * DAY }),
    events: z
      .object({
        /** Each calendar event is collected first from this long before its start… */
        before: duration.default(30 * DAY),
        /** …to this long after its end. */
        after: duration.default(14 * DAY),
      })
      .strict()
      .default({ before: 30 * DAY, after: 14 * DAY }),
    watch: z
      .object({
        enabled: z.boolean().default(true),
        before: duration.default(3 * DAY),
        after: duration.default(3 * DAY),
        every: positive.default(5 * MINUTE),
      })
      .strict()
      .default({ enabled: true, before: 3 * DAY, after: 3 * DAY, every: 5 * MINUTE }),
    live: z
      .object({
        /** Live collection reaches back this far; older gaps are left to backfill. */
        horizon: positive.default(DAY),
      })
      .strict()
      .default({ horizon: DAY }),
    /** Per-source cadence overrides, keyed by collector name. */
    sources: z.record(z.string(), cadenceSchema).default({}),
    run: z
      .object({
        /** node-cron expression of the planner's tick (each tick runs what is due). */
        tick: z.string().default('* * * * *'),
        /** At most this many backfill/event windows per run, so a run ends and live collection is not starved… */
        maxTasks: z.number().int().min(1).default(12),
        /** …and no new window is started after this long. */
        maxSeconds: positive.default(4 * MINUTE),
        /** Seconds between progress log lines of a long backfill run. */
        progressEvery: positive.default(30),
      })
      .strict()
      .default({ tick: '* * * * *', maxTasks: 12, maxSeconds: 4 * MINUTE, progressEvery: 30 }),
  })
  .strict();

export type CollectionConfig = z.infer<typeof collectionConfigSchema>;

export interface SourceCadence {
  every: number;
  lag: number;
  refresh: number;
  chunk: number;
  watch: boolean;
}

/** Each source's natural cadence, as its collector module declares it (IODA every 10 minutes with a 30-minute lag, OONI daily, RIPEstat and Radar hourly, Atlas four times a day). */
export const DEFAULT_CADENCES: Record<string, Omit<SourceCadence, 'chunk'> & { chunk?: number }> = defaultCadences();
const FALLBACK_CADENCE = { every: HOUR, lag: 0, refresh: 0, watch: true };

/**
 * Validates the `collection` config section; a bad value is a ConfigError naming `collection.<path>`.
 * `collection.<name>` of a collector that declares a config schema is that collector's own section, validated
 * by its schema (collectors/<name>/); every other key belongs to the collection policy.
 */
export function parseCollectionConfig(raw: unknown): CollectionConfig {
  const policy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    const schema = collectorModule(key)?.configSchema;
    if (schema) parseSection(schema, value, ['collection', key]);
    else policy[key] = value;
  }
  const data = parseSection(collectionConfigSchema, policy, ['collection']);
  for (const [i, e] of data.entities.entries()) {
    const ref = typeof e === 'string' ? e : e.entity;
    try {
      parseEntity(ref);
    } catch (err) {
      throw new ConfigError(`collection.entities.${i}`, (err as Error).message);
    }
  }
  return data;
}

export function cadenceOf(cfg: CollectionConfig, collector: string): SourceCadence {
  const base: { every: number; lag: number; refresh: number; watch: boolean; chunk?: number } =
    DEFAULT_CADENCES[collector] ?? FALLBACK_CADENCE;
  const o = cfg.sources[collector] ?? {};
  return {
    every: o.every ?? base.every,
    lag: o.lag ?? base.lag,
    refresh: o.refresh ?? base.refresh,
    chunk: o.chunk ?? base.chunk ?? cfg.backfill.chunk,
    watch: o.watch ?? base.watch,
  };
}

/** The calendar as the planner sees it. */
export interface PlanEvent {
  id: string;
  country: string;
  start: number;
  end: number;
}

export interface WatchedEntity {
  entity: string;
  /** The country whose calendar applies (null: no calendar events apply). */
  country: string | null;
  /** Why it is watched. */
  origin: 'calendar' | 'config';
}

/** The default watched set: the calendar's countries as `country:CC`, plus the configured extras, minus exclusions. */
export function watchedEntities(events: readonly PlanEvent[], cfg: CollectionConfig): WatchedEntity[] {
  const out = new Map<string, WatchedEntity>();
  const excluded = new Set(cfg.exclude.map((e) => formatEntity(parseEntity(e))));
  if (cfg.calendarCountries) {
    for (const cc of [...new Set(events.map((e) => e.country.toUpperCase()))].sort()) {
      const entity = `country:${cc}`;
      out.set(entity, { entity, country: cc, origin: 'calendar' });
    }
  }
  for (const e of cfg.entities) {
    const ref = formatEntity(parseEntity(typeof e === 'string' ? e : e.entity));
    const parsed = parseEntity(ref);
    const country = typeof e === 'object' && e.country ? e.country : parsed.type === 'country' ? parsed.code : null;
    if (!out.has(ref)) out.set(ref, { entity: ref, country, origin: 'config' });
  }
  return [...out.values()].filter((w) => !excluded.has(w.entity));
}

export type TaskReason = 'live' | 'event' | 'backfill';

export interface PlannedTask {
  collector: string;
  entity: string;
  from: number;
  until: number;
  /** 0 live, 1 calendar-event window, 2 continuous backfill. Lower runs first. */
  priority: 0 | 1 | 2;
  reason: TaskReason;
  /** For reason `event`: the calendar event whose window this is. */
  eventId?: string;
}

export interface PlannedCadence {
  collector: string;
  entity: string;
  /** Seconds between live collections now. */
  every: number;
  lag: number;
  /** Live data is complete up to here (aligned to `every`). */
  liveUntil: number;
  /** The calendar event whose watch window is open, if any. */
  watch: { eventId: string; from: number; until: number } | null;
}

export interface PlanRange {
  collector: string;
  entity: string;
  /** The continuous history kept for this entity: [backfillFrom, liveUntil). */
  backfillFrom: number;
  liveFrom: number;
  liveUntil: number;
}

export interface CollectionPlan {
  now: number;
  entities: WatchedEntity[];
  tasks: PlannedTask[];
  cadences: PlannedCadence[];
  ranges: PlanRange[];
}

/** What is already covered for (collector, entity): merged intervals. Default: nothing. */
export type CoverageLookup = (collector: string, entity: string) => readonly Interval[];

export interface PlanCollector {
  name: string;
  /** Whether this collector measures this entity (e.g. RIPEstat only countries). Default: yes. */
  supports?: (entity: string) => boolean;
}

export interface PlanInput {
  events: readonly PlanEvent[];
  /** Default: `watchedEntities(events, config)`. */
  watched?: readonly WatchedEntity[];
  /** Unix seconds: the injected clock. */
  now: number;
  coverage?: CoverageLookup;
  config: CollectionConfig;
  /** Default: the four known sources. */
  collectors?: ReadonlyArray<string | PlanCollector>;
  /**
   * The `liveUntil` of the last live run per (collector, entity), when known. A live window is due only
   * once a new cadence step has passed since then, even when the newest data is not checkpointed yet
   * (collectors leave unsettled windows uncovered).
   */
  lastLive?: (collector: string, entity: string) => number | undefined;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The watch window open at `now` for a country, if any: [start - before, end + after). */
export function openWatch(events: readonly PlanEvent[], country: string | null, now: number, cfg: CollectionConfig): PlanEvent | null {
  if (!cfg.watch.enabled || !country) return null;
  let best: PlanEvent | null = null;
  for (const e of events) {
    if (e.country.toUpperCase() !== country) continue;
    if (now >= e.start - cfg.watch.before && now < e.end + cfg.watch.after) {
      if (!best || e.start < best.start) best = e;
    }
  }
  return best;
}

/**
 * Plans collection at `now`. Tasks come out in the order they should run: live windows first (they are
 * small and due on the source's cadence), then each calendar event's window (30 days before to 14 days
 * after, newest event first), then the continuous backfill from now back to a year before the earliest
 * event, newest first and all watched entities side by side. Everything already covered is left out.
 */
export function planCollection(input: PlanInput): CollectionPlan {
  const { now, config: cfg } = input;
  const events = [...input.events].sort((a, b) => b.start - a.start || cmp(a.id, b.id));
  const watched = input.watched ? [...input.watched] : watchedEntities(events, cfg);
  const coverage = input.coverage ?? (() => []);
  const collectors: PlanCollector[] = (input.collectors ?? Object.keys(DEFAULT_CADENCES)).map((c) =>
    typeof c === 'string' ? { name: c } : c,
  );

  const live: PlannedTask[] = [];
  const eventTasks: PlannedTask[] = [];
  const eventStart = new Map<string, number>(events.map((e) => [e.id, e.start]));
  const backfill: PlannedTask[] = [];
  const cadences: PlannedCadence[] = [];
  const ranges: PlanRange[] = [];

  for (const w of watched) {
    const mine = w.country ? events.filter((e) => e.country.toUpperCase() === w.country) : [];
    const watch = openWatch(mine, w.country, now, cfg);
    const earliest = mine.length ? mine.reduce((m, e) => Math.min(m, e.start), Infinity) : now;
    for (const c of collectors) {
      if (c.supports && !c.supports(w.entity)) continue;
      const cad = cadenceOf(cfg, c.name);
      const every = watch && cad.watch ? Math.min(cad.every, cfg.watch.every) : cad.every;
      const liveUntil = Math.floor((now - cad.lag) / every) * every;
      const liveFrom = liveUntil - cfg.live.horizon;
      const backfillFrom = Math.floor((earliest - cfg.backfill.before) / cad.chunk) * cad.chunk;
      const covered = normalize(coverage(c.name, w.entity));
      cadences.push({
        collector: c.name,
        entity: w.entity,
        every,
        lag: cad.lag,
        liveUntil,
        watch: watch && cad.watch ? { eventId: watch.id, from: watch.start - cfg.watch.before, until: watch.end + cfg.watch.after } : null,
      });
      ranges.push({
        collector: c.name,
        entity: w.entity,
        backfillFrom: cfg.backfill.enabled ? Math.min(backfillFrom, liveFrom) : liveFrom,
        liveFrom,
        liveUntil,
      });

      // live: the uncovered part of the recent horizon, newest first; due only when a cadence step has passed
      const last = input.lastLive?.(c.name, w.entity);
      const gaps = last !== undefined && last >= liveUntil ? [] : subtract(liveFrom, liveUntil, covered);
      const newest = gaps[gaps.length - 1];
      if (newest && newest[1] === liveUntil && cad.refresh > 0) {
        gaps[gaps.length - 1] = [Math.max(liveFrom, Math.min(newest[0], liveUntil - cad.refresh)), liveUntil];
      }
      for (const [a, b] of normalize(gaps).reverse())
        live.push({ collector: c.name, entity: w.entity, from: a, until: b, priority: 0, reason: 'live' });

      // calendar events: each one's window, as far as it lies before the live horizon
      const planned: Interval[] = [];
      for (const e of mine) {
        const from = e.start - cfg.events.before;
        const until = Math.min(e.end + cfg.events.after, liveFrom);
        if (!(until > from)) continue;
        for (const [a, b] of subtract(from, until, [...covered, ...planned])) {
          for (const [x, y] of chunkNewestFirst(a, b, cad.chunk)) {
            eventTasks.push({ collector: c.name, entity: w.entity, from: x, until: y, priority: 1, reason: 'event', eventId: e.id });
          }
        }
        planned.push([from, until]);
      }

      // continuous backfill, newest first
      if (cfg.backfill.enabled) {
        for (const [a, b] of subtract(backfillFrom, liveFrom, [...covered, ...planned])) {
          for (const [x, y] of chunkNewestFirst(a, b, cad.chunk))
            backfill.push({ collector: c.name, entity: w.entity, from: x, until: y, priority: 2, reason: 'backfill' });
        }
      }
    }
  }

  const startOf = (t: PlannedTask) => eventStart.get(t.eventId!) ?? 0;
  eventTasks.sort((p, q) => startOf(q) - startOf(p) || q.until - p.until || cmp(p.entity, q.entity) || cmp(p.collector, q.collector));
  backfill.sort((p, q) => q.until - p.until || cmp(p.entity, q.entity) || cmp(p.collector, q.collector));
  const tasks: PlannedTask[] = [...live, ...eventTasks, ...backfill];
  return { now, entities: watched, tasks, cadences, ranges };
}
