/**
 * A signal on a regular grid: point i is at `start + i * step`, `values[i]` NaN = no data (a gap).
 * The detector's pure core works on these.
 */
export interface Series {
  start: number;
  step: number;
  values: Float64Array;
}

export const tsAt = (s: Series, i: number): number => s.start + i * s.step;

/** The most common spacing between consecutive points (the native step when the signal does not say). */
export function inferStep(ts: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < ts.length; i++) {
    const d = ts[i]! - ts[i - 1]!;
    if (d > 0) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best = 0;
  let n = -1;
  for (const [d, c] of counts) {
    if (c > n || (c === n && d < best)) {
      best = d;
      n = c;
    }
  }
  return best > 0 ? best : 300;
}

/**
 * Puts points (ts ascending or not, value null/NaN = no data) on a regular grid of `step` seconds
 * anchored at the first point; missing steps become NaN. A point off the grid goes to the nearest step.
 */
export function toGrid(
  ts: ArrayLike<number>,
  values: ArrayLike<number | null>,
  step?: number,
  range?: { from?: number; until?: number },
): Series {
  const n = ts.length;
  const st = step && step > 0 ? step : inferStep(ts);
  if (n === 0) return { start: range?.from ?? 0, step: st, values: new Float64Array(0) };
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  const start = lo;
  const len = Math.floor((hi - start) / st) + 1;
  const out = new Float64Array(len).fill(NaN);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const k = Math.round((ts[i]! - start) / st);
    if (k >= 0 && k < len) out[k] = v === null || v === undefined ? NaN : v;
  }
  return { start, step: st, values: out };
}

/** Values of `other` at the grid points of `base` (NaN where it has none). */
export function alignTo(base: Series, other: Series): Float64Array {
  const out = new Float64Array(base.values.length).fill(NaN);
  for (let i = 0; i < base.values.length; i++) {
    const k = Math.round((base.start + i * base.step - other.start) / other.step);
    if (k >= 0 && k < other.values.length) out[i] = other.values[k]!;
  }
  return out;
}
