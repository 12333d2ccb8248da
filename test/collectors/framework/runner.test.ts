import { afterEach, describe, expect, it } from 'vitest';
import { FetchError, planWindows, runCollection, type WindowTask } from '../../../collectors/framework/index.js';
import { silentLogger } from '../../../core/logger.js';
import { tempStore } from '../../helpers.js';

const DAY = 86400;
const T0 = 1_451_606_400; // 2016-01-01

describe('window planner', () => {
  it('cuts a 182-day range into aligned windows of at most 99 days, contiguous and complete', () => {
    const w = planWindows(T0 + 17, T0 + 182 * DAY, { maxLength: 99 * DAY, align: 300 });
    expect(w).toEqual([
      [T0, T0 + 99 * DAY],
      [T0 + 99 * DAY, T0 + 182 * DAY],
    ]);
    const odd = planWindows(T0, T0 + 10 * DAY + 1, { maxLength: 3 * DAY, align: DAY });
    expect(odd).toHaveLength(4);
    expect(odd.at(-1)).toEqual([T0 + 9 * DAY, T0 + 11 * DAY]);
  });
});

describe('runner', () => {
  let t: ReturnType<typeof tempStore> | undefined;
  afterEach(() => t?.cleanup());

  const groups = [{ key: 'bgp', signals: ['test.bgp'], maxWindow: 10 * DAY, align: 300 }];
  const fetchOk = async (task: WindowTask) => ({
    series: [
      {
        signal: { name: 'test.bgp', step: 3600 },
        points: Array.from({ length: (task.until - task.from) / 3600 }, (_, i) => [task.from + i * 3600, i] as const),
      },
    ],
  });

  it('writes each window, continues after a failed one, records the run, and retries only the failed window later', async () => {
    t = tempStore();
    const calls: number[] = [];
    const first = await runCollection({
      collector: 'test',
      entity: 'country:KZ',
      from: T0,
      until: T0 + 30 * DAY,
      store: t.store,
      log: silentLogger,
      groups,
      fetchWindow: async (task) => {
        calls.push(task.from);
        if (task.from === T0 + 10 * DAY) throw new FetchError('http', 'http://x/y', 'http://x/y: HTTP 500', { status: 500 });
        return fetchOk(task);
      },
    });
    expect(first.windowsOk).toBe(2);
    expect(first.windowsFailed).toBe(1);
    expect(first.failures[0]).toMatchObject({ url: 'http://x/y', from: T0 + 10 * DAY });
    expect(first.coveredUntil).toBe(T0 + 10 * DAY);
    const run = t.store.recentRuns({ collector: 'test' })[0]!;
    expect(run).toMatchObject({ status: 'partial', windowsOk: 2, windowsFailed: 1, rows: 480 });
    expect(run.error).toContain('HTTP 500');

    calls.length = 0;
    const progress: number[] = [];
    const second = await runCollection({
      collector: 'test',
      entity: 'country:KZ',
      from: T0,
      until: T0 + 30 * DAY,
      store: t.store,
      log: silentLogger,
      groups,
      fetchWindow: async (task) => (calls.push(task.from), fetchOk(task)),
      onProgress: (p) => progress.push(p.windowsDone),
    });
    expect(calls).toEqual([T0 + 10 * DAY]);
    expect(progress).toEqual([1]);
    expect(second.coveredUntil).toBe(T0 + 30 * DAY);
    expect(t.store.recentRuns({ collector: 'test' })[0]!.status).toBe('ok');
    const sig = t.store.listSignals('country:KZ')[0]!;
    expect(t.store.readPoints(sig.id, T0, T0 + 30 * DAY)).toHaveLength(720);
  });

  it('an unreachable source (offline, DNS failure, refused connection) stops the run at the first window: one failure, not one per window', async () => {
    t = tempStore();
    const calls: number[] = [];
    const r = await runCollection({
      collector: 'test',
      entity: 'country:KZ',
      from: T0,
      until: T0 + 30 * DAY,
      store: t.store,
      log: silentLogger,
      groups,
      fetchWindow: async (task) => {
        calls.push(task.from);
        throw new FetchError(
          'unreachable',
          'http://x/y',
          'http://x/y: cannot reach the source (ENOTFOUND: the name does not resolve); the next run tries again',
        );
      },
    });
    expect(calls).toEqual([T0]);
    expect(r.windowsFailed).toBe(1);
    expect(r.windowsOk).toBe(0);
    const run = t.store.recentRuns({ collector: 'test' })[0]!;
    expect(run.status).toBe('failed');
    expect(run.error).toContain('cannot reach the source');
  });

  it('writes but does not checkpoint the part of a window too recent to be settled', async () => {
    t = tempStore();
    const now = T0 + 5 * DAY;
    await runCollection({
      collector: 'test',
      entity: 'country:KZ',
      from: T0,
      until: T0 + 5 * DAY,
      store: t.store,
      log: silentLogger,
      groups,
      fetchWindow: fetchOk,
      settleSeconds: 3 * 3600,
      now: () => now,
    });
    expect(t.store.uncovered('test', 'country:KZ', 'test.bgp', T0, now)).toEqual([[now - 3 * 3600, now]]);
    const sig = t.store.listSignals('country:KZ')[0]!;
    expect(t.store.readPoints(sig.id, T0, now)).toHaveLength(120);
  });
});

describe('runner on a full disk', () => {
  let t: ReturnType<typeof tempStore> | undefined;
  afterEach(() => t?.cleanup());

  it('stops at the first window the database cannot take, marks the run failed and names the database', async () => {
    // a full disk, made real for SQLite by capping the file's page count (SQLITE_FULL, "database or disk is full")
    t = tempStore();
    const store = t.store;
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages + 4}`);
    const groups = [{ key: 'bgp', signals: ['test.bgp'], maxWindow: 10 * DAY, align: 300 }];
    const asked: number[] = [];
    const r = await runCollection({
      collector: 'test',
      entity: 'country:KZ',
      from: T0,
      until: T0 + 200 * DAY,
      store,
      log: silentLogger,
      groups,
      now: () => T0 + 400 * DAY,
      fetchWindow: async (task) => {
        asked.push(task.from);
        return {
          series: [
            {
              signal: { name: 'test.bgp', step: 300 },
              points: Array.from({ length: (task.until - task.from) / 300 }, (_, i) => [task.from + i * 300, i % 1000] as const),
            },
          ],
        };
      },
    });
    expect(r.windowsFailed).toBe(1);
    expect(asked.length).toBeLessThan(20); // stopped, did not fetch every window only to fail each
    expect(r.failures.at(-1)!.error).toContain(`database ${t.path}`);
    expect(r.failures.at(-1)!.error).toMatch(/full/);
    const run = store.recentRuns({ collector: 'test' })[0]!;
    expect(run.status).toBe('failed');
    expect(run.error).toContain(t.path);
  });
});
