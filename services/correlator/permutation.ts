/**
 * Single-event significance (methods.md §4.2, "single protest date"): the event window's statistic is ranked
 * among every window of the same length on the same entity's ordinary days — days with data and no calendar
 * event — giving an exact permutation p = (1 + #{ordinary windows ≥ observed}) / (1 + #ordinary windows).
 * The smallest p the history allows is 1 / (1 + #ordinary windows). Pure.
 */
import type { DayWindow } from './eca.js';

export interface PermutationResult {
  statistic: 'max-depth';
  /** the event window's deepest loss (0 = no outage), null when some day of the window had no data */
  observed: number | null;
  p: number | null;
  /** ordinary windows compared against */
  windows: number;
  /** how many of them were at least as deep */
  atLeastAsDeep: number;
  smallestAttainableP: number | null;
  note: string | null;
}

/**
 * @param depth per day: deepest loss (0 when nothing), NaN when no data
 * @param busy per day: 1 when the day lies in some calendar event's window (not ordinary)
 */
export function singleEventPermutation(depth: Float64Array, busy: Uint8Array, w: DayWindow): PermutationResult {
  const len = depth.length;
  const L = w.until - w.from + 1;
  const base = { statistic: 'max-depth' as const };
  if (w.from < 0 || w.until >= len || L <= 0) {
    return { ...base, observed: null, p: null, windows: 0, atLeastAsDeep: 0, smallestAttainableP: null, note: 'the event window lies outside the data history' };
  }
  let observed = 0;
  for (let d = w.from; d <= w.until; d++) {
    const x = depth[d]!;
    if (Number.isNaN(x)) {
      return { ...base, observed: null, p: null, windows: 0, atLeastAsDeep: 0, smallestAttainableP: null, note: 'some day of the event window has no data' };
    }
    observed = Math.max(observed, x);
  }
  let windows = 0;
  let ge = 0;
  // sliding: count bad (NaN or busy) days in the window, and take the max directly (L is a few days)
  let bad = 0;
  const isBad = (d: number) => (Number.isNaN(depth[d]!) || busy[d] ? 1 : 0);
  for (let d = 0; d < Math.min(L, len); d++) bad += isBad(d);
  for (let s = 0; s + L <= len; s++) {
    if (s > 0) bad += isBad(s + L - 1) - isBad(s - 1);
    if (bad === 0) {
      windows++;
      let m = 0;
      for (let d = s; d < s + L; d++) m = Math.max(m, depth[d]!);
      if (m >= observed - 1e-12) ge++;
    }
  }
  if (windows === 0) {
    return { ...base, observed, p: null, windows: 0, atLeastAsDeep: 0, smallestAttainableP: null, note: 'no ordinary days with data to compare with' };
  }
  return {
    ...base,
    observed,
    p: (1 + ge) / (1 + windows),
    windows,
    atLeastAsDeep: ge,
    smallestAttainableP: 1 / (1 + windows),
    note: windows < 19 ? `only ${windows} ordinary windows: p cannot go below ${(1 / (1 + windows)).toFixed(3)}` : null,
  };
}
