import { afterEach, describe, expect, it } from 'vitest';
import { runCollection, type WindowTask } from '../../../collectors/framework/index.js';
import { silentLogger } from '../../../core/logger.js';
import { PgPointStore } from '../../../db/postgres/store.js';
import { usePostgres } from '../../pg.js';

/**
 * Window leases on PostgreSQL (issue 23): several collectors on one database split a range. The collectors here run
 * in one test process as separate stores with separate owners (as separate `outagewatch collect` processes would
 * be); test/services/commands/collect-concurrent.test.ts runs real processes.
 */
const pg = usePostgres();
const DAY = 86400;
const T0 = 1_451_606_400; // 2016-01-01
const groups = [{ key: 'bgp', signals: ['test.bgp'], maxWindow: 2 * DAY, align: 300 }];

const owner = (n: number) => ({ host: 'lease-test', pid: 1000 + n, started: 1_700_000_000_000 + n });

describe.skipIf(!pg.enabled)('window leases on PostgreSQL', () => {
  const stores: PgPointStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });
  const open = async (n: number) => {
    const s = await PgPointStore.open(pg.url(), { owner: owner(n) });
    stores.push(s);
    return s;
  };

  it('three collectors on one range fetch every window exactly once and store what one run stores', async () => {
    const url = pg.url();
    expect(url).toMatch(/^postgres/);
    const fetched = new Map<number, number>();
    const fetchWindow = async (task: WindowTask) => {
      fetched.set(task.from, (fetched.get(task.from) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 30));
      return {
        series: [
          {
            signal: { name: 'test.bgp', step: 3600 },
            points: Array.from({ length: (task.until - task.from) / 3600 }, (_, i) => [task.from + i * 3600, i] as const),
          },
        ],
      };
    };
    const s = await Promise.all([1, 2, 3].map(open));
    const entity = 'country:KZ';
    const results = await Promise.all(
      s.map((store) =>
        runCollection({ collector: 'test', entity, from: T0, until: T0 + 40 * DAY, store, log: silentLogger, groups, fetchWindow }),
      ),
    );
    // 20 windows of 2 days: each fetched once, by one of the three
    expect([...fetched.keys()]).toHaveLength(20);
    expect([...fetched.values()].every((n) => n === 1)).toBe(true);
    expect(results.reduce((n, r) => n + r.windowsOk, 0)).toBe(20);
    expect(results.every((r) => r.windowsFailed === 0)).toBe(true);
    // each collector left the others' windows to them and says so (not as failures)
    for (const r of results) expect(r.windowsOk + r.windowsLeased!).toBe(20);
    // split between them, not one doing all
    expect(results.filter((r) => r.windowsOk > 0).length).toBeGreaterThan(1);
    const sig = (await s[0]!.listSignals(entity)).find((x) => x.name === 'test.bgp')!;
    const pts = await s[0]!.readPoints(sig.id, T0, T0 + 40 * DAY);
    expect(pts).toHaveLength(40 * 24);
    expect(await s[0]!.uncovered('test', entity, 'test.bgp', T0, T0 + 40 * DAY)).toEqual([]);
    // a fourth collector arriving afterwards finds everything covered: nothing fetched
    const late = await runCollection({
      collector: 'test',
      entity,
      from: T0,
      until: T0 + 40 * DAY,
      store: await open(4),
      log: silentLogger,
      groups,
      fetchWindow,
    });
    expect(late).toMatchObject({ windowsOk: 0, windowsFailed: 0, windowsLeased: 0, coveredUntil: T0 + 40 * DAY });
    expect([...fetched.values()].every((n) => n === 1)).toBe(true);
  });

  it('a window held by a collector that stopped renewing is skipped until its lease expires, then fetched', async () => {
    const entity = 'country:UA';
    const dead = await open(11);
    const held = { collector: 'test', entity, group: 'bgp', from: T0, until: T0 + 2 * DAY };
    const deadLeases = dead.windowLeases(1);
    await deadLeases.begin();
    expect(await deadLeases.claim(held)).toBe('claimed');
    // (the holder is now "killed": it never renews, finishes or releases)
    const alive = await open(12);
    const fetched: number[] = [];
    const fetchWindow = async (task: WindowTask) => {
      fetched.push(task.from);
      return { series: [{ signal: { name: 'test.bgp', step: 3600 }, points: [[task.from, 1] as const] }] };
    };
    const args = { collector: 'test', entity, from: T0, until: T0 + 6 * DAY, store: alive, log: silentLogger, groups, fetchWindow };
    const first = await runCollection(args);
    expect(first).toMatchObject({ windowsOk: 2, windowsFailed: 0, windowsLeased: 1, coveredUntil: null });
    expect(fetched).toEqual([T0 + 2 * DAY, T0 + 4 * DAY]);
    await new Promise((r) => setTimeout(r, 1200));
    const second = await runCollection(args);
    expect(second).toMatchObject({ windowsOk: 1, windowsLeased: 0, coveredUntil: T0 + 6 * DAY });
    expect(fetched).toEqual([T0 + 2 * DAY, T0 + 4 * DAY, T0]);
    // the dead holder's late renewal finds its claim gone
    expect(await deadLeases.renew(held)).toBe(false);
  });
});
