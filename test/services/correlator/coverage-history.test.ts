import { describe, expect, it } from 'vitest';
import { sourceCoverage } from '../../../services/correlator/coverage.js';

/**
 * Stands for a user's own series brought with `ingest csv` (e.g. a product's traffic per country every 2 hours)
 * that starts shortly before a protest: the detector does not judge points without enough history, and coverage
 * must say so instead of letting the reader take "no outage" as "normal".
 */
const HOUR = 3600;
const FROM = Date.UTC(2016, 4, 20) / 1000;
const UNTIL = FROM + 48 * HOUR;
const windowHours = Array.from({ length: 48 }, (_, i) => FROM + i * HOUR);
const input = (historyHours: number) => ({
  source: 'Example traffic',
  name: 'Example traffic',
  signals: [{ signal: 'custom.traffic', axis: 'connectivity' as const, hours: windowHours, historyHours }],
  checkpoints: [],
  events: 0,
});

describe('coverage names signals whose history is too short for a baseline', () => {
  it('10 h of data before the window: insufficient history (the detector needs about a day)', () => {
    const c = sourceCoverage(input(10), 'country:KZ', FROM, UNTIL);
    expect(c.hadData).toBe(true);
    expect(c.reason).toMatch(/^insufficient history: custom\.traffic \(10 h before the window\)/);
  });

  it('two days before the window: too short for a same-time-of-day baseline', () => {
    const c = sourceCoverage(input(48), 'country:KZ', FROM, UNTIL);
    expect(c.reason).toMatch(/^short history: custom\.traffic \(48 h before the window\).*three days needed/);
  });

  it('three full days before the window: nothing to say', () => {
    expect(sourceCoverage(input(72), 'country:KZ', FROM, UNTIL).reason).toBeNull();
  });
});
