/**
 * `/api/signals` writes its JSON body from the point columns (dashboards/api/signals-json.ts) instead of
 * `JSON.stringify`: a chart client must get the same bytes for any data. Stands for every source's values: IODA's
 * counts and values rounded to hundredths (the fast paths), Cloudflare Radar's normalised shares with many digits,
 * negative and tiny values (the fallback), gaps (null), and metadata with non-ASCII text and characters JSON escapes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoUtc } from '../../../core/time.js';
import { fromPoints, type Point } from '../../../dashboards/downsample.js';
import { seriesOpening, signalsBody } from '../../../dashboards/api/signals-json.js';

const HEAD = {
  signal: 'ioda.bgp',
  source: 'ioda',
  metric: 'bgp',
  target: null,
  unit: null,
  step: 300,
  synthetic: false,
  provenance: { sourceName: 'IODA', citation: 'Internet Outage Detection and Analysis (IODA) — https://ioda.inetintel.cc.gatech.edu' },
  resolution: 'daily',
  bucketSeconds: 86400,
  downsampled: false,
};
const DOC = { entity: 'country:KZ', from: '2014-01-01T00:00:00Z', until: '2015-01-01T00:00:00Z', maxPoints: 1000, resolution: 'daily' };

function expected(doc: object, series: Array<{ head: object; points: Point[] }>, iso: boolean): string {
  return JSON.stringify({
    ...doc,
    series: series.map((s) => ({ ...s.head, points: iso ? s.points.map(([t, v]) => [isoUtc(t), v]) : s.points })),
  });
}

function written(doc: object, series: Array<{ head: Record<string, unknown>; points: Point[] }>, iso: boolean): string {
  return signalsBody(
    { ...doc, series: null },
    // every other series with its opening text made beforehand, as the route keeps it between requests
    series.map((s, i) => ({ head: s.head, flat: fromPoints(s.points), ...(i % 2 ? { opening: seriesOpening(s.head) } : {}) })),
    iso,
  ).toString('utf8');
}

/** Values as the sources give them: any double, integers, hundredths, large and tiny, negative, zero and -0, gaps. */
const value = fc.oneof(
  fc.double({ noNaN: true }),
  fc.integer({ min: -3_000_000_000, max: 3_000_000_000 }),
  fc.integer({ min: -2_200_000_000, max: 2_200_000_000 }).map((r) => r / 100),
  fc.integer({ min: -100_000, max: 100_000 }).map((r) => r / 1000),
  fc.constantFrom(0, -0, 0.1, 0.07, 1e21, 1e-7, 123456789.99, 21474836.47, 21474836.48, -21474836.47, Number.MAX_VALUE),
  fc.constant(null),
);
/** Any time to 2100, the years the sources cover, runs of times a few minutes apart (whose first digits repeat), and edges. */
const time = fc.oneof(
  fc.integer({ min: 0, max: 4_102_444_800 }),
  fc.integer({ min: 1_388_534_400, max: 1_704_067_200 }),
  fc.integer({ min: 1_459_399_000, max: 1_459_701_000 }),
  fc.constantFrom(999_999_999, 1_000_000_000, 1_000_099_999, 1_000_100_000, 1_459_499_999, 2_147_483_647, 2_147_483_648, 1_459_500_000.5),
);
const points = fc.array(fc.tuple(time, value), { maxLength: 60 });

describe('the /api/signals body written from columns', () => {
  it('is byte for byte what JSON.stringify gives, for any values and times', () => {
    fc.assert(
      fc.property(fc.array(points, { maxLength: 4 }), fc.boolean(), (all, iso) => {
        const series = all.map((p, i) => ({ head: { ...HEAD, signal: `s${i}` }, points: p }));
        expect(written(DOC, series, iso)).toBe(expected(DOC, series, iso));
      }),
      { seed: 21, numRuns: 400 },
    );
  });

  it('writes gaps, non-finite values and -0 as JSON.stringify does', () => {
    const flat = fromPoints([
      [1, null],
      [2, -0],
      [3, 5],
    ]);
    flat.v[2] = Infinity;
    const body = signalsBody({ ...DOC, series: null }, [{ head: HEAD, flat }], false).toString('utf8');
    expect(body).toBe(
      expected(
        DOC,
        [
          {
            head: HEAD,
            points: [
              [1, null],
              [2, 0],
              [3, null],
            ],
          },
        ],
        false,
      ),
    );
    expect(body.endsWith('"points":[[1,null],[2,0],[3,null]]}]}')).toBe(true);
  });

  it('escapes metadata text as JSON.stringify does and keeps non-ASCII text (UTF-8)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const head = { ...HEAD, signal: a, provenance: { citation: b } };
        const series = [{ head, points: [[1_500_000_000, 12.5] as Point] }];
        expect(written({ ...DOC, entity: b }, series, false)).toBe(expected({ ...DOC, entity: b }, series, false));
      }),
      { seed: 7, numRuns: 60 },
    );
  });

  it('writes bodies larger than its reusable buffer (ten years of raw points for four signals)', () => {
    const big = Array.from({ length: 4 }, (_, s) => ({
      head: { ...HEAD, signal: `s${s}` },
      points: Array.from({ length: 20_000 }, (_, i): Point => [1_388_534_400 + i * 300, i % 97 === 0 ? null : 1000 + (i % 1000) / 7]),
    }));
    const text = written(DOC, big, false);
    expect(text.length).toBeGreaterThan(1_000_000);
    expect(text).toBe(expected(DOC, big, false));
    // and the buffer is reused correctly for the next, small body
    expect(written(DOC, [{ head: HEAD, points: [[5, 1]] }], false)).toBe(expected(DOC, [{ head: HEAD, points: [[5, 1]] }], false));
  });

  it('needs the array key last (it is written after every other key)', () => {
    expect(() => signalsBody({ series: null, entity: 'x' }, [], false)).toThrow(/last key/);
  });
});
