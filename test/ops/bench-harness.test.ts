import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findBenches, formatTable, parseBenchOutput, type BenchRun } from '../../bench/run.js';
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
    expect(parseBenchOutput(`warming up\n{"note":1}\n${good}\n`)).toEqual([{ name: 'a', figure: 1.5, unit: 'ops/s', reference: 3, ratio: 0.5, target: '>= 0.7' }]);
    expect(parseBenchOutput('nothing here\n')).toBe('no JSON line on stdout');
    expect(parseBenchOutput('{"results":[{"name":"a","figure":"fast","unit":"x"}]}')).toMatch(/results\.0\.figure/);
    expect(parseBenchOutput('{"results":[]}')).toMatch(/results/);
  });

  it('prints a table with name, figure, unit, reference, ratio and target, and marks failures', () => {
    const runs: BenchRun[] = [
      { file: 'store.bench.ts', ok: true, exitCode: 0, seconds: 1, error: null, results: [{ name: 'store.window-write.sorted', figure: 812345.6, unit: 'points/s', reference: 1000000, ratio: 0.8123, target: '>= 0.7' }] },
      { file: 'api.bench.ts', ok: false, exitCode: 1, seconds: 1, error: 'exit code 1; no JSON line on stdout', results: [] },
    ];
    const lines = formatTable(runs).split('\n');
    expect(lines[0]).toMatch(/^name\s+figure\s+unit\s+reference\s+ratio\s+target$/);
    expect(lines[2]).toMatch(/^store\.window-write\.sorted\s+812,346\s+points\/s\s+1,000,000\s+0\.812\s+>= 0\.7$/);
    expect(lines[3]).toMatch(/^api\.bench\.ts\s+FAILED\s+.*exit code 1/);
  });
});
