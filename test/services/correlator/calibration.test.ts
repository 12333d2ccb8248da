/**
 * Calibration of every variant of the set test (issue 17): trigger and precursor × circular shift and block
 * permutation, on random calendars against a clustered outage process (bursts of 1–7-day episodes and collector
 * gaps: the shape of IODA's investigated outages for Iran or Venezuela, where shutdowns come in campaigns). No
 * calendar is linked to the outages, so the share of p ≤ 0.05 must lie in the 99 % binomial band around 5 %.
 * Power: the same with a planted coupling — each of the 30 events is followed, with probability 0.2, by an
 * extra 1–2-day outage starting on the event day or the day after (about 6 of 30 events, against a background
 * where a 4-day window already holds an outage ~10–15 % of the time). Seeded; daily steps (the functions are the
 * same on the hourly steps the correlator uses, with `stepsPerDay: 24`).
 */
import { describe, expect, it } from 'vitest';
import { binomialInterval } from '../../../services/correlator/stats.js';
import { calibrate } from './calibration.js';

const TRIALS = 600;
const [lo, hi] = binomialInterval(TRIALS, 0.05, 0.99);

describe.each(['circular-shift', 'block-permutation'] as const)('%s surrogate test', (method) => {
  it(`keeps the false-positive rate at α = 0.05 inside the 99 % band (${lo}–${hi} of ${TRIALS}) for the trigger and the precursor test`, () => {
    const r = calibrate({ method, trials: TRIALS, B: 199 });
    expect(r.positives.trigger).toBeGreaterThanOrEqual(lo);
    expect(r.positives.trigger).toBeLessThanOrEqual(hi);
    expect(r.positives.precursor).toBeGreaterThanOrEqual(lo);
    expect(r.positives.precursor).toBeLessThanOrEqual(hi);
  });

  it('finds a planted coupling (20 % of events followed by an outage) with power ≥ 0.8', () => {
    const r = calibrate({ method, trials: 150, B: 199, coupling: 0.2, seed: 50000 });
    expect(r.trigger).toBeGreaterThanOrEqual(0.8);
    expect(r.precursor).toBeGreaterThanOrEqual(0.8);
  });
});
