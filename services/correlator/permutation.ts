/**
 * Single-event significance (methods.md §4.2, "single protest date"): the event window's statistic is ranked
 * among the windows of the same length on the same entity's ordinary time — with data and no calendar event —
 * giving a permutation p = (1 + #{ordinary windows ≥ observed}) / (1 + #ordinary windows).
 *
 * The comparison windows do not overlap: the history is tiled into consecutive windows of the event window's
 * length, in phase with it (same time of day), and a tile counts when it is ordinary. Overlapping sliding
 * windows would share their days and overstate the resolution (101 sliding 5-day windows are about 20
 * independent ones). The smallest p the history allows is therefore 1 / (1 + #tiles). Pure.
 */
import { neededValid, type DayWindow } from './eca.js';

export interface PermutationResult {
  statistic: 'max-depth';
  /** the event window's deepest loss (0 = no outage), null when the window had too little data */
  observed: number | null;
  p: number | null;
  /** non-overlapping ordinary windows compared against */
  windows: number;
  /** how many of them were at least as deep */
  atLeastAsDeep: number;
  smallestAttainableP: number | null;
  note: string | null;
}

export interface PermutationOptions {
  /** share of a window's steps that must have data (default 1: every step) */
  minValid?: number;
}

/** The maxima of the ordinary tiles of one length and phase, reusable across events (see `tileMaxima`). */
export type TileCache = Map<string, Float64Array>;

/**
 * Maxima of the ordinary, sufficiently covered tiles of length L starting at `phase` (mod L).
 * @param depth per step: deepest loss (0 when nothing), NaN when no data
 * @param busy per step: 1 when the step lies in some calendar event's window (not ordinary)
 */
export function tileMaxima(depth: Float64Array, busy: Uint8Array, L: number, phase: number, minValid = 1, cache?: TileCache): Float64Array {
  const key = `${L}:${phase}:${minValid}`;
  const hit = cache?.get(key);
  if (hit) return hit;
  const need = neededValid(L, minValid);
  const out: number[] = [];
  for (let s = phase; s + L <= depth.length; s += L) {
    let m = 0;
    let ok = 0;
    let bad = false;
    for (let d = s; d < s + L; d++) {
      if (busy[d]) {
        bad = true;
        break;
      }
      const x = depth[d]!;
      if (Number.isNaN(x)) continue;
      ok++;
      if (x > m) m = x;
    }
    if (!bad && ok >= need) out.push(m);
  }
  const arr = Float64Array.from(out);
  cache?.set(key, arr);
  return arr;
}

export function singleEventPermutation(
  depth: Float64Array,
  busy: Uint8Array,
  w: DayWindow,
  opts: PermutationOptions & { cache?: TileCache } = {},
): PermutationResult {
  const len = depth.length;
  const L = w.until - w.from + 1;
  const base = { statistic: 'max-depth' as const };
  if (w.from < 0 || w.until >= len || L <= 0) {
    return {
      ...base,
      observed: null,
      p: null,
      windows: 0,
      atLeastAsDeep: 0,
      smallestAttainableP: null,
      note: 'the event window lies outside the data history',
    };
  }
  let observed = 0;
  let ok = 0;
  for (let d = w.from; d <= w.until; d++) {
    const x = depth[d]!;
    if (Number.isNaN(x)) continue;
    ok++;
    observed = Math.max(observed, x);
  }
  if (ok < neededValid(L, opts.minValid)) {
    return {
      ...base,
      observed: null,
      p: null,
      windows: 0,
      atLeastAsDeep: 0,
      smallestAttainableP: null,
      note: ok === 0 ? 'no data in the event window' : 'some of the event window has no data',
    };
  }
  const tiles = tileMaxima(depth, busy, L, ((w.from % L) + L) % L, opts.minValid ?? 1, opts.cache);
  const windows = tiles.length;
  let ge = 0;
  for (let i = 0; i < windows; i++) if (tiles[i]! >= observed - 1e-12) ge++;
  if (windows === 0) {
    return {
      ...base,
      observed,
      p: null,
      windows: 0,
      atLeastAsDeep: 0,
      smallestAttainableP: null,
      note: 'no ordinary windows with data to compare with',
    };
  }
  return {
    ...base,
    observed,
    p: (1 + ge) / (1 + windows),
    windows,
    atLeastAsDeep: ge,
    smallestAttainableP: 1 / (1 + windows),
    note: windows < 19 ? `only ${windows} non-overlapping ordinary windows: p cannot go below ${(1 / (1 + windows)).toFixed(3)}` : null,
  };
}
