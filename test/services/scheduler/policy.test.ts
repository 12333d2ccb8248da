import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/config.js';
import { measure, normalize, type Interval } from '../../../services/scheduler/intervals.js';
import {
  parseCollectionConfig,
  planCollection,
  watchedEntities,
  type PlanEvent,
  type PlannedTask,
} from '../../../services/scheduler/policy.js';

const DAY = 86400;
const t = (iso: string) => Date.parse(iso) / 1000;
const cfg = parseCollectionConfig({});

const kz2022: PlanEvent = {
  id: 'kz-2022-01-02-january-events',
  country: 'KZ',
  start: t('2022-01-01T18:00:00Z'),
  end: t('2022-01-11T18:00:00Z'),
};
const kz2016: PlanEvent = {
  id: 'kz-2016-05-21-land-protests',
  country: 'KZ',
  start: t('2016-05-20T18:00:00Z'),
  end: t('2016-05-21T18:00:00Z'),
};
const kz2019: PlanEvent = {
  id: 'kz-2019-06-09-presidential-election',
  country: 'KZ',
  start: t('2019-06-08T18:00:00Z'),
  end: t('2019-06-12T18:00:00Z'),
};

/** Coverage that holds everything the plan asked for (as if every task had run). */
function coverageOf(tasks: PlannedTask[], prior: Map<string, Interval[]> = new Map()): Map<string, Interval[]> {
  const m = new Map(prior);
  for (const task of tasks) {
    const k = `${task.collector}|${task.entity}`;
    m.set(k, normalize([...(m.get(k) ?? []), [task.from, task.until]]));
  }
  return m;
}
const lookup = (m: Map<string, Interval[]>) => (c: string, e: string) => m.get(`${c}|${e}`) ?? [];

