import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findBenches, formatTable, parseBenchOutput, runSummary, targetStatus, withStatus, type BenchRun } from '../../bench/run.js';
import { tempDir } from '../helpers.js';

describe('bench harness', () => {
  let t: ReturnType<typeof tempDir> | undefined;
  afterEach(() => t?.cleanup());

  it('finds bench/*.bench.ts, filtered by words in the file name', () => {
    t = tempDir();
    for (const f of ['store.bench.ts', 'api.bench.ts', 'helpers.ts', 'store.bench.ts.bak']) writeFileSync(join(t.dir, f), '');
    expect(findBenches([], t.dir)).toEqual(['api.bench.ts', 'store.bench.ts']);
    expect(findBenches(['store'], t.dir)).toEqual(['store.bench.ts']);
    expect(findBenches(['nothing'], t.dir)).toEqual([]);
    // the real folder holds the store benchmark
    expect(findBenches(['store'])).toContain('store.bench.ts');
  });

  it('reads the last valid result line and explains a bad one', () => {
    const good = '{"results":[{"name":"a","figure":1.5,"unit":"ops/s","reference":3,"ratio":0.5,"target":">= 0.7"}]}';
    expect(parseBenchOutput(`warming up\n{"note":1}\n${good}\n`)).toEqual([
      { name: 'a', figure: 1.5, unit: 'ops/s', reference: 3, ratio: 0.5, target: '>= 0.7' },
    ]);
    expect(parseBenchOutput('nothing here\n')).toBe('no JSON line on stdout');
    expect(parseBenchOutput('{"results":[{"name":"a","figure":"fast","unit":"x"}]}')).toMatch(/results\.0\.figure/);
    expect(parseBenchOutput('{"results":[]}')).toMatch(/results/);
  });

  it('prints a table with name, figure, unit, reference, ratio and target, and marks failures', () => {
    const runs: BenchRun[] = [
      {
        file: 'store.bench.ts',
        ok: true,
        exitCode: 0,
        seconds: 1,
        error: null,
        results: [
          { name: 'store.window-write.sorted', figure: 812345.6, unit: 'points/s', reference: 1000000, ratio: 0.8123, target: '>= 0.7' },
        ],
      },
      { file: 'api.bench.ts', ok: false, exitCode: 1, seconds: 1, error: 'exit code 1; no JSON line on stdout', results: [] },
    ];
    const lines = formatTable(runs).split('\n');
    expect(lines[0]).toMatch(/^name\s+figure\s+unit\s+reference\s+ratio\s+target\s+status$/);
    expect(lines[2]).toMatch(/^store\.window-write\.sorted\s+812,346\s+points\/s\s+1,000,000\s+0\.812\s+>= 0\.7\s+unchecked$/);
    expect(lines[3]).toMatch(/^api\.bench\.ts\s+FAILED\s+.*exit code 1/);
  });

  it('marks each figure with a target met or MISSED (the figures the issue saw reported as "ok")', () => {
    // api p99 113 ms against < 100 ms, and a store ratio 0.51 against >= 0.7: both misses
    const p99 = {
      name: 'api.signals.1y.p99',
      figure: 113,
      unit: 'ms',
      reference: 100,
      ratio: 1.13,
      target: '< 100 ms',
      check: { of: 'figure' as const, op: '<' as const, value: 100 },
    };
    const store = {
      name: 'store.window-write.time-major',
      figure: 207840,
      unit: 'points/s',
      reference: 407529,
      ratio: 0.51,
      target: '>= 0.7',
      check: { of: 'ratio' as const, op: '>=' as const, value: 0.7 },
    };
    expect(targetStatus(p99)).toBe('MISSED');
    expect(targetStatus({ ...p99, figure: 42 })).toBe('met');
    expect(targetStatus({ ...p99, figure: 100 })).toBe('MISSED'); // "< 100" is strict
    expect(targetStatus(store)).toBe('MISSED');
    expect(targetStatus({ ...store, ratio: 0.7 })).toBe('met');
    expect(targetStatus({ name: 'x', figure: 1, unit: 's' })).toBeNull();
    // what results.json keeps: the figure with its target and status beside it
    expect(withStatus(store)).toMatchObject({ figure: 207840, target: '>= 0.7', status: 'MISSED' });
    const run: BenchRun = {
      file: 'api.bench.ts',
      ok: true,
      exitCode: 0,
      seconds: 12.5,
      error: null,
      results: [p99, { ...p99, name: 'rps', figure: 600, check: { of: 'figure', op: '>=', value: 500 } }],
    };
    expect(runSummary(run)).toBe('ran in 12.5 s: 1 target(s) met, 1 MISSED');
    expect(runSummary(run)).not.toMatch(/\bok\b/);
    expect(formatTable([run]).split('\n')[2]).toMatch(/\s+< 100 ms\s+MISSED$/);
    // a check must say which number it checks, against a target the reader can see
    expect(
      parseBenchOutput(JSON.stringify({ results: [{ name: 'a', figure: 1, unit: 'x', check: { of: 'ratio', op: '>=', value: 1 } }] })),
    ).toMatch(/check/);
  });
});
