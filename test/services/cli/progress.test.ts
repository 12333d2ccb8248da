import { PassThrough } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createProgressReporter, etaSeconds } from '../../../services/cli/progress.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new PassThrough();
  sink.on('data', (b: Buffer) => {
    for (const l of b.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

describe('progress reporter', () => {
  it('writes periodic log lines when not on a TTY, with windows, points, errors and ETA', async () => {
    const { log, lines } = capture();
    let clock = 0;
    const stream = Object.assign(new PassThrough(), { isTTY: false });
    const r = createProgressReporter({ label: 'ioda country:KZ', stream, log, intervalSeconds: 10, now: () => clock });
    for (let i = 1; i <= 30; i++) {
      clock = i * 1000; // one window per second
      r.onProgress({ windowsDone: i, windowsTotal: 30, points: i * 100, errors: i > 25 ? 1 : 0 });
    }
    r.done();
    r.done();
    await new Promise((res) => setImmediate(res));
    // first window, every 10 s after, and the final line: not one line per window
    expect(lines.map((l) => l.windowsDone)).toEqual([1, 11, 21, 30]);
    expect(lines[1]).toMatchObject({ label: 'ioda country:KZ', windowsTotal: 30, points: 1100, errors: 0, etaSeconds: 19 });
    expect(String(lines[1]!.msg)).toContain('11/30 windows');
    expect(lines[3]).toMatchObject({ errors: 1, points: 3000 });
    expect(String(lines[3]!.msg)).toMatch(/done$/);
    expect(stream.read()).toBeNull();
  });

  it('draws a bar on a TTY instead of logging', async () => {
    const { log, lines } = capture();
    const out: string[] = [];
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 200 });
    stream.on('data', (b: Buffer) => out.push(b.toString()));
    const r = createProgressReporter({ label: 'ioda', stream, log });
    r.onProgress({ windowsDone: 0, windowsTotal: 4, points: 0, errors: 0 });
    r.onProgress({ windowsDone: 4, windowsTotal: 4, points: 288, errors: 1 });
    r.done();
    await new Promise((res) => setImmediate(res));
    const text = out.join('');
    expect(text).toContain('4/4 windows');
    expect(text).toContain('288 points');
    expect(text).toContain('1 errors');
    expect(lines).toEqual([]);
  });

  it('estimates the time left from the observed rate', () => {
    expect(etaSeconds({ windowsDone: 0, windowsTotal: 10, points: 0, errors: 0 }, 5000)).toBeNull();
    expect(etaSeconds({ windowsDone: 2, windowsTotal: 10, points: 0, errors: 0 }, 4000)).toBe(16);
    expect(etaSeconds({ windowsDone: 10, windowsTotal: 10, points: 0, errors: 0 }, 4000)).toBe(0);
  });
});
