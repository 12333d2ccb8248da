import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDetectorConfig, ruleFor } from '../../../services/detector/config.js';
import { detectDrops, type Episode } from '../../../services/detector/drops.js';
import type { Series } from '../../../services/detector/series.js';
import { seededRandom } from '../../helpers.js';

const STEP = 300;
const T0 = Date.UTC(2022, 0, 1) / 1000;
const cfg = parseDetectorConfig({});
const rule = ruleFor('custom.connectivity', cfg)!;

/** Three days of 5-minute points around `level`, ±noise (uniform, seeded). */
function noisy(seed: number, level: number, noise: number, days = 3): Series {
  const rnd = seededRandom(seed);
  const values = new Float64Array((days * 86400) / STEP);
  for (let i = 0; i < values.length; i++) values[i] = level * (1 + noise * (2 * rnd() - 1));
  return { start: T0, step: STEP, values };
}

function withGaps(s: Series, seed: number, count: number, maxLen: number): Series {
  const rnd = seededRandom(seed);
  const values = Float64Array.from(s.values);
  for (let g = 0; g < count; g++) {
    const at = Math.floor(rnd() * values.length);
    const len = 1 + Math.floor(rnd() * maxLen);
    values.fill(NaN, at, Math.min(values.length, at + len));
  }
  return { ...s, values };
}

const find = (s: Series): Episode[] => detectDrops(s, rule, 'custom.connectivity').episodes;

