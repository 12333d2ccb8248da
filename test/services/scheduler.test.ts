import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler } from '../../services/scheduler/scheduler.js';
import { silentLogger } from '../../core/logger.js';
import { tempStore } from '../helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scheduler', () => {
  let t: ReturnType<typeof tempStore> | undefined;
  afterEach(() => {
    t?.cleanup();
    t = undefined;
  });

  it('never overlaps runs of one job and records each run', async () => {
    t = tempStore();
    const s = new Scheduler({ store: t.store, log: silentLogger });
    let concurrent = 0;
    let maxConcurrent = 0;
    let runs = 0;
    s.add({
      name: 'slow',
      cron: '* * * * * *',
      collector: 'test',
      async run() {
        runs++;
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await sleep(200);
        concurrent--;
        return { rows: 7 };
      },
    });
    const a = s.trigger('slow');
    const b = s.trigger('slow'); // while the first is in flight: no second run
    expect(s.isRunning('slow')).toBe(true);
    await Promise.all([a, b]);
    expect(runs).toBe(1);
    expect(maxConcurrent).toBe(1);
    await s.trigger('slow');
    expect(runs).toBe(2);
    const recorded = t.store.recentRuns({ job: 'slow' });
    expect(recorded.map((r) => [r.status, r.rows, r.collector])).toEqual([
      ['ok', 7, 'test'],
      ['ok', 7, 'test'],
    ]);
    await s.stop();
  });

  it('records a failed run with its error and keeps going', async () => {
    t = tempStore();
    const s = new Scheduler({ store: t.store, log: silentLogger });
    s.add({
      name: 'boom',
      cron: '0 * * * *',
      async run() {
        throw new Error('IODA answered 503');
      },
    });
    await s.trigger('boom');
    expect(t.store.recentRuns({ job: 'boom' })[0]).toMatchObject({ status: 'failed', error: 'IODA answered 503' });
  });

  it('stops gracefully: in-flight work is told to abort and awaited, nothing new starts', async () => {
    t = tempStore();
    const s = new Scheduler({ store: t.store, log: silentLogger });
    let sawAbort = false;
    let finished = false;
    s.add({
      name: 'window',
      cron: '0 * * * *',
      async run(signal) {
        while (!signal.aborted) await sleep(10);
        sawAbort = true;
        await sleep(50); // the window in flight commits or rolls back
        finished = true;
        return { status: 'interrupted' };
      },
    });
    s.start();
    const p = s.trigger('window');
    await sleep(30);
    const clean = await s.stop(2000);
    expect(clean).toBe(true);
    expect(sawAbort && finished).toBe(true);
    await p;
    await s.trigger('window'); // after stop: nothing runs
    expect(t.store.recentRuns({ job: 'window' })).toHaveLength(1);
    expect(t.store.recentRuns({ job: 'window' })[0]!.status).toBe('interrupted');
  });

  it('rejects a bad cron expression', () => {
    const s = new Scheduler({ log: silentLogger });
    expect(() => s.add({ name: 'x', cron: 'every minute', async run() {} })).toThrow(/bad cron expression/);
  });
});
