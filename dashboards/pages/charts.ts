/**
 * Server side of the charts: which panels a page shows (one per signal, Google products together, an
 * anomaly-rate bar panel per OONI target), and the markup public/charts.js turns into uPlot charts.
 * Data goes to the browser in data-* attributes (the CSP allows no inline script); the series
 * themselves are fetched from /api/signals, the same URLs the CSV/JSON links point at.
 */
import type { SqliteStore, SignalRow } from '../../db/store.js';
import type { PointStore } from '../../db/repository.js';
import { html, type SafeHtml } from '../html.js';
import { apiUrl, dataLinks, type TimeMode } from './common.js';
import { chartOrder, chartTitles } from '../../services/sources.js';

export interface PanelSeries {
  entity: string;
  signal: string;
  label: string;
}

export interface Panel {
  id: string;
  title: string;
  kind: 'line' | 'bars';
  unit: string | null;
  synthetic: boolean;
  /** who measured the data shown (provenance source names, e.g. "Monash IP Observatory") */
  sources: string[];
  /** OONI target (bands of source events naming it go on this panel). */
  target: string | null;
  series: PanelSeries[];
}

export interface Band {
  type: 'event' | 'window' | 'outage' | 'source-event';
  from: number;
  until: number;
  label: string;
  kind?: string;
  target?: string | null;
}

/** A calendar event on a timeline: a marker linking to `/events/ID`. */
export interface Marker {
  at: number;
  /** calendar event id */
  id: string;
  label: string;
}

/**
 * Markers as they go to the browser: `[at, id, label]` per event (public/charts.js links each to /events/ID). A
 * country with a thousand events has a thousand markers on its default range; without the key names and the
 * repeated path, that is half the bytes (the attribute is HTML-escaped: every quote costs six).
 */
export function markersAttr(markers: readonly Marker[]): string {
  return JSON.stringify(markers.map((m) => [m.at, m.id, m.label]));
}

/**
 * Widest a chart's plot area can be, in CSS pixels: the page's `main` is at most 1280 px wide (public/style.css),
 * and a chart fills it at most. One pixel of a chart over [from, until) therefore spans at least
 * (until − from) / CHART_MAX_PIXELS seconds.
 */
export const CHART_MAX_PIXELS = 1280;

/** public/charts.js draws a band at least this many pixels wide. */
const MIN_BAND_PIXELS = 2;

/**
 * Bands thinned to what one pixel of the chart can show: a band narrower than the 2 px public/charts.js draws at
 * least, less than one pixel from the next band of the same type, kind and target (or overlapping it), merges with
 * it; the merged band runs from the first start to the last end and is labelled with how many it holds and their
 * own labels by count (`14 merged at this zoom (zoom in to separate them): connectivity outage (warning) ×9,
 * connectivity outage (critical) ×5`). Drawn at most CHART_MAX_PIXELS wide, the chart shows the same shading either
 * way; bands wide enough to hover on their own (an OONI day on an event's two weeks) stay as they are. Of one type
 * and kind, every band kept is either 2 px wide or a pixel apart from the next, so there are fewer than the pixels
 * however many outages a range holds (years of daily shutdowns). Each outage stays reachable in full through the
 * page's outage list and the API; zooming in (a narrower range) draws them apart again.
 */
export function thinBands(bands: readonly Band[], range: { from: number; until: number }, pixels = CHART_MAX_PIXELS): Band[] {
  const pixel = (range.until - range.from) / pixels;
  if (!(pixel > 0) || bands.length < 2) return [...bands];
  const groups = new Map<string, Band[]>();
  for (const b of bands) {
    const key = JSON.stringify([b.type, b.kind ?? null, b.target ?? null]);
    const g = groups.get(key);
    if (g) g.push(b);
    else groups.set(key, [b]);
  }
  const out: Band[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => a.from - b.from || a.until - b.until);
    const narrow = (from: number, until: number) => until - from < MIN_BAND_PIXELS * pixel;
    let run: Band[] = [g[0]!];
    let start = g[0]!.from;
    let end = g[0]!.until;
    const flush = () => {
      out.push(run.length === 1 ? run[0]! : mergedBand(run, end));
    };
    for (let i = 1; i < g.length; i++) {
      const b = g[i]!;
      if (b.from - end < pixel && (narrow(start, end) || narrow(b.from, b.until))) {
        run.push(b);
        if (b.until > end) end = b.until;
      } else {
        flush();
        run = [b];
        start = b.from;
        end = b.until;
      }
    }
    flush();
  }
  return out.sort((a, b) => a.from - b.from || a.until - b.until);
}

