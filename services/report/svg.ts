import { escapeHtml } from '../../dashboards/html.js';

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

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 10 || a === 0) return v.toFixed(0);
  return v.toFixed(2);
}

/**
 * A self-contained SVG line chart drawn on the server (no JavaScript): gaps stay gaps, the event window
 * and outages are shaded bands, synthetic data is labelled on the chart itself.
 */
export function svgChart(c: ChartInput): string {
  const W = c.width ?? 720;
  const H = c.height ?? 160;
  const L = 56;
  const R = 10;
  const T = 22;
  const B = 24;
  const pw = W - L - R;
  const ph = H - T - B;
  const span = Math.max(1, c.until - c.from);
  const x = (ts: number) => L + ((ts - c.from) / span) * pw;
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
  for (const p of c.points) see(p[1]);
  for (const r of c.range ?? []) {
    see(r[1]);
    see(r[2]);
  }
  let lo = count ? vMin : 0;
  let hi = count ? vMax : 1;
  if (lo > 0 && lo < hi * 0.5) lo = 0;
  if (hi === lo) {
    hi = lo + 1;
    lo = Math.max(0, lo - 1);
  }
  const y = (v: number) => T + ph - ((v - lo) / (hi - lo)) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(c.title)}" font-family="sans-serif" font-size="10">`);
  parts.push(`<title>${escapeHtml(c.title)}</title>`);
  parts.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="#fff" stroke="#d0d7de"/>`);
  for (const b of c.bands ?? []) {
    const x0 = Math.max(L, x(b.from));
    const x1 = Math.min(L + pw, x(b.until));
    if (x1 <= x0) continue;
    const opacity = b.kind === 'event' ? 0.12 : 0.22;
    parts.push(`<rect class="band band-${b.kind}" x="${x0.toFixed(1)}" y="${T}" width="${(x1 - x0).toFixed(1)}" height="${ph}" fill="${BAND_FILL[b.kind]}" fill-opacity="${opacity}"><title>${escapeHtml(b.label)}</title></rect>`);
  }
  // y axis: min and max labels
  parts.push(`<text x="${L - 4}" y="${T + 8}" text-anchor="end">${fmt(hi)}</text>`);
  parts.push(`<text x="${L - 4}" y="${T + ph}" text-anchor="end">${fmt(lo)}</text>`);
  // x axis: day ticks (at most ~10)
  const days = span / 86400;
  const every = Math.max(1, Math.ceil(days / 10));
  const firstDay = Math.ceil(c.from / 86400) * 86400;
  for (let d = firstDay, i = 0; d < c.until; d += 86400, i++) {
    if (i % every !== 0) continue;
    const xx = x(d);
    parts.push(`<line x1="${xx.toFixed(1)}" y1="${T + ph}" x2="${xx.toFixed(1)}" y2="${T + ph + 3}" stroke="#57606a"/>`);
    parts.push(`<text x="${xx.toFixed(1)}" y="${T + ph + 14}" text-anchor="middle">${new Date(d * 1000).toISOString().slice(5, 10)}</text>`);
  }
  // bucket extremes (long ranges drawn from rollups): one vertical stroke per bucket from its min to its max
  const ticks: string[] = [];
  for (const [ts, mn, mx] of c.range ?? []) {
    if (ts < c.from || ts >= c.until || mn === null || mx === null || !Number.isFinite(mn) || !Number.isFinite(mx)) continue;
    ticks.push(`M${x(ts).toFixed(1)} ${y(mx).toFixed(1)}V${y(mn).toFixed(1)}`);
  }
  if (ticks.length) parts.push(`<path class="range" fill="none" stroke="#8c959f" stroke-width="1" d="${ticks.join('')}"><title>minimum and maximum of each bucket</title></path>`);
  // the line, broken at gaps
  const segments: string[] = [];
  let cur: string[] = [];
  for (const [ts, v] of c.points) {
    if (ts < c.from || ts >= c.until) continue;
    if (v === null || !Number.isFinite(v)) {
      if (cur.length) segments.push(cur.join(' '));
      cur = [];
      continue;
    }
    cur.push(`${x(ts).toFixed(1)},${y(v).toFixed(1)}`);
  }
  if (cur.length) segments.push(cur.join(' '));
  for (const s of segments) {
    if (s.includes(' ')) parts.push(`<polyline fill="none" stroke="#1b1f24" stroke-width="1.2" points="${s}"/>`);
    else {
      const [px, py] = s.split(',');
      parts.push(`<circle cx="${px}" cy="${py}" r="1.5" fill="#1b1f24"/>`);
    }
  }
  if (count === 0) parts.push(`<text x="${L + pw / 2}" y="${T + ph / 2}" text-anchor="middle" fill="#57606a">no data in this range</text>`);
  parts.push(`<text x="${L}" y="14" font-size="12" font-weight="bold">${escapeHtml(c.title)}</text>`);
  // every chart says whether it shows measurements or generated data
  if (c.synthetic) parts.push(`<text class="badge badge-synthetic" x="${W - R}" y="14" text-anchor="end" font-size="11" font-weight="bold" fill="#8a5300">SYNTHETIC DATA</text>`);
  else parts.push(`<text class="badge badge-real" x="${W - R}" y="14" text-anchor="end" font-size="11" font-weight="bold" fill="#1a7f37">REAL</text>`);
  parts.push('</svg>');
  return parts.join('');
}
