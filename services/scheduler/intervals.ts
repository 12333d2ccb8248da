import { mergeIntervals } from '../../collectors/framework/windows.js';

/** Half-open intervals `[from, until)` in Unix seconds, and the few set operations the planner needs. */
export type Interval = readonly [number, number];

/** Sorts and merges overlapping or touching intervals; drops empty ones. */
export function normalize(list: readonly Interval[]): Interval[] {
  return mergeIntervals(list);
}

/** The parts of `[from, until)` not in `covered` (normalized), oldest first. */
export function subtract(from: number, until: number, covered: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let cur = from;
  for (const [a, b] of normalize(covered)) {
    if (b <= cur) continue;
    if (a >= until) break;
    if (a > cur) out.push([cur, Math.min(a, until)]);
    cur = Math.max(cur, b);
    if (cur >= until) break;
  }
  if (cur < until) out.push([cur, until]);
  return out;
}

/** Intersection of two interval lists. */
export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const x = normalize(a);
  const y = normalize(b);
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const [a0, a1] = x[i]!;
    const [b0, b1] = y[j]!;
    const lo = Math.max(a0, b0);
    const hi = Math.min(a1, b1);
    if (hi > lo) out.push([lo, hi]);
    if (a1 < b1) i++;
    else j++;
  }
  return out;
}

/** Total length in seconds. */
export function measure(list: readonly Interval[]): number {
  return normalize(list).reduce((s, [a, b]) => s + (b - a), 0);
}

/**
 * Cuts `[from, until)` at multiples of `chunk` (epoch-aligned, so re-planning yields the same windows),
 * newest piece first.
 */
export function chunkNewestFirst(from: number, until: number, chunk: number): Interval[] {
  const out: Interval[] = [];
  if (!(until > from)) return out;
  if (!(chunk > 0)) return [[from, until]];
  let hi = until;
  while (hi > from) {
    const lo = Math.max(from, Math.ceil(hi / chunk) * chunk - chunk);
    out.push([lo, hi]);
    hi = lo;
  }
  return out;
}
