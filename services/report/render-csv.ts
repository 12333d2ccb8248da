import { toCsv } from '../util/csv-write.js';
import type { ReportData } from './model.js';

/**
 * Per-signal chart series, one row per point (formula-injection safe): raw points for short ranges, rollup
 * buckets (mean, with the bucket's min and max) for long ones. The full-resolution points are the separate
 * `--full-csv` export (`export-csv.ts`).
 */
export function renderSeriesCsv(r: ReportData): string {
  const rows = r.series.flatMap((s) =>
    s.points.map((p) => ({ s, time: p[0], value: p[1], min: p.length === 4 ? p[2] : null, max: p.length === 4 ? p[3] : null })),
  );
  return toCsv(rows, [
    { header: 'signal', value: (x) => x.s.signal },
    { header: 'source', value: (x) => x.s.sourceName },
    { header: 'unit', value: (x) => x.s.unit },
    { header: 'time_utc', value: (x) => x.time },
    { header: 'value', value: (x) => x.value },
    { header: 'synthetic', value: (x) => x.s.synthetic },
    { header: 'resolution', value: (x) => x.s.resolution },
    { header: 'bucket_seconds', value: (x) => x.s.bucketSeconds },
    { header: 'bucket_min', value: (x) => x.min },
    { header: 'bucket_max', value: (x) => x.max },
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