describe('connectivity drops', () => {
  it('a flat signal has no outage', () => {
    expect(find({ start: T0, step: STEP, values: new Float64Array(864).fill(500) })).toEqual([]);
  });

  it('a merely noisy signal (±10%, seeded) has none, with or without gaps', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.double({ min: 25, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 0.1, noNaN: true }),
        (seed, level, noise) => {
          const s = noisy(seed, level, noise);
          expect(find(s)).toEqual([]);
          expect(find(withGaps(s, seed + 1, 12, 72))).toEqual([]);
        },
      ),
      { seed: 20191116, numRuns: 60 },
    );
  });

  it('a 50% drop for 2 hours is found with the right start and end', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 300, max: 700 }), (seed, at) => {
        const s = noisy(seed, 1000, 0.05);
        for (let i = at; i < at + 24; i++) s.values[i] = s.values[i]! * 0.5;
        const eps = find(s);
        expect(eps).toHaveLength(1);
        expect(eps[0]!.start).toBe(T0 + at * STEP);
        expect(eps[0]!.end).toBe(T0 + (at + 24) * STEP);
        expect(eps[0]!.depth).toBeGreaterThan(0.4);
        expect(eps[0]!.depth).toBeLessThan(0.6);
        // alert area ≈ 50% × 120 min
        expect(eps[0]!.score).toBeGreaterThan(0.4 * 100 * 120);
        expect(eps[0]!.score).toBeLessThan(0.6 * 100 * 120);
      }),
      { seed: 7, numRuns: 40 },
    );
  });

  it('gaps inside or around a drop neither split it nor move its start and end', () => {
    const s = noisy(3, 1000, 0.05);
    for (let i = 500; i < 524; i++) s.values[i] = 300;
    s.values.fill(NaN, 505, 512); // inside
    s.values.fill(NaN, 480, 499); // just before
    s.values.fill(NaN, 525, 540); // just after the first normal point
    const eps = find(s);
    expect(eps.map((e) => [e.start, e.end, e.severity])).toEqual([[T0 + 500 * STEP, T0 + 524 * STEP, 'critical']]);
  });

  it('a gap never counts as zero: a signal that stops reporting has no outage', () => {
    const s = noisy(4, 1000, 0.05);
    s.values.fill(NaN, 400); // the source went silent
    expect(find(s)).toEqual([]);
  });

  it('scaling a signal changes no detection', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 863 }),
            len: fc.integer({ min: 1, max: 60 }),
            keep: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
          { maxLength: 6 },
        ),
        fc.integer({ min: 1, max: 12 }),
        (seed, drops, k) => {
          const s = withGaps(noisy(seed, 800, 0.15), seed, 4, 30);
          for (const d of drops) for (let i = d.at; i < Math.min(864, d.at + d.len); i++) s.values[i] = s.values[i]! * d.keep;
          const scaled = { ...s, values: s.values.map((v) => v * 2 ** k) };
          expect(find(scaled)).toEqual(find(s));
        },
      ),
      { seed: 11, numRuns: 60 },
    );
  });

  it('keeps an outage out of its own baseline, but takes a level shift as normal after 7 days', () => {
    // hourly, 24h window: 2 days normal, then a permanent fall to 30%
    const values = new Float64Array(24 * 14).fill(100);
    values.fill(30, 48);
    const { episodes, analysis } = detectDrops({ start: T0, step: 3600, values }, rule, 'custom.connectivity');
    expect(episodes).toHaveLength(1);
    expect(episodes[0]!.start).toBe(T0 + 48 * 3600);
    // the baseline did not follow the outage down during its first week
    expect(analysis.baseline[48 + 24 * 6]).toBe(100);
    // after 7 days of inpainting the new level is the baseline: the outage ends one step later
    expect(episodes[0]!.end).toBe(T0 + (48 + 24 * 7 + 1) * 3600);
    expect(analysis.baseline[48 + 24 * 8]).toBe(30);
  });

  it('no alert while the baseline is under the floor (20), nor before the warm-up', () => {
    const values = new Float64Array(864).fill(15);
    values.fill(1, 400, 450);
    expect(find({ start: T0, step: STEP, values })).toEqual([]);
    const early = new Float64Array(864).fill(500);
    early.fill(0, 100, 150); // inside the first 18 h: less than 75% of the 24 h window is there yet
    expect(find({ start: T0, step: STEP, values: early })).toEqual([]);
  });

  it('after a long gap the baseline is "no data" until 75% of its window is back: a drop there is not an outage', () => {
    const values = new Float64Array(864).fill(1000);
    values.fill(NaN, 288, 528); // a 20 h gap on day 2 of a 24 h window
    values.fill(300, 540, 570); // 1 h after the gap: only ~17% of the window present
    values.fill(300, 780, 810); // later: 87.5% present again
    const s = { start: T0, step: STEP, values };
    const { episodes, analysis } = detectDrops(s, rule, 'custom.connectivity');
    expect(Number.isNaN(analysis.baseline[545]!)).toBe(true);
    expect(episodes.map((e) => [e.start, e.end])).toEqual([[T0 + 780 * STEP, T0 + 810 * STEP]]);
  });

  it('uses the same time of day for daily-cycle signals (telescope)', () => {
    const tele = ruleFor('ioda.merit-nt', cfg)!;
    // chosen from the data, not from the name: the cycle is found and the same time of day is used
    expect(tele.baseline).toBe('auto');
    // 10 days of a strong daily cycle: night at 15% of day; a 7-day moving median would flag every night
    const values = new Float64Array(240);
    for (let i = 0; i < 240; i++) values[i] = i % 24 < 8 ? 150 : 1000;
    const s = { start: T0, step: 3600, values };
    expect(detectDrops(s, tele, 'ioda.merit-nt').analysis.resolved.kind).toBe('same-time-of-day');
    expect(detectDrops(s, tele, 'ioda.merit-nt').episodes).toEqual([]);
    expect(detectDrops(s, { ...tele, baseline: 'moving', window: 7 * 86400 }, 'ioda.merit-nt').episodes.length).toBeGreaterThan(0);
    // a day-time fall to 5% on day 9 is found, starting at its first hour
    for (let i = 24 * 8 + 10; i < 24 * 8 + 16; i++) values[i] = 50;
    const eps = detectDrops(s, tele, 'ioda.merit-nt').episodes;
    expect(eps.map((e) => [e.start, e.end, e.severity])).toEqual([[T0 + (24 * 8 + 10) * 3600, T0 + (24 * 8 + 16) * 3600, 'critical']]);
  });
});
