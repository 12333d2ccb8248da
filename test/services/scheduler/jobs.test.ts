import { afterEach, describe, expect, it } from 'vitest';
import type { CollectArgs, CollectResult, Collector } from '../../../collectors/types.js';
import { pointStoreOf } from '../../../collectors/framework/store.js';
import { upsertEvent } from '../../../db/calendar.js';
import type { SqliteStore } from '../../../db/store.js';
import type { ProtestEvent } from '../../../core/calendar.js';
import { type Config } from '../../../core/config.js';
import { configSchema } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { backfillProgress } from '../../../services/scheduler/backfill.js';
import { AFTER_COLLECT_HOOKS, type AfterCollectContext } from '../../../services/scheduler/hooks.js';
import { buildJobs, type SliceOutcome } from '../../../services/scheduler/jobs.js';
import { tempStore } from '../../helpers.js';

const DAY = 86400;
const t = (iso: string) => Date.parse(iso) / 1000;

/** A collector that writes one hourly point per hour asked for and records its calls. */
function fakeCollector(
  name: string,
  opts: { enabled?: boolean; fail?: (a: CollectArgs) => boolean } = {},
): Collector & { calls: CollectArgs[] } {
  const calls: CollectArgs[] = [];
  return {
    name,
    calls,
    describe: () => `fake ${name}`,
    enabled: () => opts.enabled !== false,
    disabledReason: () => (opts.enabled === false ? 'off' : null),
    signals: (entity) => (entity.startsWith('country:') ? [`${name}.x`] : []),
    async collect(a): Promise<CollectResult> {
      calls.push(a);
      if (opts.fail?.(a)) throw new Error('source down');
      const points: Array<[number, number]> = [];
      for (let ts = Math.ceil(a.from / 3600) * 3600; ts < a.until; ts += 3600) points.push([ts, 1]);
      a.onProgress?.({ windowsDone: 1, windowsTotal: 1, points: points.length, errors: 0 });
      const w = await pointStoreOf(a.store).writeWindow({
        collector: name,
        entity: a.entity,
        from: a.from,
        until: a.until,
        series: [{ signal: { name: `${name}.x`, step: 3600 }, points }],
      });
      return { points: w.points, events: 0, coveredUntil: a.until, windowsOk: 1, windowsFailed: 0, failures: [] };
    },
  };
}

function event(id: string, country: string, start: string, days = 1): ProtestEvent {
  const s = t(start);
  return {
    id,
    title: id,
    country,
    places: [],
    start: s,
    end: s + days * DAY,
    tz: 'UTC',
    allDay: true,
    kind: 'protest',
    sources: ['https://example.org/'],
    notes: null,
    tags: [],
    origin: 'manual',
    originFile: null,
    originLine: null,
  };
}

const config = (collection: Record<string, unknown> = {}): Config => configSchema.parse({ db: ':memory:', collection });

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
  AFTER_COLLECT_HOOKS.length = 0;
});

function setup(collection: Record<string, unknown> = {}) {
  const db = tempStore();
  cleanups.push(db.cleanup);
  return { store: db.store as SqliteStore, cfg: config(collection) };
}

