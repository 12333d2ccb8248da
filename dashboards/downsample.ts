/**
 * Downsampling for charts: min/max per bucket, so a one-point dip (or spike) always survives, and
 * gaps stay gaps.
 *
 * The range [from, until) is cut into equal buckets aligned to the series step. Each bucket with data
 * yields the point holding its minimum and the point holding its maximum, in time order (one point
 * when they are the same). A bucket without any non-null value is a gap: one `null` point at its
 * start (consecutive empty buckets share one null). Leading and trailing empty stretches are left out.
 * The result never has more than `maxPoints` points.
 *
 * For rollup rows (hourly/6-hour/daily) a row carries min, mean and max of its interval and, when known
 * (`loTs`/`hiTs`, migration 0105), the times its minimum and maximum happened: the bucket's extremes are then
 * the exact points, at their own times, the same points the raw series gives for buckets made of whole rows
 * (so a daily row yields two exact points). A row without those times stands at its start time; when a bucket
 * holds a single such row whose min and max differ, the one farther from the row's mean is kept (a dip usually).
 */
export interface SeriesColumnsLike {
  ts: ArrayLike<number>;
  lo: ArrayLike<number | null>;
  hi: ArrayLike<number | null>;
  mean: ArrayLike<number | null>;
  /** time of the point holding lo / hi (default: ts) */
  loTs?: ArrayLike<number>;
  hiTs?: ArrayLike<number>;
}

export type Point = [number, number | null];

export interface DownsampleResult {
  points: Point[];
  /** Width of one bucket in seconds (the step itself when nothing was merged). */
  bucketSeconds: number;
  /** True when buckets hold more than one step. */
  downsampled: boolean;
}

/**
 * Points as two parallel columns (`n` used): times, and values with NaN for a gap (`null` in JSON; JSON.stringify
 * writes NaN as null too). The chart route serialises these directly (no array per point).
 */
export interface FlatPoints {
  n: number;
  t: Float64Array;
  v: Float64Array;
}

/** Room for the points of `rows` rows: at most one gap and two points per bucket with data, buckets ≤ rows. */
export function flatPoints(rows: number): FlatPoints {
  return { n: 0, t: new Float64Array(3 * rows + 1), v: new Float64Array(3 * rows + 1) };
}

/** `into` when it has room for the points of `rows` rows (emptied), else new columns. */
function roomFor(rows: number, into: FlatPoints | undefined): FlatPoints {
  if (!into || into.t.length < 3 * rows + 1 || into.v.length < 3 * rows + 1) return flatPoints(rows);
  into.n = 0;
  return into;
}

function bucketize(cols: SeriesColumnsLike, base: number, width: number, into?: FlatPoints): FlatPoints {
  const n = cols.ts.length;
  const out = roomFor(n, into);
  const ot = out.t;
  const ov = out.v;
  let k = 0;
  const loTs = cols.loTs ?? cols.ts;
  const hiTs = cols.hiTs ?? cols.ts;
  let cur = -1;
  let minI = -1;
  let maxI = -1;
  let lastEmitted = -1; // bucket index of the last bucket with data
  let pendingGap = false;

  const flush = () => {
    if (cur < 0) return;
    if (minI < 0) {
      // the bucket only had null values: a gap (unless it leads the series)
      if (lastEmitted >= 0) pendingGap = true;
      return;
    }
    // the first empty bucket after the last one with data marks the gap
    if (pendingGap || (lastEmitted >= 0 && cur > lastEmitted + 1)) {
      ot[k] = base + (lastEmitted + 1) * width;
      ov[k++] = NaN;
    }
    pendingGap = false;
    const tLo = loTs[minI]!;
    const tHi = hiTs[maxI]!;
    if (tLo === tHi) {
      // one point holds both extremes; or one row without extreme times: the value farther from its mean
      const lo = cols.lo[minI]!;
      const hi = cols.hi[minI]!;
      const mean = cols.mean[minI];
      let v = lo;
      if (lo !== hi && mean !== null && mean !== undefined && hi - mean > mean - lo) v = hi;
      ot[k] = tLo;
      ov[k++] = v ?? NaN;
    } else if (tLo < tHi) {
      ot[k] = tLo;
      ov[k++] = cols.lo[minI]!;
      ot[k] = tHi;
      ov[k++] = cols.hi[maxI]!;
    } else {
      ot[k] = tHi;
      ov[k++] = cols.hi[maxI]!;
      ot[k] = tLo;
      ov[k++] = cols.lo[minI]!;
    }
    lastEmitted = cur;
  };

  for (let i = 0; i < n; i++) {
    const b = Math.floor((cols.ts[i]! - base) / width);
    if (b !== cur) {
      flush();
      cur = b;
      minI = -1;
      maxI = -1;
    }
    const lo = cols.lo[i];
    const hi = cols.hi[i];
    if (lo !== null && lo !== undefined && (minI < 0 || lo < cols.lo[minI]!)) minI = i;
    if (hi !== null && hi !== undefined && (maxI < 0 || hi > cols.hi[maxI]!)) maxI = i;
  }
  flush();
  out.n = k;
  return out;
}

