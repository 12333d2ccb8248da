import { escapeHtml } from '../util/html.js';

export interface ChartBand {
  from: number;
  until: number;
  kind: 'event' | 'outage' | 'blocking';
  label: string;
}

export interface ChartInput {
  title: string;
  /** [Unix seconds, value | null]; null is a gap, never zero. */
  points: ReadonlyArray<readonly [number, number | null]>;
  from: number;
  until: number;
  /** For series drawn from rollups: `[bucket start, min, max]` per bucket, drawn behind the line so a short blackout stays visible. */
  range?: ReadonlyArray<readonly [number, number | null, number | null]>;
  bands?: ChartBand[];
  synthetic?: boolean;
  width?: number;
  height?: number;
}

const BAND_FILL = { event: '#0b57d0', outage: '#b3261e', blocking: '#8a5300' } as const;
const BAND_OPACITY = { event: 0.12, outage: 0.22, blocking: 0.22 } as const;
const BAND_LEGEND = {
  event: 'protest event (local day)',
  outage: 'detected connectivity outage',
  blocking: 'detected service blocking',
} as const;

/** 180 mm, the printable width of an A4 page with 15 mm margins, at 96 px per inch: charts are drawn 1:1 in the report. */
export const A4_PRINTABLE_PX = 680;

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 10 || a === 0) return v.toFixed(0);
  return v.toFixed(2);
}

/** The typical spacing of the points (median gap between consecutive times), or null with fewer than two points. */
export function typicalStep(points: ReadonlyArray<readonly [number, number | null]>): number | null {
  const gaps: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const d = points[i]![0] - points[i - 1]![0];
    if (d > 0) gaps.push(d);
  }
  if (gaps.length === 0) return null;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)]!;
}

/**
 * A self-contained SVG line chart drawn on the server (no JavaScript): gaps stay gaps, the event window
 * and outages are shaded bands explained in a legend under the plot, synthetic data is labelled on the chart
 * itself. The y axis starts at zero (a flat line near 5,200 stays a flat line, not noise filling the plot);
 * values a day or more apart (OONI's daily shares) are drawn as steps, each value held for its day, not as
 * slopes between days.
 */
