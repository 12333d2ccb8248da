import { describe, expect, it } from 'vitest';
import { insufficientRanges } from '../../../services/detector/baselines.js';
import { parseDetectorConfig, ruleFor } from '../../../services/detector/config.js';
import { detectEntity, signalHistory } from '../../../services/detector/detect.js';
import { detectDrops } from '../../../services/detector/drops.js';
import type { Series } from '../../../services/detector/series.js';
import { T0, traffic } from './traffic.js';

const cfg = parseDetectorConfig({});
const DAY = 86400;
const detect = (s: Series, name = 'custom.traffic') => detectEntity('country:BR', [{ name, series: s }], cfg);

describe('baselines for a series brought with `ingest csv` (a product’s traffic per country, every 2 hours)', () => {
  it('two days of a daily-cycle series: no outage, and the history is reported as insufficient', () => {
    // the reported bug: the first night dip was flagged as a critical connectivity outage
    const s = traffic({ seed: 5, days: 2, step: 7200, night: 0.15 });
    const r = detect(s);
    expect(r.outages).toEqual([]);
    expect(r.history[0]!.baseline).toBe('same-time-of-day');
    expect(r.history[0]!.needs).toBe(3 * DAY);
    expect(r.history[0]!.insufficient).toEqual([{ start: T0, end: T0 + 2 * DAY }]);
  });

  it('signalHistory gives the same state alone (for coverage), and nothing for signals without a rule', () => {
    const s = traffic({ seed: 5, days: 2, step: 7200, night: 0.15 });
    expect(signalHistory({ name: 'custom.traffic', series: s }, cfg)).toEqual(detect(s).history[0]);
    expect(signalHistory({ name: 'ooni.anomaly_rate:x', series: s }, cfg)).toBeNull();
  });

  it('months of a daily-cycle series: no night is flagged (a 24 h moving median flags every one)', () => {
    const s = traffic({ seed: 6, days: 90, step: 7200, night: 0.15, noise: 0.08, gaps: 30 });
    expect(detect(s).outages).toEqual([]);
    const moving = detectDrops(s, { ...ruleFor('custom.traffic', cfg)!, baseline: 'moving' }, 'custom.traffic').episodes;
    expect(moving.length).toBeGreaterThan(60);
  });

  it('from the fourth day on a real drop is found at the same time of day; before, it is "insufficient history"', () => {
    const s = traffic({ seed: 7, days: 10, step: 3600, night: 0.3, noise: 0.05 });
    s.values.fill(20, 2 * 24 + 10, 2 * 24 + 16); // day 3, 10:00–16:00: only two days before it
    s.values.fill(20, 5 * 24 + 10, 5 * 24 + 16); // day 6
    const r = detect(s);
    expect(r.outages.map((o) => [o.start, o.end])).toEqual([[T0 + 5 * DAY + 10 * 3600, T0 + 5 * DAY + 16 * 3600]]);
    expect(r.outages[0]!.lostPercent).toBeGreaterThan(95);
    expect(r.outages[0]!.hours).toBe(6);
    expect(r.history[0]!.insufficient).toEqual([{ start: T0, end: T0 + 3 * DAY }]);
  });

  it('a signal without a cycle needs about a day (18 h of a 24 h moving median)', () => {
    const s = traffic({ seed: 8, days: 4, step: 3600, noise: 0.05 });
    const r = detect(s);
    expect(r.history[0]!.baseline).toBe('moving');
    expect(r.history[0]!.insufficient).toEqual([{ start: T0, end: T0 + 18 * 3600 }]);
  });

  it('gaps are never drops: missing month-ends, blank hours and NULL stretches give nothing', () => {
    const s = traffic({ seed: 9, days: 120, step: 3600, night: 0.2, weekend: 0.7, noise: 0.05 });
    for (let d = 0; d < 120; d++) {
      const date = new Date((T0 + d * DAY) * 1000);
      const next = new Date((T0 + (d + 1) * DAY) * 1000);
      if (next.getUTCMonth() !== date.getUTCMonth()) s.values.fill(NaN, d * 24, (d + 1) * 24); // the last day of each month is missing
      if (d % 9 === 0) s.values.fill(NaN, d * 24 + 3, d * 24 + 9); // blank hours
    }
    s.values.fill(NaN, 70 * 24, 75 * 24); // five days of NULL
    const r = detect(s);
    expect(r.outages).toEqual([]);
    // as a services signal too: no drop, no degradation
    expect(
      detectEntity('country:BR', [{ name: 'custom.traffic', series: s, axis: 'services', target: 'example.com' }], cfg).outages,
    ).toEqual([]);
    // a weekday/weekend cycle: the same time of week, judged from the fourth week on (three weeks of history)
    expect(r.history[0]!.baseline).toBe('same-time-of-week');
    expect(r.history[0]!.insufficient[0]).toEqual({ start: T0, end: T0 + 21 * DAY });
  });

  it('insufficientRanges: runs of points with data and no baseline, gaps inside do not split them', () => {
    const s: Series = { start: 0, step: 10, values: Float64Array.from([1, NaN, 1, 1, 1, NaN, 1]) };
    const b = Float64Array.from([NaN, NaN, NaN, 5, NaN, NaN, 5]);
    expect(insufficientRanges(s, b)).toEqual([
      { start: 0, end: 30 },
      { start: 40, end: 50 },
    ]);
  });

  it('six years of hourly and of 5-minute traffic with daily and weekly cycles and noise: at most one false episode a year', () => {
    // stands for a real multi-year export (e.g. a product's per-country traffic) in which nothing happened:
    // night at 25 % of day, weekends at 75 %, ±10 % noise per point, a level wandering 2 % a day, 200 short gaps
    for (const step of [3600, 300]) {
      let episodes = 0;
      for (const seed of [101, 102]) {
        const s = traffic({ seed, days: 6 * 365, step, night: 0.25, weekend: 0.75, noise: 0.1, drift: 0.02, gaps: 200 });
        const r = detect(s);
        expect(r.history[0]!.baseline).toBe('same-time-of-week');
        episodes += r.outages.length;
      }
      // measured (docs/detector.md, "False alarms"): hourly 3 in 12 years, 5-minute 10 in 12 years
      expect(episodes / 12, `step ${step}`).toBeLessThanOrEqual(1);
    }
  });
});