describe('buildJobs', () => {
  it('makes one job per enabled collector that records no run of its own (the collectors do)', () => {
    const { store, cfg } = setup();
    const jobs = buildJobs({
      config: cfg,
      store,
      collectors: [fakeCollector('ioda'), fakeCollector('radar', { enabled: false })],
      log: silentLogger,
    });
    expect(jobs.map((j) => [j.name, j.collector, j.record, j.cron])).toEqual([['collect:ioda', 'ioda', false, '* * * * *']]);
  });

  it('collects live first, then the event window, then backfill, in bounded slices that resume where they stopped', async () => {
    const { store, cfg } = setup({ run: { maxTasks: 3 } });
    let now = t('2022-03-01T12:00:00Z');
    upsertEvent(store.db, event('kz-2022-01-05', 'KZ', '2022-01-05T00:00:00Z'), now);
    const ioda = fakeCollector('ioda');
    const hooks: AfterCollectContext[] = [];
    AFTER_COLLECT_HOOKS.push({ name: 'probe', run: (c) => void hooks.push(c) });
    const [job] = buildJobs({ config: cfg, store, collectors: [ioda], log: silentLogger, now: () => now });
    const ac = new AbortController();

    const first = (await job!.run(ac.signal)) as SliceOutcome;
    expect(first.tasks.map((x) => x.reason)).toEqual(['live', 'event', 'event', 'event']);
    expect(first.tasks[0]).toMatchObject({ entity: 'country:KZ', until: t('2022-03-01T11:30:00Z') });
    expect(first.tasks[1]!.eventId).toBe('kz-2022-01-05');
    // hooks ran after each successful collection, with its range
    expect(hooks.map((h) => [h.collector, h.entity, h.from, h.until])).toEqual(
      first.tasks.map((x) => ['ioda', 'country:KZ', x.from, x.until]),
    );

    // the next tick within the same cadence step: no live window, the slice goes on with what is left
    now += 60;
    const second = (await job!.run(ac.signal)) as SliceOutcome;
    expect(second.tasks).toHaveLength(3);
    expect(second.tasks.every((x) => x.reason !== 'live')).toBe(true);
    const seen = new Set(first.tasks.map((x) => `${x.from}`));
    expect(second.tasks.some((x) => seen.has(`${x.from}`))).toBe(false);
    expect(second.remaining).toBe(first.remaining - 3);
  });

  it('stops a slice after the time budget so live collection is not starved', async () => {
    const { store, cfg } = setup({ run: { maxTasks: 100, maxSeconds: 120 } });
    let now = t('2022-03-01T12:00:00Z');
    upsertEvent(store.db, event('kz', 'KZ', '2022-01-05T00:00:00Z'), now);
    const slow = fakeCollector('ioda');
    const orig = slow.collect.bind(slow);
    slow.collect = async (a) => {
      now += 50; // each window takes 50 s
      return orig(a);
    };
    const [job] = buildJobs({ config: cfg, store, collectors: [slow], log: silentLogger, now: () => now });
    const out = (await job!.run(new AbortController().signal)) as SliceOutcome;
    // live (50 s) + windows until 120 s have passed
    expect(out.tasks.map((x) => x.reason)).toEqual(['live', 'event', 'event']);
  });

  it('stops after repeated failures and plans the failed windows again', async () => {
    const { store, cfg } = setup();
    const now = t('2022-03-01T12:00:00Z');
    upsertEvent(store.db, event('kz', 'KZ', '2022-01-05T00:00:00Z'), now);
    const down = fakeCollector('ioda', { fail: () => true });
    const hooks: string[] = [];
    AFTER_COLLECT_HOOKS.push({ name: 'probe', run: (c) => void hooks.push(c.entity) });
    const [job] = buildJobs({ config: cfg, store, collectors: [down], log: silentLogger, now: () => now });
    const out = (await job!.run(new AbortController().signal)) as SliceOutcome;
    expect(out.tasks).toHaveLength(2);
    expect(out.status).toBe('failed');
    expect(out.tasks[0]!.error).toBe('source down');
    expect(hooks).toEqual([]);
    const progress = backfillProgress(store, cfg, now, [down]);
    expect(progress[0]!.coveredSeconds).toBe(0);
  });

  it('collects a watched entity every 5 minutes during a watch window', async () => {
    const { store, cfg } = setup();
    const start = t('2024-03-10T00:00:00Z');
    let now = start - DAY;
    upsertEvent(store.db, event('kz-vote', 'KZ', '2024-03-10T00:00:00Z'), now);
    // history already complete: only live collection is due
    store.writeWindow({
      collector: 'ioda',
      entity: 'country:KZ',
      from: start - 800 * DAY,
      until: start - DAY - 7200,
      series: [{ signal: { name: 'ioda.x' }, points: [] }],
    });
    const ioda = fakeCollector('ioda');
    const [job] = buildJobs({ config: cfg, store, collectors: [ioda], log: silentLogger, now: () => now });
    const liveRuns: number[] = [];
    for (let i = 0; i < 20; i++, now += 60) {
      const out = (await job!.run(new AbortController().signal)) as SliceOutcome;
      if (out.tasks.some((x) => x.reason === 'live')) liveRuns.push(now);
    }
    expect(liveRuns.slice(1).map((x, i) => x - liveRuns[i]!)).toEqual([300, 300, 300]);
  });
});

describe('backfillProgress', () => {
  it('reports covered/planned history, the oldest covered time and the next window per collector and entity', async () => {
    const { store, cfg } = setup({ run: { maxTasks: 2 } });
    const now = t('2022-03-01T12:00:00Z');
    upsertEvent(store.db, event('kz', 'KZ', '2022-01-05T00:00:00Z'), now);
    const ioda = fakeCollector('ioda');
    const before = backfillProgress(store, cfg, now, [ioda, fakeCollector('radar', { enabled: false })]);
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({
      collector: 'ioda',
      entity: 'country:KZ',
      coveredSeconds: 0,
      percent: 0,
      oldestCovered: null,
      cadenceSeconds: 600,
      watchEvent: null,
    });
    expect(before[0]!.nextWindow).toMatchObject({ reason: 'event', eventId: 'kz' });
    expect(Date.parse(before[0]!.from) / 1000).toBeLessThanOrEqual(t('2022-01-05T00:00:00Z') - 365 * DAY);

    const [job] = buildJobs({ config: cfg, store, collectors: [ioda], log: silentLogger, now: () => now });
    const out = (await job!.run(new AbortController().signal)) as SliceOutcome;
    const after = backfillProgress(store, cfg, now, [ioda]);
    const collected = out.tasks.reduce((s, x) => s + (x.until - x.from), 0);
    expect(after[0]!.checkpointedSeconds).toBe(collected);
    // the days with data count whole UTC days: the first and last window may start and end inside one
    expect(after[0]!.coveredSeconds).toBeGreaterThanOrEqual(collected);
    expect(after[0]!.coveredSeconds).toBeLessThan(collected + 2 * DAY * out.tasks.length);
    expect(after[0]!.percent).toBeGreaterThan(0);
    expect(after[0]!.pendingWindows).toBe(before[0]!.pendingWindows - 2);
    expect(after[0]!.oldestCovered).toBe(new Date(Math.min(...out.tasks.map((x) => x.from)) * 1000).toISOString().replace('.000Z', 'Z'));
  });
});