describe('planCollection', () => {
  const now = t('2022-06-01T12:07:00Z');
  const plan = planCollection({ events: [kz2022], now, config: cfg, collectors: ['ioda'] });

  it('puts live collection first, up to now minus the source lag, aligned to its cadence', () => {
    const first = plan.tasks[0]!;
    expect(first).toMatchObject({ collector: 'ioda', entity: 'country:KZ', reason: 'live', priority: 0 });
    // IODA: every 10 minutes with a 30-minute lag → complete up to 11:30 at 12:07
    expect(first.until).toBe(t('2022-06-01T11:30:00Z'));
    expect(first.from).toBe(t('2022-05-31T11:30:00Z'));
    expect(plan.tasks.filter((x) => x.reason === 'live')).toHaveLength(1);
  });

  it('plans the calendar event from 30 days before to 14 days after, before any backfill', () => {
    const ev = plan.tasks.filter((x) => x.reason === 'event');
    expect(ev.length).toBeGreaterThan(0);
    expect(ev.every((x) => x.eventId === kz2022.id && x.priority === 1)).toBe(true);
    expect(normalize(ev.map((x) => [x.from, x.until]))).toEqual([[kz2022.start - 30 * DAY, kz2022.end + 14 * DAY]]);
    const lastEvent = plan.tasks.findLastIndex((x) => x.reason === 'event');
    const firstBackfill = plan.tasks.findIndex((x) => x.reason === 'backfill');
    expect(lastEvent).toBeLessThan(firstBackfill);
  });

  it('backfills continuously from now back to at least a year before the earliest event, newest first', () => {
    const bf = plan.tasks.filter((x) => x.reason === 'backfill');
    const oldest = Math.min(...bf.map((x) => x.from));
    expect(oldest).toBeLessThanOrEqual(kz2022.start - 365 * DAY);
    expect(oldest).toBeGreaterThan(kz2022.start - 373 * DAY);
    // newest first
    for (let i = 1; i < bf.length; i++) expect(bf[i]!.until).toBeLessThanOrEqual(bf[i - 1]!.from);
    expect(bf[0]!.until).toBe(plan.tasks[0]!.from);
    // together, live + event + backfill cover the whole history without gaps or overlaps
    const all = plan.tasks.map((x) => [x.from, x.until] as Interval);
    expect(normalize(all)).toEqual([[oldest, plan.tasks[0]!.until]]);
    expect(measure(all)).toBe(all.reduce((s, [a, b]) => s + b - a, 0));
  });

  it('plans nothing again once everything planned is covered (re-planning is idempotent)', () => {
    const again = planCollection({ events: [kz2022], now, config: cfg, collectors: ['ioda'], coverage: lookup(coverageOf(plan.tasks)) });
    expect(again.tasks).toEqual([]);
  });

  it('a new calendar event schedules its own backfill, and only what is missing', () => {
    const cov = coverageOf(plan.tasks);
    // an event inside already-covered history adds nothing
    const inside = planCollection({
      events: [kz2022, { ...kz2022, id: 'kz-2022-03-x', start: t('2022-03-01T00:00:00Z'), end: t('2022-03-02T00:00:00Z') }],
      now,
      config: cfg,
      collectors: ['ioda'],
      coverage: lookup(cov),
    });
    expect(inside.tasks).toEqual([]);
    // an older event adds its window first, then the backfill reaching a year before it
    const next = planCollection({ events: [kz2022, kz2019], now, config: cfg, collectors: ['ioda'], coverage: lookup(cov) });
    const ev = next.tasks.filter((x) => x.reason === 'event');
    expect(normalize(ev.map((x) => [x.from, x.until]))).toEqual([[kz2019.start - 30 * DAY, kz2019.end + 14 * DAY]]);
    expect(next.tasks[0]!.reason).toBe('event');
    const bf = next.tasks.filter((x) => x.reason === 'backfill');
    expect(Math.min(...bf.map((x) => x.from))).toBeLessThanOrEqual(kz2019.start - 365 * DAY);
    // nothing already covered is planned again
    const before = cov.get('ioda|country:KZ')!;
    for (const x of next.tasks)
      expect(
        measure(normalize([[x.from, x.until]])) -
          measure(before.map(([a, b]) => [Math.max(a, x.from), Math.min(b, x.until)] as Interval).filter(([a, b]) => b > a)),
      ).toBe(x.until - x.from);
  });

  it('orders event windows newest event first', () => {
    const p = planCollection({ events: [kz2016, kz2022, kz2019], now, config: cfg, collectors: ['ioda'] });
    const ids = [...new Set(p.tasks.filter((x) => x.reason === 'event').map((x) => x.eventId))];
    expect(ids).toEqual([kz2022.id, kz2019.id, kz2016.id]);
  });

  it('leaves out entities a collector cannot measure and plans per collector', () => {
    const p = planCollection({
      events: [kz2022],
      now,
      config: parseCollectionConfig({ entities: ['asn:9198'] }),
      collectors: ['ioda', { name: 'ripestat', supports: (e) => e.startsWith('country:') }],
    });
    const pairs = new Set(p.tasks.map((x) => `${x.collector}|${x.entity}`));
    expect(pairs).toEqual(new Set(['ioda|country:KZ', 'ioda|asn:9198', 'ripestat|country:KZ']));
  });
});

