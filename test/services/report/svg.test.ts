import { describe, expect, it } from 'vitest';
import { A4_PRINTABLE_PX, svgChart, typicalStep } from '../../../services/report/svg.js';

const DAY = 86400;
const FROM = Date.UTC(2016, 4, 14) / 1000;
const UNTIL = FROM + 14 * DAY;

const yTicks = (svg: string) => [...svg.matchAll(/<text class="y-tick"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
const polylines = (svg: string) =>
  [...svg.matchAll(/<polyline class="series[^"]*"[^>]*points="([^"]*)"/g)].map((m) =>
    m[1]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]),
  );

describe('report charts (SVG)', () => {
  it('start the y axis at zero: a flat IODA BGP line near 5,200 stays flat instead of filling the plot', () => {
    // the demo's KZ BGP count: about 5,200 visible /24s every 5 minutes, varying by a few blocks
    const points = Array.from({ length: 14 * 288 }, (_, i) => [FROM + i * 300, 5200 + (i % 7)] as const);
    const svg = svgChart({ title: 'ioda.bgp', points, from: FROM, until: UNTIL });
    expect(svg).toContain('data-y-min="0"');
    expect(yTicks(svg)[0]).toBe('0');
    expect(new Set(yTicks(svg)).size).toBe(3); // 0, middle, top: never "5.2k" at both ends
    const ys = polylines(svg)
      .flat()
      .map(([, y]) => y);
    // the line sits near the top and spans under 1% of the plot height
    expect(Math.max(...ys) - Math.min(...ys)).toBeLessThan(2);
    expect(svg).not.toContain('data-steps');
  });

  it('draw daily values (OONI daily anomaly shares) as steps held for their day, not slopes between days', () => {
    const points = Array.from({ length: 14 }, (_, d) => [FROM + d * DAY, d === 6 || d === 7 ? 0.9 : 0.05] as const);
    expect(typicalStep(points)).toBe(DAY);
    const svg = svgChart({ title: 'ooni.anomaly_rate:facebook.com', points, from: FROM, until: UNTIL });
    expect(svg).toContain('data-steps="daily"');
    const line = polylines(svg)[0]!;
    // every segment is horizontal or vertical
    for (let i = 1; i < line.length; i++) {
      const [x0, y0] = line[i - 1]!;
      const [x1, y1] = line[i]!;
      expect(x0 === x1 || y0 === y1, `segment ${i}`).toBe(true);
    }
    // day 6 holds its value for the whole day: from its start to the start of day 7 at the same height
    const plotW = A4_PRINTABLE_PX - 56 - 10;
    const x6 = 56 + (6 / 14) * plotW;
    const at6 = line.filter(([x]) => Math.abs(x - x6) < 0.2);
    expect(at6.length).toBeGreaterThan(0);
    expect(svg).toContain('daily value, held for its day');
    // a missing day stays a gap
    const gap = svgChart({ title: 'x', points: points.map(([t, v], i) => [t, i === 10 ? null : v] as const), from: FROM, until: UNTIL });
    expect(polylines(gap).length).toBe(2);
  });

  it('explains the shaded bands in a legend', () => {
    const points = Array.from({ length: 48 }, (_, i) => [FROM + i * 3600, 10] as const);
    const svg = svgChart({
      title: 'x',
      points,
      from: FROM,
      until: FROM + 2 * DAY,
      bands: [
        { from: FROM + 3600, until: FROM + DAY, kind: 'event', label: 'event' },
        { from: FROM + 7200, until: FROM + 9000, kind: 'blocking', label: 'b' },
      ],
    });
    const legend = [...svg.matchAll(/<g class="legend-item">.*?<text[^>]*>([^<]*)<\/text><\/g>/g)].map((m) => m[1]);
    expect(legend).toEqual(['protest event (local day)', 'detected service blocking']);
    // no legend row when nothing is shaded and nothing is stepped
    expect(svgChart({ title: 'x', points, from: FROM, until: FROM + 2 * DAY })).not.toContain('legend-item');
  });

  it('is drawn at the A4 printable width (180 mm at 96 dpi)', () => {
    expect(A4_PRINTABLE_PX).toBe(680);
    expect(svgChart({ title: 'x', points: [], from: FROM, until: UNTIL })).toMatch(/^<svg [^>]*width="680"/);
  });
});
