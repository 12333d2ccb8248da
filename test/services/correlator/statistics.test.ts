import { describe, expect, it } from 'vitest';
import { ecaSeries, ecaWindows, type Binary } from '../../../services/correlator/eca.js';
import { benjaminiHochberg, binomialInterval, binomialUpperTail, poissonBinomialUpperTail } from '../../../services/correlator/stats.js';
import { surrogateTest } from '../../../services/correlator/surrogate.js';
import { singleEventPermutation } from '../../../services/correlator/permutation.js';
import { seededRandom } from '../../helpers.js';
import { clusteredOutages, randomCalendar } from './clustered.js';

describe('event coincidence analysis (CoinCalc conventions)', () => {
  // T = 10 days, ΔT = 1, τ = 0: the window holds 2 steps, p = (ΔT + 1)/(T − τ) = 0.2
  const A: Binary[] = [0, 1, 0, 0, 1, 0, 0, 0, 0, 0];
  const B: Binary[] = [1, 0, 0, 0, 0, 0, 0, 1, 0, 0];

  it('matches hand-computed rates and Poisson p-values', () => {
    const r = ecaSeries(A, B, { deltaT: 1, tau: 0 });
    expect(r.T).toBe(10);
    expect(r.windowProbability).toBeCloseTo(0.2, 12);
    // trigger: B@0 sees A@1, B@7 sees nothing → K = 1 of 2; q = 1 − 0.8² = 0.36; P(K ≥ 1) = 1 − 0.64² = 0.5904
    expect(r.trigger).toMatchObject({ k: 1, n: 2, rate: 0.5 });
    expect(r.trigger.expected).toBeCloseTo(0.36, 12);
    expect(r.trigger.p).toBeCloseTo(0.5904, 12);
    // precursor: A@1 has B@0 within [0, 1], A@4 has none in [3, 4] → K = 1 of 2, same p
    expect(r.precursor).toMatchObject({ k: 1, n: 2, rate: 0.5 });
    expect(r.precursor.p).toBeCloseTo(0.5904, 12);
  });

  it('sums the binomial tail up to N inclusive (K = N gives q^N, not 0)', () => {
    const a: Binary[] = [0, 1, 0, 0, 0, 0, 0, 1, 0, 0];
    const r = ecaSeries(a, B, { deltaT: 1, tau: 0 });
    expect(r.trigger.k).toBe(2);
    expect(r.trigger.p).toBeCloseTo(0.36 * 0.36, 12); // 0.1296
  });

  it('uses the lag τ in the window and in T − τ', () => {
    // τ = 1, ΔT = 0: B@0 needs A@1 → yes; B@7 needs A@8 → no; p = 1/(10 − 1)
    const r = ecaSeries(A, B, { deltaT: 0, tau: 1 });
    expect(r.windowProbability).toBeCloseTo(1 / 9, 12);
    expect(r.trigger.k).toBe(1);
    const q = 1 - (1 - 1 / 9) ** 2;
    expect(r.trigger.p).toBeCloseTo(1 - (1 - q) ** 2, 12);
  });

  it('blanks steps missing in either series, so gaps never count as "no outage"', () => {
    const a: Binary[] = [0, null, 0, 0, 1, 0, 0, 0, 0, 0];
    const r = ecaSeries(a, B, { deltaT: 1, tau: 0 });
    expect(r.T).toBe(9);
    expect(r.trigger.k).toBe(0);
  });

  it('window ECA with equal windows reduces to the binomial formula', () => {
    const len = 20;
    const active = new Uint8Array(len);
    const onset = new Uint8Array(len);
    const valid = new Uint8Array(len).fill(1);
    for (const d of [3, 11]) {
      active[d] = 1;
      onset[d] = 1;
    }
    const r = ecaWindows({ active, onset, valid }, [
      { from: 2, until: 4 },
      { from: 15, until: 17 },
    ]);
    // w = 3, T = 20, N_A = 2: q = 1 − (17/20)² = 0.2775; K_t = 1 of 2 → P = 1 − 0.7225²
    expect(r.trigger.k).toBe(1);
    expect(r.trigger.p).toBeCloseTo(1 - 0.7225 ** 2, 12);
    // precursor: onsets 3 (inside) and 11 (outside); the exact union of the windows holds 6 of 20 days: q = 0.3
    expect(r.precursor.k).toBe(1);
    expect(r.precursor.expected).toBeCloseTo(0.3, 12);
    expect(r.precursor.p).toBeCloseTo(1 - 0.7 ** 2, 12);
  });

  it('a window with a day without data cannot be judged', () => {
    const len = 10;
    const valid = new Uint8Array(len).fill(1);
    valid[5] = 0;
    const r = ecaWindows({ active: new Uint8Array(len), onset: new Uint8Array(len), valid }, [{ from: 4, until: 6 }]);
    expect(r.assessable).toEqual([]);
    expect(r.trigger.rate).toBeNull();
  });
});