describe('watch windows', () => {
  const vote: PlanEvent = { id: 'kz-2024-vote', country: 'KZ', start: t('2024-03-10T00:00:00Z'), end: t('2024-03-11T00:00:00Z') };
  const cadence = (now: number, collector = 'ioda') =>
    planCollection({ events: [vote], now, config: cfg, collectors: [collector] }).cadences.find((c) => c.collector === collector)!;

  it('raise the cadence to every 5 minutes from 3 days before to 3 days after an upcoming event, then drop it', () => {
    expect(cadence(vote.start - 4 * DAY)).toMatchObject({ every: 600, watch: null });
    expect(cadence(vote.start - 3 * DAY)).toMatchObject({ every: 300, watch: { eventId: vote.id } });
    expect(cadence(vote.start + 3600)).toMatchObject({ every: 300 });
    expect(cadence(vote.end + 3 * DAY - 1)).toMatchObject({ every: 300 });
    expect(cadence(vote.end + 3 * DAY)).toMatchObject({ every: 600, watch: null });
    expect(cadence(vote.start - 4 * DAY, 'ooni').every).toBe(DAY);
    expect(cadence(vote.start - DAY, 'ooni').every).toBe(300);
    expect(cadence(vote.end + 5 * DAY, 'ooni').every).toBe(DAY);
  });

  it('plan a live window every 5 minutes during the watch and every 10 minutes after it', () => {
    const run = (start: number, steps: number) => {
      let cov = new Map<string, Interval[]>();
      const due: number[] = [];
      for (let i = 0; i < steps; i++) {
        const now = start + i * 60;
        const p = planCollection({ events: [vote], now, config: cfg, collectors: ['ioda'], coverage: lookup(cov) });
        const liveTasks = p.tasks.filter((x) => x.reason === 'live');
        if (i > 0 && liveTasks.length) due.push(now);
        cov = coverageOf(liveTasks, cov);
      }
      return due;
    };
    const inWatch = run(vote.start - DAY, 31);
    expect(inWatch).toHaveLength(6);
    expect(inWatch.slice(1).map((x, i) => x - inWatch[i]!)).toEqual([300, 300, 300, 300, 300]);
    const after = run(vote.end + 4 * DAY, 31);
    expect(after).toHaveLength(3);
    expect(after.slice(1).map((x, i) => x - after[i]!)).toEqual([600, 600]);
  });
});

describe('collection config', () => {
  it('watches the calendar countries plus configured extras, minus exclusions', () => {
    const c = parseCollectionConfig({ entities: ['asn:9198', { entity: 'region:1234', country: 'kz' }], exclude: ['country:EG'] });
    const w = watchedEntities([kz2022, { id: 'eg', country: 'EG', start: 0, end: 1 }, { id: 'ir', country: 'IR', start: 0, end: 1 }], c);
    expect(w.map((x) => x.entity)).toEqual(['country:IR', 'country:KZ', 'asn:9198', 'region:1234']);
    expect(w.find((x) => x.entity === 'region:1234')!.country).toBe('KZ');
  });

  it('accepts durations as text or seconds and names a bad setting', () => {
    expect(parseCollectionConfig({ watch: { every: '2m' }, sources: { ioda: { lag: 900 } } })).toMatchObject({
      watch: { every: 120 },
      sources: { ioda: { lag: 900 } },
    });
    expect(() => parseCollectionConfig({ watch: { every: 'often' } })).toThrow(ConfigError);
    expect(() => parseCollectionConfig({ watch: { every: 'often' } })).toThrow(/collection\.watch\.every/);
    expect(() => parseCollectionConfig({ entities: ['planet:mars'] })).toThrow(/collection\.entities\.0/);
    expect(() => parseCollectionConfig({ bogus: 1 })).toThrow(/unknown setting/);
  });
});

describe('live cadence without checkpoints', () => {
  it('is due once per cadence step even when the newest windows stay unsettled', () => {
    const ev: PlanEvent = { id: 'kz-x', country: 'KZ', start: t('2020-01-01T00:00:00Z'), end: t('2020-01-02T00:00:00Z') };
    const now = t('2022-06-01T12:07:00Z');
    const cov = lookup(new Map());
    const first = planCollection({ events: [ev], now, config: cfg, collectors: ['ioda'], coverage: cov });
    const liveUntil = first.cadences[0]!.liveUntil;
    const p = (at: number) =>
      planCollection({ events: [ev], now: at, config: cfg, collectors: ['ioda'], coverage: cov, lastLive: () => liveUntil }).tasks.filter(
        (x) => x.reason === 'live',
      );
    expect(p(now + 60)).toEqual([]);
    expect(p(now + 180)).toHaveLength(1);
  });
});
