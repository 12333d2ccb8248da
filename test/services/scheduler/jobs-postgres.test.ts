import { afterEach, describe, expect, it } from 'vitest';
import { pointStoreOf } from '../../../collectors/framework/store.js';
import type { CollectArgs, CollectResult, Collector } from '../../../collectors/types.js';
import type { ProtestEvent } from '../../../core/calendar.js';
import { type Config } from '../../../core/config.js';
import { silentLogger } from '../../../core/logger.js';
import { openRepositories } from '../../../db/open.js';
import type { Repositories } from '../../../db/repositories.js';
import { configSchema } from '../../../services/program-config.js';
import { AFTER_COLLECT_HOOKS, type AfterCollectContext } from '../../../services/scheduler/hooks.js';
import { buildJobs, type SliceOutcome } from '../../../services/scheduler/jobs.js';
import { usePostgres } from '../../pg.js';

/**
 * The daemon's scheduled collection on PostgreSQL (`start --no-dashboard`, issue 23): the same plan as on SQLite
 * (test/services/scheduler/jobs.test.ts), read from the calendar and checkpoints in PostgreSQL, written there.
 * The collector is a stand-in writing one point an hour (what matters here is what is planned and where it goes).
 */
const pg = usePostgres();
const DAY = 86400;
const t = (iso: string) => Date.parse(iso) / 1000;

function fakeCollector(name: string): Collector & { calls: CollectArgs[] } {
  const calls: CollectArgs[] = [];
  return {
    name,
    calls,
    describe: () => `fake ${name}`,
    enabled: () => true,
    disabledReason: () => null,
    signals: (entity) => (entity.startsWith('country:') ? [`${name}.x`] : []),
    async collect(a): Promise<CollectResult> {
      calls.push(a);
      const points: Array<[number, number]> = [];
      for (let ts = Math.ceil(a.from / 3600) * 3600; ts < a.until; ts += 3600) points.push([ts, 1]);
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

function event(id: string, country: string, start: string): ProtestEvent {
  const s = t(start);
  return {
    id,
    title: id,
    country,
    places: [],
    start: s,
    end: s + DAY,
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

describe.skipIf(!pg.enabled)('scheduled collection on PostgreSQL', () => {
  let repos: Repositories | undefined;
  afterEach(async () => {
    AFTER_COLLECT_HOOKS.length = 0;
    await repos?.close();
  });

  it('plans from the calendar and checkpoints in PostgreSQL, writes there, resumes where it stopped; detection hooks are not run', async () => {
    repos = await openRepositories(pg.url());
    let now = t('2022-03-01T12:00:00Z');
    await repos.calendar.upsertEvent(event('kz-2022-01-05', 'KZ', '2022-01-05T00:00:00Z'), now);
    const ioda = fakeCollector('ioda');
    const hooks: AfterCollectContext[] = [];
    AFTER_COLLECT_HOOKS.push({ name: 'probe', run: (c) => void hooks.push(c) });
    const [job] = buildJobs({
      config: config({ run: { maxTasks: 3 } }),
      repos: { points: repos.points, calendar: repos.calendar },
      collectors: [ioda],
      log: silentLogger,
      now: () => now,
    });
    const ac = new AbortController();

    const first = (await job!.run(ac.signal)) as SliceOutcome;
    expect(first.tasks.map((x) => x.reason)).toEqual(['live', 'event', 'event', 'event']);
    expect(first.tasks[1]!.eventId).toBe('kz-2022-01-05');
    expect(first.windowsFailed).toBe(0);
    // the collector was handed the PostgreSQL store, and what it wrote is there
    expect(ioda.calls.every((c) => c.store === repos!.points)).toBe(true);
    const sig = (await repos.points.listSignals('country:KZ')).find((s) => s.name === 'ioda.x')!;
    const written = first.tasks.reduce((n, x) => n + x.points, 0);
    expect(written).toBeGreaterThan(0);
    expect(await repos.points.readPoints(sig.id, 0, 2 ** 31)).toHaveLength(written);
    // detection after a collection runs on SQLite only in this version: not run here
    expect(hooks).toEqual([]);

    // the next tick: the plan reads the checkpoints just written, so nothing is collected twice
    now += 60;
    const second = (await job!.run(ac.signal)) as SliceOutcome;
    expect(second.tasks).toHaveLength(3);
    expect(second.tasks.every((x) => x.reason !== 'live')).toBe(true);
    const seen = new Set(first.tasks.map((x) => `${x.from}`));
    expect(second.tasks.some((x) => seen.has(`${x.from}`))).toBe(false);
    expect(second.remaining).toBe(first.remaining - 3);
  });
});
