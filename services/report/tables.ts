import type { ReportData } from './model.js';
import { duration, lostText, num, pValue, rateText, signedDuration } from './format.js';

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
  return {
    headers: ['Source', 'Start (UTC)', 'End (UTC)', 'Title', 'Agreement with detections'],
    rows: r.sourceEvents.map((s) => [s.source, s.start, s.end ?? 'open', s.title ?? '—', s.agreement]),
  };
}

export function signalTable(r: ReportData): TextTable {
  return {
    headers: ['Signal', 'Source', 'Unit', 'Normal (median before)', 'Minimum in window', 'Peak in window', 'Change', 'Coverage', 'Data'],
    rows: r.signals.map((s) => [
      `${s.label} (${s.signal})`,
      s.sourceName,
      s.unit ?? '—',
      s.rate && s.baseline !== null ? `${num(s.baseline * 100)}%` : num(s.baseline),
      s.rate && s.minInWindow !== null ? `${num(s.minInWindow * 100)}%` : num(s.minInWindow),
      s.rate && s.peakInWindow !== null ? `${num(s.peakInWindow * 100)}%` : num(s.peakInWindow),
      s.rate
        ? s.peakInWindow === null
          ? '—'
          : rateText(s.peakInWindow * 100, s.baseline === null ? null : s.baseline * 100)
        : s.dropPercent === null
          ? '—'
          : `lost ${num(s.dropPercent)}% of normal at the lowest`,
      `${num(s.coveragePercent, 0)}%`,
      s.synthetic ? 'SYNTHETIC' : 'REAL',
    ]),
  };
}

type OutageRow = ReportData['outages'][number];

/** How much an outage took away, in words: "lost 97 % of normal for 82 h", or for rate signals only, how long anomalies were high. */
export function howMuch(o: OutageRow): string {
  return o.lostPercent === null ? `measurement anomalies for ${num(o.hours)} h` : lostText(o.lostPercent, o.hours);
}

/** Country-level outages: one row each. */
export function nationalOutageTable(r: ReportData): TextTable {
  const rows = r.outages.filter((o) => o.parent === null);
  return {
    headers: ['Start (UTC)', 'End (UTC)', `Start (${r.scope.tz})`, 'Duration', 'Onset', 'Kind', 'How much', 'Signals', 'Targets'],
    rows: rows.map((o) => [
      o.start,
      o.end,
      o.startLocal,
      duration(o.durationSeconds),
      signedDuration(o.onsetSeconds),
      o.kind,
      howMuch(o),
      o.signals.join(', '),
      o.targets.join(', ') || '—',
    ]),
  };
}

/** Sub-national outages grouped per unit (a county, a region, an AS): one row per unit, not per episode. */
export function subnationalTable(r: ReportData): TextTable {
  const byUnit = new Map<string, OutageRow[]>();
  for (const o of r.outages) {
    if (o.parent === null) continue;
    const g = byUnit.get(o.entity) ?? [];
    g.push(o);
    byUnit.set(o.entity, g);
  }
  const rows = [...byUnit.entries()]
    .map(([entity, eps]) => {
      const first = [...eps].sort((a, b) => a.start.localeCompare(b.start))[0]!;
      const deepest = [...eps].sort((a, b) => (b.lostPercent ?? 0) - (a.lostPercent ?? 0) || b.hours - a.hours)[0]!;
      return {
        first: first.start,
        cells: [eps[0]!.name ?? entity, entity, eps[0]!.scope, String(eps.length), first.start, howMuch(deepest)],
      };
    })
    .sort((a, b) => a.first.localeCompare(b.first));
  return { headers: ['Unit', 'Entity', 'Scope', 'Episodes', 'First start (UTC)', 'Deepest'], rows: rows.map((x) => x.cells) };
}

export function ooniTable(t: Ooni): TextTable {
  return {
    headers: ['Day', 'Measurements', 'Anomalies', 'Confirmed'],
    rows: t.days.map((d) => [d.day, num(d.measurements, 0), num(d.anomaly, 0), num(d.confirmed, 0)]),
  };
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
  return {
    headers: ['Source', 'Data for the window', 'Hours with data', 'Why not'],
    rows: r.coverage.map((c) => [c.name, c.hasData ? 'yes' : 'no', String(c.hours), c.reason ?? '—']),
  };
}

export function referenceTable(r: ReportData): TextTable {
  return {
    headers: ['List', 'Country', 'Start', 'End', 'Kind', 'Source'],
    rows: r.reference.map((x) => [x.list, x.country, x.start, x.end ?? 'open-ended', x.kind ?? '—', x.source ?? '—']),
  };
}

export function licenceTable(r: ReportData): TextTable {
  return { headers: ['Source', 'Licence', 'Attribution'], rows: r.licences.map((l) => [l.source, l.licence, l.attribution]) };
}
