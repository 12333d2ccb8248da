import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listOutages, getOutage } from '../../../db/outages.js';
import type { SqliteStore } from '../../../db/store.js';
import { configSchema } from '../../../services/program-config.js';
import { sqliteRepositories } from '../../../db/sqlite-repositories.js';
import { detectAndStore } from '../../../services/detector/run.js';
import { tsAt } from '../../../services/detector/series.js';
import { tempStore } from '../../helpers.js';
import { AFTER_COLLECT_HOOKS } from '../../../services/scheduler/hooks.js';
import { DEMO_STEPS } from '../../../services/demo/steps.js';
import { silentLogger } from '../../../core/logger.js';
import { readMonash } from './monash.js';
import { traffic } from './traffic.js';
import { runCli as cli } from '../../cli.js';

const utc = (s: string) => Date.parse(s) / 1000;
const { mean } = readMonash();
const points = Array.from(mean.values, (v, i) => [tsAt(mean, i), Number.isNaN(v) ? null : v] as const);

function load(store: SqliteStore, upTo = Infinity) {
  const pts = points.filter(([t]) => t < upTo);
  store.writeWindow({
    collector: 'test',
    entity: 'country:IR',
    from: pts[0]![0],
    until: pts.at(-1)![0] + 3600,
    series: [{ signal: { name: 'custom.connectivity', step: 3600 }, points: pts }],
  });
}

