import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndexedMedian, SlidingMedian } from '../../../services/detector/median.js';

function naiveMedian(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

describe('SlidingMedian', () => {
  it('equals the median of a re-sorted window for any sequence of values and window size', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 40 }), (xs, w) => {
        const m = new SlidingMedian();
        for (let i = 0; i < xs.length; i++) {
          if (i >= w) m.remove(xs[i - w]!);
          m.add(xs[i]!);
          const win = xs.slice(Math.max(0, i - w + 1), i + 1);
          expect(m.size).toBe(win.length);
          expect(m.median()).toBe(naiveMedian(win));
        }
      }),
      { seed: 8, numRuns: 200 },
    );
  });

  it('handles removals in any order (what the inpainting swap does)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 200 }), fc.integer(), (xs, seed) => {
        const m = new SlidingMedian();
        const live = [...xs];
        for (const x of xs) m.add(x);
        let s = seed >>> 0;
        while (live.length > 0) {
          s = (s * 1103515245 + 12345) >>> 0;
          const [x] = live.splice(s % live.length, 1);
          m.remove(x!);
          expect(m.median()).toBe(naiveMedian(live));
        }
      }),
      { seed: 9, numRuns: 100 },
    );
  });

  it('IndexedMedian (what the baselines use) equals a re-sorted window, removing items by id in any order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer(),
        (xs, w, seed) => {
          const vals = Float64Array.from(xs);
          const m = new IndexedMedian(vals, new Int32Array(xs.length), new Int8Array(xs.length), 2);
          const live = new Set<number>();
          let s = seed >>> 0;
          for (let i = 0; i < xs.length; i++) {
            m.add(i);
            live.add(i);
            if (live.size > w) {
              // evict a pseudo-random live id, not only the oldest
              s = (s * 1103515245 + 12345) >>> 0;
              const ids = [...live];
              const id = ids[s % ids.length]!;
              m.remove(id);
              live.delete(id);
            }
            expect(m.size).toBe(live.size);
            expect(m.median()).toBe(naiveMedian([...live].map((k) => vals[k]!)));
            // the form the moving baseline reads it in: written to an array, NaN below the coverage it needs
            const out = new Float64Array(1);
            const need = (s % 4) + 1;
            m.medianInto(out, 0, need);
            expect(out[0]).toBe(live.size >= need ? naiveMedian([...live].map((k) => vals[k]!)) : NaN);
          }
        },
      ),
      { seed: 10, numRuns: 150 },
    );
  });

  it('IndexedMedian.replace (a moving window sliding by one point) equals a removal then an addition, for any item held or not', () => {
    // the moving baseline slides with replace(oldest, newest); gaps mean the oldest is sometimes not held, and the
    // put-back of kept-out values removes and re-adds items in the middle of the window
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant(Number.NaN)), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer(),
        (xs, w, seed) => {
          const vals = Float64Array.from(xs);
          const m = new IndexedMedian(vals, new Int32Array(xs.length), new Int8Array(xs.length), 2);
          const live = new Set<number>();
          let s = seed >>> 0;
          for (let i = 0; i < xs.length; i++) {
            const out = i - w;
            if (xs[i] === xs[i]) {
              if (out >= 0) m.replace(out, i);
              else m.add(i);
              live.add(i);
            } else if (out >= 0) m.remove(out);
            live.delete(out);
            // removing an item no longer held does nothing
            if (out > 0) m.remove(out - 1);
            s = (s * 1103515245 + 12345) >>> 0;
            if (s % 3 === 0 && live.size > 0) {
              // a held item's value changes (an original put back in place of its prediction)
              const ids = [...live];
              const id = ids[s % ids.length]!;
              m.remove(id);
              vals[id] = (s % 11) - 5;
              m.add(id);
            }
            expect(m.size).toBe(live.size);
            expect(m.median()).toBe(naiveMedian([...live].map((k) => vals[k]!)));
          }
        },
      ),
      { seed: 11, numRuns: 200 },
    );
  });
});
