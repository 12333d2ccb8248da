/**
 * The block permutation is evaluated block by block on the original prefix sums (a surrogate costs
 * O(windows + blocks) instead of O(steps)). Property: it gives exactly what rebuilding each shuffled series step
 * by step gives, for any series, calendar, block length and seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefix, type DailyOutages, type DayWindow } from '../../../services/correlator/eca.js';
import { surrogateTest } from '../../../services/correlator/surrogate.js';
import { seededRandom } from '../../helpers.js';

/** The straightforward version: shuffle the blocks, rebuild the series, count (the same RNG draws). */
function naive(series: DailyOutages, windows: DayWindow[], B: number, seed: number, L: number) {
  const rnd = seededRandom(seed);
  const len = series.valid.length;
  const ws = windows.filter((w) => w.from >= 0 && w.until < len && w.until >= w.from);
  const union = new Uint8Array(len);
  for (const w of ws) for (let d = w.from; d <= w.until; d++) union[d] = 1;
  const nBlocks = Math.ceil(len / L);
  const order = Array.from({ length: nBlocks }, (_, i) => i);
  const out: Array<[number, number, number, number]> = [];
  for (let b = 0; b < B; b++) {
    for (let i = nBlocks - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const A = new Uint8Array(len);
    const V = new Uint8Array(len);
    let pos = 0;
    let kp = 0;
    for (const blk of order) {
      for (let src = blk * L; src < Math.min(len, blk * L + L); src++) {
        A[pos] = series.active[src]!;
        V[pos] = series.valid[src]!;
        if (series.valid[src] && series.onset[src] && union[pos]) kp++;
        pos++;
      }
    }
    const sA = prefix(A);
    const sV = prefix(V);
    let k = 0;
    let n = 0;
    for (const w of ws) {
      if (sV[w.until + 1]! - sV[w.from]! !== w.until - w.from + 1) continue;
      n++;
      if (sA[w.until + 1]! - sA[w.from]! > 0) k++;
    }
    out.push([k, n, kp, 0]);
  }
  return out;
}

describe('block permutation', () => {
  it('block-wise evaluation equals rebuilding every surrogate series', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 120 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 119 }), fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 8 }),
        (len, L, seed, wins) => {
          const rnd = seededRandom(seed + 1);
          const active = new Uint8Array(len);
          const onset = new Uint8Array(len);
          const valid = new Uint8Array(len);
          for (let i = 0; i < len; i++) {
            valid[i] = rnd() < 0.9 ? 1 : 0;
            active[i] = rnd() < 0.2 ? 1 : 0;
            onset[i] = active[i] && (i === 0 || !active[i - 1]) ? 1 : 0;
          }
          const windows = wins.map(([f, w]) => ({ from: f % len, until: Math.min(len - 1, (f % len) + w) }));
          const series = { active, onset, valid };
          const B = 15;
          const r = surrogateTest(series, windows, { method: 'block-permutation', B, seed, blockDays: L });
          const ref = naive(series, windows, B, seed, L);
          // recompute the p-values of the trigger and precursor rates from the naive surrogates (ties → ≥)
          const obsOnsets: number[] = [];
          for (let i = 0; i < len; i++) if (onset[i] && valid[i]) obsOnsets.push(i);
          const nullT = ref.filter(([, n]) => n > 0).map(([k, n]) => k / n);
          const meanT = nullT.length ? nullT.reduce((a, b) => a + b, 0) / nullT.length : null;
          expect(r.trigger.nullMean === null ? null : Math.round(r.trigger.nullMean * 1e9)).toBe(
            meanT === null ? null : Math.round(meanT * 1e9),
          );
          const nullP = obsOnsets.length ? ref.map(([, , kp]) => kp / obsOnsets.length) : [];
          const meanP = nullP.length ? nullP.reduce((a, b) => a + b, 0) / nullP.length : null;
          expect(r.precursor.nullMean === null ? null : Math.round(r.precursor.nullMean * 1e9)).toBe(
            meanP === null ? null : Math.round(meanP * 1e9),
          );
        },
      ),
      { numRuns: 200, seed: 17 },
    );
  });
});