/** Labels listed in a merged band's label (the most frequent first); the rest are counted. */
const MERGED_LABELS = 3;

function mergedBand(run: readonly Band[], until: number): Band {
  const counts = new Map<string, number>();
  for (const b of run) counts.set(b.label, (counts.get(b.label) ?? 0) + 1);
  const byCount = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = byCount.slice(0, MERGED_LABELS).map(([label, n]) => `${label} ×${n}`);
  const rest = byCount.slice(MERGED_LABELS).reduce((sum, [, n]) => sum + n, 0);
  const first = run[0]!;
  return {
    ...first,
    until,
    label: `${run.length} merged at this zoom (zoom in to separate them): ${shown.join(', ')}${rest > 0 ? `, ${rest} other` : ''}`,
  };
}

/**
 * Bands go to the browser as `[type, from, until, label, kind, target]` tuples (dashboards/public/charts.js reads
 * them): a ten-year country timeline carries ~1,900 outage bands, and as objects with their keys (each quote
 * escaped in the attribute) they were 368 KB of a 447 KB page. With `range`, the bands are thinned to the chart's
 * pixel resolution first (`thinBands`).
 */
export function bandsAttr(bands: readonly Band[], range?: { from: number; until: number }): string {
  const shown = range ? thinBands(bands, range) : bands;
  return JSON.stringify(shown.map((b) => [b.type, b.from, b.until, b.label, b.kind ?? null, b.target ?? null]));
}

// panel order and titles come from the collector modules (collectors/<name>/index.ts)
const ORDER = chartOrder();
const rank = (key: string) => {
  const i = ORDER.findIndex((o) => key === o || key.startsWith(`${o}.`) || key.startsWith(o));
  return i < 0 ? ORDER.length : i;
};

const TITLES: Record<string, string> = chartTitles();

const slug = (s: string) =>
  s
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();

/**
 * Panels for an entity. `oonibars`: one bar panel per OONI target (event page); otherwise all OONI
 * anomaly rates share one line panel (long timelines). `networks`: other entities (ASes) of the same
 * country whose OONI anomaly rates are added to the target panels (per-network view).
 */
export async function panelsFor(
  points: Pick<PointStore, 'listSignals'>,
  entity: string,
  opts: { ooniBars: boolean; networks?: string[]; only?: string[] },
): Promise<Panel[]> {
  const signals = await points.listSignals(entity);
  const groups = new Map<string, SignalRow[]>();
  for (const s of signals) {
    if (s.source === 'ooni' && s.metric !== 'anomaly_rate') continue; // counts stay in the CSV/JSON
    const key =
      s.source === 'ooni'
        ? opts.ooniBars
          ? `ooni.anomaly_rate:${s.target}`
          : 'ooni.anomaly_rate'
        : s.metric === 'gtr'
          ? 'ioda.gtr'
          : s.name;
    const g = groups.get(key);
    if (g) g.push(s);
    else groups.set(key, [s]);
  }
  const netSignals: Array<{ entity: string; signals: SignalRow[] }> = [];
  for (const n of opts.networks ?? []) netSignals.push({ entity: n, signals: await points.listSignals(n) });
  const panels: Panel[] = [];
  for (const [key, rows] of groups) {
    if (opts.only && !rows.some((r) => opts.only!.includes(r.name))) continue;
    const chosen = opts.only ? rows.filter((r) => opts.only!.includes(r.name)) : rows;
    const first = chosen[0]!;
    const isOoni = first.source === 'ooni';
    const series: PanelSeries[] = chosen.map((r) => ({
      entity,
      signal: r.name,
      label: isOoni && !opts.ooniBars ? (r.target ?? r.name) : r.target && !isOoni ? r.target : entity,
    }));
    let synthetic = chosen.some((r) => r.synthetic);
    if (isOoni && opts.ooniBars) {
      for (const n of netSignals) {
        const s = n.signals.find((x) => x.name === first.name);
        if (s) {
          series.push({ entity: n.entity, signal: s.name, label: n.entity });
          synthetic ||= s.synthetic;
        }
      }
    }
    const sources = [...new Set(chosen.map((r) => r.provenance.sourceName))];
    const pv = first.provenance;
    // titled by label, unit and source: "Connectivity index (index 0–100) — Monash IP Observatory"
    const generic = `${key === 'ioda.gtr' ? 'Google product traffic' : pv.label}${first.unit ? ` (${first.unit})` : ''} — ${sources.join(', ')}`;
    panels.push({
      id: `panel-${slug(key)}`,
      title: isOoni
        ? opts.ooniBars
          ? `OONI: ${first.target ?? ''} anomaly rate — ${sources.join(', ')}`
          : `OONI: anomaly rate by target — ${sources.join(', ')}`
        : first.synthetic
          ? generic
          : (TITLES[key] ?? generic),
      kind: isOoni && opts.ooniBars ? 'bars' : 'line',
      unit: isOoni ? 'share of measurements' : first.unit,
      synthetic,
      sources,
      target: isOoni && opts.ooniBars ? first.target : null,
      series,
    });
  }
  return panels.sort((a, b) => rank(a.series[0]!.signal) - rank(b.series[0]!.signal) || a.id.localeCompare(b.id));
}