/** `[time, value]` tuples of flat points (NaN → null). */
export function toPoints(f: FlatPoints): Point[] {
  const out: Point[] = new Array<Point>(f.n);
  for (let i = 0; i < f.n; i++) {
    const v = f.v[i]!;
    out[i] = [f.t[i]!, v === v ? v : null];
  }
  return out;
}

/** Flat points of `[time, value]` tuples (null → NaN). */
export function fromPoints(points: readonly Point[]): FlatPoints {
  const out = flatPoints(0);
  out.t = new Float64Array(points.length);
  out.v = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    const [t, v] = points[i]!;
    out.t[i] = t;
    out.v[i] = v ?? NaN;
  }
  out.n = points.length;
  return out;
}

/** The extremes of one bucket with data, as `db/signals-read.ts` computes them in SQL. */
export interface BucketExtreme {
  /** bucket index from `base` */
  b: number;
  minTs: number;
  min: number;
  /** mean of the row holding the minimum (rollups), for a bucket of one row */
  minMean: number | null;
  maxTs: number;
  max: number;
}

/** The same points `bucketize` makes, from per-bucket extremes (buckets without data are absent). */
export function pointsFromExtremes(ext: readonly BucketExtreme[], base: number, width: number): Point[] {
  const out: Point[] = [];
  let last = -1;
  for (const e of ext) {
    if (last >= 0 && e.b > last + 1) out.push([base + (last + 1) * width, null]);
    if (e.minTs === e.maxTs) {
      let v = e.min;
      if (e.min !== e.max && e.minMean !== null && e.max - e.minMean > e.minMean - e.min) v = e.max;
      out.push([e.minTs, v]);
    } else if (e.minTs < e.maxTs) {
      out.push([e.minTs, e.min], [e.maxTs, e.max]);
    } else {
      out.push([e.maxTs, e.max], [e.minTs, e.min]);
    }
    last = e.b;
  }
  return out;
}

/** Bucket geometry for a range: base, and the first bucket width (in steps) to try. */
export function bucketPlan(
  from: number,
  until: number,
  step: number,
  maxPoints: number,
): { step: number; base: number; k: number; limit: number } {
  const s = Math.max(1, Math.round(step));
  const base = Math.floor(from / s) * s;
  const slots = Math.max(1, Math.ceil((until - base) / s));
  const limit = Math.max(2, Math.floor(maxPoints));
  // one step per bucket when every step fits; else about limit/2 buckets (each yields up to two points)
  const k = slots <= limit ? 1 : Math.ceil(slots / Math.floor(limit / 2));
  return { step: s, base, k, limit };
}

/** Downsampling with any bucketer (in JS over columns, or in SQL): widens buckets until the points fit. */
export function downsampleWith(
  bucketer: (base: number, width: number) => Point[],
  from: number,
  until: number,
  step: number,
  maxPoints: number,
): DownsampleResult {
  const r = widen(bucketer, (p) => p.length, from, until, step, maxPoints);
  return { points: r.points, bucketSeconds: r.bucketSeconds, downsampled: r.downsampled };
}

function widen<P>(
  bucketer: (base: number, width: number) => P,
  count: (p: P) => number,
  from: number,
  until: number,
  step: number,
  maxPoints: number,
): { points: P; bucketSeconds: number; downsampled: boolean } {
  const plan = bucketPlan(from, until, step, maxPoints);
  let k = plan.k;
  for (;;) {
    const points = bucketer(plan.base, k * plan.step);
    const n = count(points);
    if (n <= plan.limit) return { points, bucketSeconds: k * plan.step, downsampled: k > 1 };
    k = Math.max(k + 1, Math.ceil(k * (n / plan.limit)));
  }
}

/** `downsample` with the points as columns (what the chart route serialises). */
export interface FlatDownsampleResult {
  flat: FlatPoints;
  bucketSeconds: number;
  downsampled: boolean;
}

/**
 * `downsample`'s points as columns: the same buckets and points, without an array per point. With `into` (columns
 * kept by the caller between calls, e.g. a route serialising the points before its next request), the points are
 * written there when it has room (the result then shares its arrays), saving two typed arrays per series.
 */
export function downsampleFlat(
  cols: SeriesColumnsLike,
  from: number,
  until: number,
  step: number,
  maxPoints: number,
  into?: FlatPoints,
): FlatDownsampleResult {
  const r = widen(
    (base, width) => bucketize(cols, base, width, into),
    (f) => f.n,
    from,
    until,
    step,
    maxPoints,
  );
  return { flat: r.points, bucketSeconds: r.bucketSeconds, downsampled: r.downsampled };
}

/**
 * @param step the spacing of the rows (raw step, 3600 for hourly, 86400 for daily; at least 1)
 */
export function downsample(cols: SeriesColumnsLike, from: number, until: number, step: number, maxPoints: number): DownsampleResult {
  const r = downsampleFlat(cols, from, until, step, maxPoints);
  return { points: toPoints(r.flat), bucketSeconds: r.bucketSeconds, downsampled: r.downsampled };
}