describe('detectAndStore and the CLI', () => {
  let t: ReturnType<typeof tempStore>;
  beforeEach(() => {
    t = tempStore();
  });
  afterEach(() => t.cleanup());

  it('stores the Iranian blackout, compares it with source events, and is idempotent', async () => {
    load(t.store);
    t.store.writeWindow({
      collector: 'test',
      entity: 'country:IR',
      from: utc('2019-11-10T00:00:00Z'),
      until: utc('2019-11-21T00:00:00Z'),
      series: [],
      sourceEvents: [
        {
          source: 'ioda',
          externalId: 'a',
          entity: 'country:IR',
          start: utc('2019-11-16T16:00:00Z'),
          end: utc('2019-11-21T00:00:00Z'),
          title: 'IODA outage',
          url: 'https://ioda.example/a',
          raw: {},
        },
        {
          source: 'ioda',
          externalId: 'b',
          entity: 'country:IR',
          start: utc('2019-11-12T03:00:00Z'),
          end: utc('2019-11-12T04:00:00Z'),
          raw: {},
        },
      ],
    });
    const config = configSchema.parse({});
    const first = await detectAndStore(t.store, { config });
    expect(first.entities).toBe(1);
    expect(first.outages).toHaveLength(1);
    const o = first.outages[0]!;
    expect(o.start).toBe(utc('2019-11-16T17:30:00Z'));
    expect(o.kind).toBe('connectivity');
    expect(o.evidence.some((e) => e.url === 'https://ioda.example/a')).toBe(true);
    expect(first.comparison.map((c) => c.status).sort()).toEqual(['agree', 'only-source']);
    const again = await detectAndStore(t.store, { config });
    const again2 = await detectAndStore(t.store, { config, from: utc('2019-11-16T00:00:00Z'), until: utc('2019-11-18T00:00:00Z') });
    const stored = listOutages(t.store.db);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ start: o.start, end: o.end, kind: o.kind, open: true });
    expect(again.outages[0]!.start).toBe(o.start);
    expect(again2.outages[0]!.start).toBe(o.start);
    expect(getOutage(t.store.db, stored[0]!.id!)?.entity).toBe('country:IR');
    expect(listOutages(t.store.db, { country: 'IR', kind: 'service-blocking' })).toEqual([]);
    expect(listOutages(t.store.db, { from: utc('2019-11-10T00:00:00Z'), until: utc('2019-11-16T00:00:00Z') })).toEqual([]);
  });

  it('`detect` then `outages --json` print the documented shape; bad flags exit 2', async () => {
    load(t.store);
    t.store.close();
    const d = await cli(['--db', t.path, 'detect', '--entity', 'country:IR']);
    expect(d.code).toBe(0);
    expect(d.out).toContain('1 entities, 1 outages');
    const r = await cli(['--db', t.path, 'outages', '--json', '--country', 'IR']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out) as Array<Record<string, unknown>>;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      entity: 'country:IR',
      kind: 'connectivity',
      severity: 'critical',
      start: '2019-11-16T17:30:00Z',
      open: true,
    });
    expect(Object.keys(list[0]!).sort()).toEqual(
      [
        'durationSeconds',
        'end',
        'entity',
        'evidence',
        'hours',
        'id',
        'kind',
        'lostPercent',
        'open',
        'parent',
        'score',
        'severity',
        'signals',
        'start',
        'synthetic',
        'targets',
      ].sort(),
    );
    // the numbers a reader understands beside the IODA score: most of normal lost, for the 82 h until the file ends
    expect(list[0]).toMatchObject({ parent: null, synthetic: false, hours: 82 });
    expect(list[0]!.lostPercent as number).toBeGreaterThan(80);
    const table = await cli(['--db', t.path, 'outages', '--country', 'IR']);
    expect(table.out).toMatch(/lost 9\d % of normal for 82 h/);
    expect(table.out).not.toMatch(/\de\+\d/);
    expect((await cli(['--db', t.path, 'outages', '--kind', 'outage'])).code).toBe(2);
    expect((await cli(['--db', t.path, 'detect', '--entity', 'planet:earth'])).code).toBe(2);
    const none = await cli(['--db', t.path, 'outages', '--json', '--until', '2019-11-15']);
    expect(JSON.parse(none.out)).toEqual([]);
  });

  it('a series stored with the services axis (ingest csv --axis services --target) is throttled, not a connectivity outage', async () => {
    // a product's hourly traffic in one country, 30 % lower from day 70 (stands for throttling such as Twitter in Russia, 2021)
    const s = traffic({ seed: 31, days: 110, step: 3600, night: 0.3, weekend: 0.8, noise: 0.05 });
    const pts = Array.from(s.values, (v, i) => [s.start + i * 3600, i >= 70 * 24 ? v * 0.7 : v] as [number, number]);
    const until = s.start + pts.length * 3600;
    t.store.writeWindow({
      collector: 'test',
      entity: 'country:RU',
      from: s.start,
      until,
      series: [{ signal: { name: 'custom.traffic', step: 3600, provenance: { axis: 'services', target: 'twitter.com' } }, points: pts }],
    });
    const r = await detectAndStore(t.store, { config: configSchema.parse({}) });
    expect(r.outages.map((o) => [o.kind, o.targets])).toEqual([['degradation', ['twitter.com']]]);
    expect(Math.abs(r.outages[0]!.start - (s.start + 70 * 86400))).toBeLessThanOrEqual(2 * 86400);
    expect(r.history[0]).toMatchObject({ entity: 'country:RU', signal: 'custom.traffic', axis: 'services', baseline: 'same-time-of-week' });
    expect(listOutages(t.store.db, { kind: 'degradation' })).toHaveLength(1);
  });

  it('the daemon detects after each collection, and the demo detects last', async () => {
    load(t.store);
    const hook = AFTER_COLLECT_HOOKS.find((h) => h.name === 'detect');
    expect(hook).toBeDefined();
    await hook!.run({
      db: sqliteRepositories(t.store),
      config: configSchema.parse({}),
      log: silentLogger,
      collector: 'test',
      entity: 'country:IR',
      from: utc('2019-11-16T00:00:00Z'),
      until: utc('2019-11-17T00:00:00Z'),
    });
    expect(listOutages(t.store.db, { entity: 'country:IR' }).map((o) => o.start)).toEqual([utc('2019-11-16T17:30:00Z')]);
    expect(DEMO_STEPS.at(-1)?.name).toBe('detect');
  });
});