/** Every signal name of an entity (for the signal picker). */
export function signalNames(store: SqliteStore, entity: string): string[] {
  return store.listSignals(entity).map((s) => s.name);
}

export function panelMarkup(p: Panel, range: { from: number; until: number }, maxPoints: number): SafeHtml {
  const byEntity = new Map<string, string[]>();
  for (const s of p.series) byEntity.set(s.entity, [...(byEntity.get(s.entity) ?? []), s.signal]);
  const links = [...byEntity].map(([entity, sigs]) =>
    dataLinks(
      '/api/signals',
      { entity, signals: sigs.join(','), from: range.from, until: range.until, maxPoints },
      byEntity.size > 1 ? `Data (${entity})` : 'Data',
    ),
  );
  return html`<section class="chart-panel chart-${p.kind}" id="${p.id}" data-panel="${JSON.stringify(p)}" aria-labelledby="${p.id}-h">
<h3 id="${p.id}-h">${p.title}${p.synthetic ? html` <span class="synthetic badge-synthetic" title="generated demo data, not a measurement">SYNTHETIC</span>` : html` <span class="real badge-real" title="measured data">REAL</span>`}</h3>
<div class="chart" role="img" aria-label="${`${p.title}: ${p.series.map((s) => s.signal).join(', ')}`}"></div>
<p class="chart-status muted" aria-live="polite">Chart needs JavaScript; the data is in the links below.</p>
${links}
</section>`;
}

/** The container public/charts.js looks for. */
export function chartsMarkup(opts: {
  panels: Panel[];
  from: number;
  until: number;
  tz: string;
  mode: TimeMode;
  bands: Band[];
  markers?: Marker[];
  maxPoints?: number;
  id?: string;
  emptyText?: string;
}): SafeHtml {
  const maxPoints = opts.maxPoints ?? 1200;
  if (opts.panels.length === 0) return html`<p class="muted empty">${opts.emptyText ?? 'No signals stored for this entity.'}</p>`;
  return html`<div class="charts" id="${opts.id ?? 'charts'}" data-from="${opts.from}" data-until="${opts.until}" data-tz="${opts.tz}" data-mode="${opts.mode}" data-maxpoints="${maxPoints}" data-bands="${bandsAttr(opts.bands, opts)}" data-markers="${markersAttr(opts.markers ?? [])}">
<p class="axis-caption muted">Time axis: <span class="axis-zone">${opts.mode === 'local' ? opts.tz : 'UTC'}</span>. Drag across a chart to zoom into that range.</p>
${opts.panels.map((p) => panelMarkup(p, opts, maxPoints))}
</div>`;
}

export function legend(withEvent: boolean, withMarkers = false): SafeHtml {
  return html`<ul class="chart-legend" aria-label="Chart shading">
${withEvent ? html`<li><span class="swatch swatch-event"></span> protest event</li><li><span class="swatch swatch-window"></span> correlation window (lead/lag)</li>` : ''}
${withMarkers ? html`<li><span class="swatch swatch-marker"></span> calendar event (marker; links to its page)</li>` : ''}
<li><span class="swatch swatch-outage-connectivity"></span> detected connectivity outage</li>
<li><span class="swatch swatch-outage-service-blocking"></span> detected service blocking</li>
<li><span class="swatch swatch-source-event"></span> event declared by a source (IODA, OONI, Radar)</li>
</ul>`;
}

export const signalsApi = (entity: string, from: number, until: number, maxPoints = 1200) =>
  apiUrl('/api/signals', { entity, from, until, maxPoints });
