/**
 * Cuts [from, until) into consecutive windows of at most `maxLength` seconds. `align` (e.g. the native
 * step, or a day) rounds `from` down and `until` up to a multiple of it, and every cut falls on a multiple
 * of it too, so points never straddle a window boundary.
 */
export function planWindows(from: number, until: number, opts: { maxLength: number; align?: number }): Array<[number, number]> {
  const align = opts.align ?? 1;
  if (!(align > 0) || !Number.isInteger(align)) throw new Error(`align must be a positive whole number of seconds, got ${align}`);
  const max = Math.floor(opts.maxLength / align) * align;
  if (!(max > 0)) throw new Error(`maxLength ${opts.maxLength} is shorter than align ${align}`);
  const start = Math.floor(from / align) * align;
  const end = Math.ceil(until / align) * align;
  const out: Array<[number, number]> = [];
  for (let t = start; t < end; t += max) out.push([t, Math.min(t + max, end)]);
  return out;
}

/** Union of intervals, sorted and merged. */
export function mergeIntervals(intervals: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const sorted = intervals
    .filter(([a, b]) => b > a)
    .map(([a, b]) => [a, b] as [number, number])
    .sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
