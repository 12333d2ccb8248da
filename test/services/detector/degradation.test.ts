import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDetectorConfig } from '../../../services/detector/config.js';
import { dailyLevels } from '../../../services/detector/degradation.js';
import { detectEntity, type NamedSeries } from '../../../services/detector/detect.js';
import type { Series } from '../../../services/detector/series.js';
import { T0, traffic } from './traffic.js';

const cfg = parseDetectorConfig({});
const DAY = 86400;

/** A product's traffic in one country (services axis, e.g. YouTube), hourly, with its daily and weekly cycles. */
function service(seed: number, days = 120, step = 3600): Series {
  return traffic({ seed, days, step, night: 0.3, weekend: 0.8, noise: 0.08, gaps: 40 });
}

const asService = (series: Series, synthetic = false): NamedSeries => ({
  name: 'custom.traffic',
  series,
  axis: 'services',
  target: 'youtube.com',
  synthetic,
});

function shift(s: Series, fromDay: number, factor: number, rampDays = 0): Series {
  const perDay = DAY / s.step;
  const values = Float64Array.from(s.values, (v, i) => {
    const d = i / perDay;
    if (d < fromDay) return v;
    const f = rampDays > 0 ? 1 - (1 - factor) * Math.min(1, (d - fromDay) / rampDays) : factor;
    return v * f;
  });
  return { ...s, values };
}

describe('slow degradation of a services signal (throttling)', () => {
  it('a 30 % level shift gives exactly one degradation, starting within two days of the shift, and no blocking', () => {
    // stands for a product throttled in one country from one day on (e.g. Twitter in Russia, March 2021)
    const shiftDay = 70;
    const { outages } = detectEntity('country:RU', [asService(shift(service(21), shiftDay, 0.7))], cfg);
    expect(outages.map((o) => o.kind)).toEqual(['degradation']);
    const o = outages[0]!;
    expect(Math.abs(o.start - (T0 + shiftDay * DAY))).toBeLessThanOrEqual(2 * DAY);
    expect(o.open).toBe(true);
    expect(o.targets).toEqual(['youtube.com']);
    expect(o.lostPercent).toBeGreaterThan(25);
    expect(o.lostPercent).toBeLessThan(35);
    expect(o.severity).toBe('warning');
  });

  it('any shift of 25–40 % on any day after the first five weeks is one degradation near its start (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.double({ min: 0.6, max: 0.75, noNaN: true }),
        fc.integer({ min: 40, max: 90 }),
        (seed, factor, day) => {
          const { outages } = detectEntity('country:RU', [asService(shift(service(seed), day, factor))], cfg);
          const deg = outages.filter((o) => o.kind === 'degradation');
          expect(deg).toHaveLength(1);
          expect(Math.abs(deg[0]!.start - (T0 + day * DAY))).toBeLessThanOrEqual(2 * DAY);
          expect(outages.filter((o) => o.kind === 'connectivity' || o.kind === 'both')).toEqual([]);
        },
      ),
      { numRuns: 15, seed: 44 },
    );
  });

  it('a slide to 35 % below over ten days is found as one degradation', () => {
    const { outages } = detectEntity('country:RU', [asService(shift(service(22), 60, 0.65, 10))], cfg);
    expect(outages.map((o) => o.kind)).toEqual(['degradation']);
    expect(outages[0]!.start).toBeGreaterThanOrEqual(T0 + 60 * DAY);
    expect(outages[0]!.start).toBeLessThanOrEqual(T0 + 70 * DAY);
  });

  it('a throttling that ends is a closed episode; the level back to normal raises nothing more', () => {
    const s = shift(service(23), 60, 0.7);
    const perDay = 24;
    for (let i = 80 * perDay; i < s.values.length; i++) s.values[i] = s.values[i]! / 0.7;
    const { outages } = detectEntity('country:RU', [asService(s)], cfg);
    expect(outages.map((o) => o.kind)).toEqual(['degradation']);
    expect(outages[0]!.open).toBe(false);
    expect(Math.abs(outages[0]!.end - (T0 + 80 * DAY))).toBeLessThanOrEqual(2 * DAY);
  });

  it('a services signal never yields a connectivity outage; a sudden block is service-blocking, not degradation', () => {
    const s = service(24);
    s.values.fill(5, 80 * 24 + 10, 80 * 24 + 20); // ten hours at almost nothing
    const { outages } = detectEntity('country:RU', [asService(s, true)], cfg);
    expect(outages.map((o) => o.kind)).toEqual(['service-blocking']);
    expect(outages[0]!.synthetic).toBe(true);
    expect(outages[0]!.lostPercent).toBeGreaterThan(90);
  });

  it('a connectivity signal with the same 30 % shift is no degradation (degradation is a services finding)', () => {
    const { outages } = detectEntity(
      'country:RU',
      [{ name: 'custom.connectivity', series: shift(service(21), 70, 0.7), axis: 'connectivity' }],
      cfg,
    );
    expect(outages.some((o) => o.kind === 'degradation')).toBe(false);
  });

  it('an ordinary services signal with gaps, weekends and noise: nothing', () => {
    const s = service(25, 200);
    s.values.fill(NaN, 100 * 24, 110 * 24);
    expect(detectEntity('country:RU', [asService(s)], cfg).outages).toEqual([]);
  });

  it('daily levels leave days under 75 % covered as gaps, never as low days', () => {
    const s: Series = { start: T0, step: 3600, values: new Float64Array(72).fill(100) };
    s.values.fill(NaN, 24, 24 + 7); // day 2: 17 of 24 hours
    s.values.fill(NaN, 48, 48 + 6); // day 3: 18 of 24 hours
    const { levels } = dailyLevels(s);
    expect(levels[0]).toBe(100);
    expect(Number.isNaN(levels[1]!)).toBe(true);
    expect(levels[2]).toBe(100);
  });
});
