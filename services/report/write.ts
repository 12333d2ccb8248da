import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chartTitle, fileSlug } from './format.js';
import type { ReportData } from './model.js';
import { renderOutagesCsv, renderSeriesCsv } from './render-csv.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-md.js';
import { svgChart, type ChartBand } from './svg.js';

export const REPORT_FORMATS = ['md', 'html', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const toTs = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** One SVG per signal: event window as a band, outages and blocking shaded. */
export function reportCharts(r: ReportData): Record<string, string> {
  const bands: ChartBand[] = [];
  if (r.event) bands.push({ from: toTs(r.event.start), until: toTs(r.event.end), kind: 'event', label: `event: ${r.event.title}` });
  // national outages only: sub-national episodes (a hundred counties) would cover the chart
  for (const o of r.outages.filter((x) => x.parent === null))
    bands.push({
      from: toTs(o.start),
      until: toTs(o.end),
      kind: o.kind === 'service-blocking' ? 'blocking' : 'outage',
      label: `${o.kind} ${o.start} – ${o.end}`,
    });
  const charts: Record<string, string> = {};
  const from = toTs(r.scope.from);
  const until = toTs(r.scope.until);
  for (const s of r.series) {
    charts[s.signal] = svgChart({
      title: chartTitle(s),
      points: s.points.map((p) => [toTs(p[0]), p[1]] as const),
      range:
        s.resolution === 'raw'
          ? undefined
          : s.points.map((p) => [toTs(p[0]), p.length === 4 ? p[2] : null, p.length === 4 ? p[3] : null] as const),
      from,
      until,
      bands,
      synthetic: s.synthetic,
    });
  }
  return charts;
}

/**
 * The base file name of a report: the event id, or country and range with both dates inclusive — the window's
 * end is exclusive (`--until 2016-07-01` ends at 2016-07-02T00:00Z), so the name carries the day before it.
 */
export function reportBaseName(r: ReportData): string {
  const lastDay = new Date((toTs(r.window.until) - 1) * 1000).toISOString().slice(0, 10);
  return fileSlug(r.event ? r.event.id : `${r.scope.country}-${r.window.from.slice(0, 10)}-${lastDay}`);
}

/** Writes the asked formats into `outDir`; returns the paths written. */
export function writeReport(r: ReportData, formats: readonly ReportFormat[], outDir: string): string[] {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const base = reportBaseName(r);
  const written: string[] = [];
  const put = (name: string, content: string) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    written.push(p);
  };
  const charts = formats.includes('md') || formats.includes('html') ? reportCharts(r) : {};
  if (formats.includes('md')) {
    const files: Record<string, string> = {};
    mkdirSync(join(dir, `${base}-charts`), { recursive: true });
    for (const [signal, svg] of Object.entries(charts)) {
      const name = `${base}-charts/${fileSlug(signal)}.svg`;
      put(name, svg);
      files[signal] = name;
    }
    put(`${base}.md`, renderMarkdown(r, files));
  }
  if (formats.includes('html')) put(`${base}.html`, renderHtml(r, charts));
  if (formats.includes('csv')) {
    put(`${base}.series.csv`, renderSeriesCsv(r));
    put(`${base}.outages.csv`, renderOutagesCsv(r));
  }
  if (formats.includes('json')) put(`${base}.json`, `${JSON.stringify(r, null, 2)}\n`);
  return written;
}