export function svgChart(c: ChartInput): string {
  const W = c.width ?? A4_PRINTABLE_PX;
  const bandKinds = (['event', 'outage', 'blocking'] as const).filter((k) =>
    (c.bands ?? []).some((b) => b.kind === k && b.until > c.from && b.from < c.until),
  );
  const step = typicalStep(c.points);
  const daily = step !== null && step >= 86400 * 0.99;
  const L = 56;
  const R = 10;
  const T = 22;
  // the legend: what each shading means and how daily values are drawn, laid out in rows that fit the width
  const legendItems: Array<{ label: string; swatch: (lx: number, ly: number) => string }> = bandKinds.map((k) => ({
    label: BAND_LEGEND[k],
    swatch: (lx, ly) =>
      `<rect x="${lx}" y="${ly - 8}" width="14" height="9" fill="${BAND_FILL[k]}" fill-opacity="${BAND_OPACITY[k] * 1.6}" stroke="${BAND_FILL[k]}" stroke-width="0.5"/>`,
  }));
  if (daily)
    legendItems.push({
      label: 'daily value, held for its day',
      swatch: (lx, ly) =>
        `<polyline fill="none" stroke="#1b1f24" stroke-width="1.2" points="${lx},${ly - 1} ${lx + 7},${ly - 1} ${lx + 7},${ly - 7} ${lx + 14},${ly - 7}"/>`,
    });
  const itemWidth = (label: string) => 18 + label.length * 6.2 + 14;
  const legendRows: Array<typeof legendItems> = [];
  for (const it of legendItems) {
    const row = legendRows.at(-1);
    if (row && row.reduce((w, x) => w + itemWidth(x.label), 0) + itemWidth(it.label) <= W - L - R) row.push(it);
    else legendRows.push([it]);
  }
  const legendH = legendRows.length * 14 + (legendRows.length ? 2 : 0);
  const H = (c.height ?? 170) + legendH;
  const B = 24 + legendH;
  const pw = W - L - R;
  const ph = H - T - B;
  const span = Math.max(1, c.until - c.from);
  const x = (ts: number) => L + ((Math.min(c.until, Math.max(c.from, ts)) - c.from) / span) * pw;
  // loops, never Math.min(...values): a long series is too many arguments for one call
  let count = 0;
  let vMin = Infinity;
  let vMax = -Infinity;
  const see = (v: number | null) => {
    if (v === null || !Number.isFinite(v)) return;
    count++;
    if (v < vMin) vMin = v;
    if (v > vMax) vMax = v;
  };
  for (const p of c.points) if (p[0] >= c.from && p[0] < c.until) see(p[1]);
  for (const r of c.range ?? []) {
    if (r[0] < c.from || r[0] >= c.until) continue;
    see(r[1]);
    see(r[2]);
  }
  // from zero: the axis includes 0 whatever the data, with a little room above the largest value
  let lo = Math.min(0, count ? vMin : 0);
  let hi = Math.max(0, count ? vMax : 1);
  if (hi === lo) hi = lo + 1;
  const pad = (hi - lo) * 0.08;
  if (hi > 0) hi += pad;
  if (lo < 0) lo -= pad;
  const y = (v: number) => T + ph - ((v - lo) / (hi - lo)) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(c.title)}" font-family="sans-serif" font-size="10" data-y-min="${lo}" data-y-max="${hi}"${daily ? ' data-steps="daily"' : ''}>`,
  );
  parts.push(`<title>${escapeHtml(c.title)}</title>`);
  parts.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="#fff" stroke="#d0d7de"/>`);
  for (const b of c.bands ?? []) {
    const x0 = Math.max(L, x(b.from));
    const x1 = Math.min(L + pw, x(b.until));
    if (x1 <= x0) continue;
    parts.push(
      `<rect class="band band-${b.kind}" x="${x0.toFixed(1)}" y="${T}" width="${(x1 - x0).toFixed(1)}" height="${ph}" fill="${BAND_FILL[b.kind]}" fill-opacity="${BAND_OPACITY[b.kind]}"><title>${escapeHtml(b.label)}</title></rect>`,
    );
  }
  // y axis: zero, the middle and the top, with light grid lines
  for (const v of lo < 0 ? [lo, 0, hi] : [0, hi / 2, hi]) {
    const yy = y(v);
    parts.push(`<line x1="${L}" y1="${yy.toFixed(1)}" x2="${L + pw}" y2="${yy.toFixed(1)}" stroke="${v === 0 ? '#8c959f' : '#eaeef2'}"/>`);
    parts.push(`<text class="y-tick" x="${L - 4}" y="${(yy + 3).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`);
  }
  // x axis: day ticks (at most ~10)
  const days = span / 86400;
  const every = Math.max(1, Math.ceil(days / 10));
  const firstDay = Math.ceil(c.from / 86400) * 86400;
  for (let d = firstDay, i = 0; d < c.until; d += 86400, i++) {
    if (i % every !== 0) continue;
    const xx = x(d);
    parts.push(`<line x1="${xx.toFixed(1)}" y1="${T + ph}" x2="${xx.toFixed(1)}" y2="${T + ph + 3}" stroke="#57606a"/>`);
    parts.push(
      `<text x="${xx.toFixed(1)}" y="${T + ph + 14}" text-anchor="middle">${new Date(d * 1000).toISOString().slice(5, 10)}</text>`,
    );
  }
  // bucket extremes (long ranges drawn from rollups): one vertical stroke per bucket from its min to its max
  const ticks: string[] = [];
  for (const [ts, mn, mx] of c.range ?? []) {
    if (ts < c.from || ts >= c.until || mn === null || mx === null || !Number.isFinite(mn) || !Number.isFinite(mx)) continue;
    ticks.push(`M${x(ts).toFixed(1)} ${y(mx).toFixed(1)}V${y(mn).toFixed(1)}`);
  }
  if (ticks.length)
    parts.push(
      `<path class="range" fill="none" stroke="#8c959f" stroke-width="1" d="${ticks.join('')}"><title>minimum and maximum of each bucket</title></path>`,
    );
  // the line, broken at gaps; daily values as steps (held until the next value, or for one step at the end)
  const segments: string[][] = [];
  let cur: string[] = [];
  const inRange = c.points.filter((p) => p[0] >= c.from && p[0] < c.until);
  for (let i = 0; i < inRange.length; i++) {
    const [ts, v] = inRange[i]!;
    if (v === null || !Number.isFinite(v)) {
      if (cur.length) segments.push(cur);
      cur = [];
      continue;
    }
    if (daily) {
      const next = inRange[i + 1];
      const end = next && next[0] - ts <= step! * 1.5 ? next[0] : ts + step!;
      cur.push(`${x(ts).toFixed(1)},${y(v).toFixed(1)}`, `${x(end).toFixed(1)},${y(v).toFixed(1)}`);
      if (!next || next[0] - ts > step! * 1.5) {
        segments.push(cur);
        cur = [];
      }
    } else cur.push(`${x(ts).toFixed(1)},${y(v).toFixed(1)}`);
  }
  if (cur.length) segments.push(cur);
  for (const s of segments) {
    if (s.length > 1)
      parts.push(
        `<polyline class="${daily ? 'series steps' : 'series'}" fill="none" stroke="#1b1f24" stroke-width="1.2" points="${s.join(' ')}"/>`,
      );
    else {
      const [px, py] = s[0]!.split(',');
      parts.push(`<circle cx="${px}" cy="${py}" r="1.5" fill="#1b1f24"/>`);
    }
  }
  if (count === 0) parts.push(`<text x="${L + pw / 2}" y="${T + ph / 2}" text-anchor="middle" fill="#57606a">no data in this range</text>`);
  legendRows.forEach((row, r) => {
    let lx = L;
    const ly = H - B + 24 + 14 * (r + 1);
    for (const it of row) {
      parts.push(
        `<g class="legend-item">${it.swatch(lx, ly)}<text x="${(lx + 18).toFixed(1)}" y="${ly}">${escapeHtml(it.label)}</text></g>`,
      );
      lx += itemWidth(it.label);
    }
  });
  parts.push(`<text x="${L}" y="14" font-size="12" font-weight="bold">${escapeHtml(c.title)}</text>`);
  // every chart says whether it shows measurements or generated data
  if (c.synthetic)
    parts.push(
      `<text class="badge badge-synthetic" x="${W - R}" y="14" text-anchor="end" font-size="11" font-weight="bold" fill="#8a5300">SYNTHETIC DATA</text>`,
    );
  else
    parts.push(
      `<text class="badge badge-real" x="${W - R}" y="14" text-anchor="end" font-size="11" font-weight="bold" fill="#1a7f37">REAL</text>`,
    );
  parts.push('</svg>');
  return parts.join('');
}
