import type { ReportData } from './model.js';
import { duration, num, pValue } from './format.js';

/** A table of plain text cells, rendered as Markdown or HTML: both formats carry the same facts. */
export interface TextTable {
  headers: string[];
  rows: string[][];
}

type Ooni = ReportData['ooni'][number];

export function eventTable(e: NonNullable<ReportData['event']>): TextTable {
  return {
    headers: ['Field', 'Value'],
    rows: [
      ['Title', e.title],
      ['Id', e.id],
      ['Country', e.country],
      ['Kind', e.kind],
      ['Places', e.places.join('; ') || '—'],
      ['Start', `${e.start} (${e.startLocal}, ${e.tz})`],
      ['End', `${e.end} (${e.endLocal}, ${e.tz})`],
      ['Notes', e.notes ?? '—'],
    ],
  };
}

export function sourceEventTable(r: ReportData): TextTable {
  return { headers: ['Source', 'Start (UTC)', 'End (UTC)', 'Title', 'Agreement with detections'], rows: r.sourceEvents.map((s) => [s.source, s.start, s.end ?? 'open', s.title ?? '—', s.agreement]) };
}

export function signalTable(r: ReportData): TextTable {
  return {
    headers: ['Signal', 'Baseline', 'Minimum in window', 'Peak in window', 'Drop', 'Coverage', 'Data'],
    rows: r.signals.map((s) => [s.signal, num(s.baseline), num(s.minInWindow), num(s.peakInWindow), s.dropPercent === null ? '—' : `${num(s.dropPercent)}%`, `${num(s.coveragePercent, 0)}%`, s.synthetic ? 'SYNTHETIC' : 'measured']),
  };
}

export function ooniTable(t: Ooni): TextTable {
  return { headers: ['Day', 'Measurements', 'Anomalies', 'Confirmed'], rows: t.days.map((d) => [d.day, num(d.measurements, 0), num(d.anomaly, 0), num(d.confirmed, 0)]) };
}

export function statisticsTable(r: ReportData): TextTable {
  return {
    headers: ['Item', 'Value'],
    rows: [
      ['Method', r.statistics.method],
      ['p', pValue(r.statistics.p)],
      ['Smallest attainable p', pValue(r.statistics.smallestAttainableP)],
      ['Lead', duration(r.window.leadSeconds)],
      ['Lag', duration(r.window.lagSeconds)],
      ...Object.entries(r.statistics.details).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
    ],
  };
}

export function coverageTable(r: ReportData): TextTable {
  return { headers: ['Source', 'Data for the window', 'Why not'], rows: r.coverage.map((c) => [c.source, c.hasData ? 'yes' : 'no', c.reason ?? '—']) };
}

export function referenceTable(r: ReportData): TextTable {
  return { headers: ['List', 'Country', 'Start', 'End', 'Kind', 'Source'], rows: r.reference.map((x) => [x.list, x.country, x.start, x.end ?? 'open-ended', x.kind ?? '—', x.source ?? '—']) };
}

export function licenceTable(r: ReportData): TextTable {
  return { headers: ['Source', 'Licence', 'Attribution'], rows: r.licences.map((l) => [l.source, l.licence, l.attribution]) };
}
