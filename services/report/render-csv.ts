import { toCsv } from '../../dashboards/csv.js';
import type { ReportData } from './model.js';

/** Per-signal series, one row per point (formula-injection safe). */
export function renderSeriesCsv(r: ReportData): string {
  const rows = r.series.flatMap((s) => s.points.map(([time, value]) => ({ signal: s.signal, source: s.sourceName, unit: s.unit, synthetic: s.synthetic, time, value })));
  return toCsv(rows, [
    { header: 'signal', value: (x) => x.signal },
    { header: 'source', value: (x) => x.source },
    { header: 'unit', value: (x) => x.unit },
    { header: 'time_utc', value: (x) => x.time },
    { header: 'value', value: (x) => x.value },
    { header: 'synthetic', value: (x) => x.synthetic },
  ]);
}

/** The outage table, as in the report's timeline. */
export function renderOutagesCsv(r: ReportData): string {
  return toCsv(r.outages, [
    { header: 'entity', value: (o) => o.entity },
    { header: 'parent', value: (o) => o.parent },
    { header: 'scope', value: (o) => o.scope },
    { header: 'name', value: (o) => o.name },
    { header: 'kind', value: (o) => o.kind },
    { header: 'severity', value: (o) => o.severity },
    { header: 'start_utc', value: (o) => o.start },
    { header: 'end_utc', value: (o) => o.end },
    { header: 'start_local', value: (o) => o.startLocal },
    { header: 'end_local', value: (o) => o.endLocal },
    { header: 'duration_seconds', value: (o) => o.durationSeconds },
    { header: 'onset_seconds', value: (o) => o.onsetSeconds },
    { header: 'signals', value: (o) => o.signals.join(' ') },
    { header: 'targets', value: (o) => o.targets.join(' ') },
    { header: 'depth', value: (o) => o.depth },
    { header: 'lost_percent', value: (o) => o.lostPercent },
    { header: 'hours', value: (o) => o.hours },
    { header: 'score', value: (o) => o.score },
    { header: 'synthetic_data', value: () => r.synthetic.any },
  ]);
}
