import { describe, expect, it } from 'vitest';
import { downsample } from '../../../dashboards/downsample.js';
import { seededRandom } from '../../helpers.js';

function rawCols(points: Array<[number, number | null]>) {
  return { ts: points.map((p) => p[0]), lo: points.map((p) => p[1]), hi: points.map((p) => p[1]), mean: points.map((p) => p[1]) };
}

describe('downsample (min/max per bucket)', () => {
  const rnd = seededRandom(7);
  const N = 100_000;
  const pts: Array<[number, number | null]> = Array.from({ length: N }, (_, i) => [i * 300, 1000 + Math.round(rnd() * 50)]);

  it('keeps a single-point dip and a single-point spike among 100 000 points at maxPoints=200', () => {
    const dipAt = 61_234;
    const spikeAt = 12_345;
    const series = pts.map((p, i): [number, number | null] => [p[0], i === dipAt ? 3 : i === spikeAt ? 9999 : p[1]]);
    const r = downsample(rawCols(series), 0, N * 300, 300, 200);
    expect(r.points.length).toBeLessThanOrEqual(200);
    expect(r.downsampled).toBe(true);
    expect(r.points).toContainEqual([dipAt * 300, 3]);
    expect(r.points).toContainEqual([spikeAt * 300, 9999]);
    // in time order
    for (let i = 1; i < r.points.length; i++) expect(r.points[i]![0]).toBeGreaterThan(r.points[i - 1]![0]);
  });

  it('marks a gap (missing points) with one null and keeps stored nulls as nulls when nothing is merged', () => {
    const series: Array<[number, number | null]> = [];
    for (let i = 0; i < 100; i++) {
      if (i >= 40 && i < 50) continue; // 10 missing points
      series.push([i * 300, i === 70 ? null : 10]);
    }
    const r = downsample(rawCols(series), 0, 100 * 300, 300, 1000);
    expect(r.downsampled).toBe(false);
    expect(r.points.filter((p) => p[1] === null)).toEqual([
      [40 * 300, null],
      [70 * 300, null],
    ]);
    expect(r.points).toHaveLength(90 - 1 + 2);
  });

  it('keeps a gap as null after downsampling, without inventing leading or trailing nulls', () => {
    const series = pts.filter((p) => p[0] < 40_000 * 300 || p[0] >= 45_000 * 300);
    const r = downsample(rawCols(series), 0, N * 300, 300, 500);
    const nulls = r.points.filter((p) => p[1] === null);
    expect(nulls).toHaveLength(1);
    expect(nulls[0]![0]).toBeGreaterThanOrEqual(40_000 * 300 - r.bucketSeconds);
    expect(nulls[0]![0]).toBeLessThan(45_000 * 300);
    expect(r.points[0]![1]).not.toBeNull();
    expect(r.points.at(-1)![1]).not.toBeNull();
    const before = downsample(rawCols(pts.slice(1000)), 0, N * 300, 300, 500);
    expect(before.points[0]![1]).not.toBeNull();
  });

  it('keeps the rollup minimum of a bucket (a dip hidden in an hourly mean)', () => {
    // 48 hourly rows; hour 30 had a 5-minute dip to 2 (mean barely moves)
    const ts = Array.from({ length: 48 }, (_, i) => i * 3600);
    const lo = ts.map((_, i) => (i === 30 ? 2 : 990));
    const hi = ts.map(() => 1010);
    const mean = ts.map((_, i) => (i === 30 ? 917 : 1000));
    const r = downsample({ ts, lo, hi, mean }, 0, 48 * 3600, 3600, 48);
    expect(r.bucketSeconds).toBe(3600);
    expect(r.points).toContainEqual([30 * 3600, 2]);
    const coarse = downsample({ ts, lo, hi, mean }, 0, 48 * 3600, 3600, 10);
    expect(coarse.points.length).toBeLessThanOrEqual(10);
    expect(coarse.points.some((p) => p[1] === 2)).toBe(true);
  });

  it('returns nothing for an empty series and never exceeds maxPoints for unaligned times', () => {
    expect(downsample(rawCols([]), 0, 86400, 300, 100).points).toEqual([]);
    const odd = Array.from({ length: 5000 }, (_, i): [number, number | null] => [i * 173 + 11, i % 97 === 0 ? null : i % 13]);
    for (const max of [10, 37, 100, 999])
      expect(downsample(rawCols(odd), 0, 5000 * 173 + 11, 300, max).points.length).toBeLessThanOrEqual(max);
  });
});