describe('distributions and multiple testing', () => {
  it('Poisson-binomial equals the binomial for equal probabilities', () => {
    expect(poissonBinomialUpperTail(3, [0.2, 0.2, 0.2, 0.2, 0.2])).toBeCloseTo(binomialUpperTail(3, 5, 0.2), 12);
    expect(binomialUpperTail(3, 5, 0.2)).toBeCloseTo(10 * 0.008 * 0.64 + 5 * 0.0016 * 0.8 + 0.00032, 12);
  });

  it('Benjamini–Hochberg adjusts like the textbook example', () => {
    // p = 0.01, 0.04, 0.03, 0.2 → sorted 0.01, 0.03, 0.04, 0.2 → m·p/i = 0.04, 0.06, 0.0533, 0.2 → q = 0.04, 0.0533, 0.0533, 0.2
    const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.2]);
    expect(q[0]).toBeCloseTo(0.04, 12);
    expect(q[1]).toBeCloseTo(0.16 / 3, 12);
    expect(q[2]).toBeCloseTo(0.16 / 3, 12);
    expect(q[3]).toBeCloseTo(0.2, 12);
  });
});

describe('single-event permutation', () => {
  it('ranks the event window among ordinary windows and says the smallest attainable p', () => {
    const depth = new Float64Array(20).fill(0);
    const busy = new Uint8Array(20);
    depth[10] = 0.8; // the event
    depth[3] = 0.9; // one deeper ordinary day
    busy[10] = 1;
    busy[11] = 1;
    const r = singleEventPermutation(depth, busy, { from: 10, until: 11 });
    // non-overlapping 2-day windows in phase with the event: [0,1], [2,3], … [18,19] = 10, less the event's own = 9
    // (sliding windows would count 16 that share their days and overstate the resolution)
    expect(r.windows).toBe(9);
    expect(r.atLeastAsDeep).toBe(1); // [2,3]
    expect(r.p).toBeCloseTo(2 / 10, 12);
    expect(r.smallestAttainableP).toBeCloseTo(1 / 10, 12);
  });

  it('gives no p when the event window has no data', () => {
    const depth = new Float64Array(10).fill(0);
    depth[5] = Number.NaN;
    const r = singleEventPermutation(depth, new Uint8Array(10), { from: 4, until: 6 });
    expect(r.p).toBeNull();
    expect(r.note).toMatch(/no data/);
  });
});

describe('surrogate test', () => {
  it('finds a calendar whose events all come with an outage, and not a shuffled one', () => {
    const len = 364 * 4;
    const rnd = seededRandom(7);
    const s = clusteredOutages(len, rnd, { gaps: false });
    const cal = randomCalendar(len, 25, rnd);
    for (const w of cal) s.active[w.from + 2] = 1; // an outage the day after each event
    const r = surrogateTest(s, cal, { B: 9999, seed: 3 });
    expect(r.exhaustive).toBe(true);
    expect(r.trigger.observed).toBe(1);
    expect(r.trigger.p).toBeCloseTo(r.smallestAttainableP, 12);
    const r2 = surrogateTest(s, randomCalendar(len, 25, seededRandom(99)), { B: 9999, seed: 3 });
    expect(r2.trigger.p!).toBeGreaterThan(0.05);
  });

  it('is reproducible with a seed (block permutation)', () => {
    const len = 730;
    const s = clusteredOutages(len, seededRandom(1));
    const cal = randomCalendar(len, 10, seededRandom(2));
    const a = surrogateTest(s, cal, { method: 'block-permutation', B: 499, seed: 5 });
    const b = surrogateTest(s, cal, { method: 'block-permutation', B: 499, seed: 5 });
    expect(a).toEqual(b);
    expect(a.B).toBe(499);
    expect(a.smallestAttainableP).toBeCloseTo(1 / 500, 12);
  });

  it('is honest: on random calendars against clustered outages the false-positive rate at α = 0.05 is ~5%', () => {
    const trials = 1000;
    const len = 521 * 7; // ten years
    let positives = 0;
    let poissonPositives = 0;
    for (let i = 0; i < trials; i++) {
      const rnd = seededRandom(1000 + i);
      const s = clusteredOutages(len, rnd);
      const cal = randomCalendar(len, 30, rnd);
      const r = surrogateTest(s, cal, { seed: i });
      if (r.trigger.p !== null && r.trigger.p <= 0.05) positives++;
      const e = ecaWindows(s, cal);
      if (e.trigger.p !== null && e.trigger.p <= 0.05) poissonPositives++;
    }
    const [lo, hi] = binomialInterval(trials, 0.05, 0.99);
    expect(positives).toBeGreaterThanOrEqual(lo);
    expect(positives).toBeLessThanOrEqual(hi);
    // the analytic Poisson null ignores clustering and is not calibrated here — the reason the surrogate is the main test
    expect(poissonPositives).toBeLessThan(lo);
  });
});
