import { isoUtc } from '../../core/time.js';

/** A rollup row as the store reads it (hourly or daily: min, mean and max of `n` non-null values). */
export interface RollupLike {
  ts: number;
  min: number | null;
  mean: number | null;
  max: number | null;
  n: number;
}

const HOUR = 3600;
const DAY = 86400;

/**
 * At most this many points (or buckets) per chart series: about three per horizontal pixel of an A4-wide chart, so an event report (about 8 days of 5-minute points) stays raw.
 * Longer ranges are drawn from the hourly or daily rollups, buckets merged until they fit.
 */
export const MAX_CHART_BUCKETS = 2500;

export type ChartResolution = 'raw' | 'hourly' | 'daily';

export interface ChartPlan {
  resolution: ChartResolution;
  /** seconds one point (raw step) or one bucket covers */
  bucketSeconds: number;
}

/**
 * The finest resolution whose points over `span` seconds fit in `maxBuckets`: raw only for short ranges, then
 * the hourly and the daily rollups; when even days are too many, several days per bucket.
 */
export function chartPlan(span: number, step: number, maxBuckets = MAX_CHART_BUCKETS): ChartPlan {
  const st = step > 0 ? step : 300;
  if (span / st <= maxBuckets) return { resolution: 'raw', bucketSeconds: st };
  if (st < HOUR && span / HOUR <= maxBuckets) return { resolution: 'hourly', bucketSeconds: HOUR };
  const k = Math.max(1, Math.ceil(span / DAY / maxBuckets));
  return { resolution: 'daily', bucketSeconds: Math.max(st, k * DAY) };
}

/** A chart point from a rollup: `[bucket start (ISO), mean, min, max]`; nulls = no value in the bucket. */
export type BucketPoint = [string, number | null, number | null, number | null];

/**
 * Merges rollup rows (ascending) into buckets of `width` seconds counted from `base`, keeping each bucket's
 * minimum and maximum (so a one-hour blackout in a ten-year chart stays visible) and the mean of its values.
 * A bucket without rows between buckets with rows becomes one null point (a gap), never a line across it.
 * Bucket times before `from` are shown at `from`.
 */
export function bucketRollup(rows: readonly RollupLike[], base: number, width: number, from: number): BucketPoint[] {
  const out: BucketPoint[] = [];
  let cur = Number.NaN;
  let lo: number | null = null;
  let hi: number | null = null;
  let sum = 0;
  let n = 0;
  let last = Number.NaN;
  const flush = () => {
    if (Number.isNaN(cur)) return;
    if (!Number.isNaN(last) && cur > last + 1) out.push([isoUtc(Math.max(from, base + (last + 1) * width)), null, null, null]);
    out.push([isoUtc(Math.max(from, base + cur * width)), n > 0 ? sum / n : null, lo, hi]);
    last = cur;
  };
  for (const r of rows) {
    const b = Math.floor((r.ts - base) / width);
    if (b !== cur) {
      flush();
      cur = b;
      lo = null;
      hi = null;
      sum = 0;
      n = 0;
    }
    if (r.min !== null && (lo === null || r.min < lo)) lo = r.min;
    if (r.max !== null && (hi === null || r.max > hi)) hi = r.max;
    if (r.n > 0 && r.mean !== null) {
      sum += r.mean * r.n;
      n += r.n;
    }
  }
  flush();
  return out;
}
