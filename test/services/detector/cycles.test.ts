import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveBaseline } from '../../../services/detector/baselines.js';
import { parseDetectorConfig, ruleFor } from '../../../services/detector/config.js';
import { detectCycles, lagCorrelation } from '../../../services/detector/cycles.js';
import { T0, traffic } from './traffic.js';

const rule = ruleFor('custom.traffic', parseDetectorConfig({}))!;

describe('cycles found in the data (any signal, any name)', () => {
  it('a daily swing is found at any phase, depth, step and noise, with gaps (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.double({ min: 0.1, max: 0.6, noNaN: true }),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(300, 3600, 7200),
        fc.integer({ min: 3, max: 20 }),
        (seed, night, phase, step, days) => {
          const c = detectCycles(traffic({ seed, days, step, night, phase, noise: 0.1, gaps: days }));
          expect(c.daily).toBe(true);
        },
      ),
      { numRuns: 40, seed: 16 },
    );
  });

  it('noise, a level shift or a slow trend is not a cycle (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.constantFrom('noise', 'shift', 'trend'),
        fc.constantFrom(300, 3600),
        fc.integer({ min: 3, max: 30 }),
        (seed, shape, step, days) => {
          const s = traffic({ seed, days, step, noise: 0.2, gaps: days });
          const n = s.values.length;
          for (let i = 0; i < n; i++) {
            if (shape === 'shift' && i > n / 2) s.values[i] = s.values[i]! * 0.3;
            if (shape === 'trend') s.values[i] = s.values[i]! * (1 + (3 * i) / n);
          }
          const c = detectCycles(s);
          expect(c.daily).toBe(false);
          expect(c.weekly === true).toBe(false);
          expect(resolveBaseline(s, rule).kind).toBe('moving');
        },
      ),
      { numRuns: 40, seed: 17 },
    );
  });

  it('a blackout of days does not hide a daily swing (the level is taken out first)', () => {
    // like the Monash county series of Iran, Nov 2019: nine hourly days, dark for the last three and a half
    const s = traffic({ seed: 4, days: 9, step: 3600, night: 0.4, noise: 0.05 });
    for (let i = Math.round(5.5 * 24); i < s.values.length; i++) s.values[i] = s.values[i]! * 0.05;
    expect(detectCycles(s).daily).toBe(true);
  });

  it('the answer does not depend on the unit or offset of the values (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        fc.boolean(),
        (seed, a, b, cyc) => {
          const s = traffic({ seed, days: 22, step: 3600, night: cyc ? 0.3 : undefined, weekend: cyc ? 0.6 : undefined, noise: 0.1 });
          const scaled = { ...s, values: s.values.map((v) => a * v + b) };
          const x = detectCycles(s);
          const y = detectCycles(scaled);
          expect([y.daily, y.weekly]).toEqual([x.daily, x.weekly]);
        },
      ),
      { numRuns: 30, seed: 18 },
    );
  });

  it('a weekend dip is a weekly cycle once three weeks are there; a purely daily swing is not', () => {
    const weekly = traffic({ seed: 1, days: 35, step: 3600, night: 0.3, weekend: 0.6 });
    expect(detectCycles(weekly)).toMatchObject({ daily: true, weekly: true });
    expect(resolveBaseline(weekly, rule).kind).toBe('same-time-of-week');
    const daily = traffic({ seed: 2, days: 35, step: 3600, night: 0.3 });
    expect(detectCycles(daily)).toMatchObject({ daily: true, weekly: false });
    expect(resolveBaseline(daily, rule).kind).toBe('same-time-of-day');
    // two weeks cannot tell a weekly cycle yet: the daily baseline is used
    expect(detectCycles(traffic({ seed: 1, days: 14, step: 3600, night: 0.3, weekend: 0.6 })).weekly).toBeNull();
    // daily data (one point a day) can show a weekly cycle, never a daily one
    const perDay = {
      start: T0,
      step: 86400,
      values: Float64Array.from({ length: 60 }, (_, d) => (d % 7 >= 5 ? 400 : 1000) * (1 + 0.05 * Math.sin(d * 12.9898))),
    };
    expect(detectCycles(perDay)).toMatchObject({ daily: false, weekly: true });
  });

  it('under about 30 h of data the daily test cannot tell: nothing is judged (insufficient history)', () => {
    const s = traffic({ seed: 3, days: 1, step: 3600, night: 0.2 });
    expect(detectCycles(s).daily).toBeNull();
    expect(resolveBaseline(s, rule).kind).toBe('undetermined');
  });

  it('lagCorrelation skips gaps and is 1 for a repeating pattern', () => {
    const x = [1, 5, 2, 1, 5, 2, NaN, 5, 2, 1, 5, 2];
    const r = lagCorrelation(x, 3);
    expect(r.r).toBeCloseTo(1, 12);
    expect(r.pairs).toBe(7);
    expect(Number.isNaN(lagCorrelation([4, 4, 4, 4, 4], 1).r)).toBe(true);
  });
});
