import type { ReportData } from './model.js';
import { duration, num, pValue, signedDuration } from './format.js';

/** A Markdown table cell: no pipes, no line breaks, no raw HTML. */
export function mdCell(value: unknown): string {
  return String(value ?? '')
    .replace(/\r?\n/g, ' ')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

const mdText = (v: unknown) => String(v ?? '').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function mdTable(headers: string[], rows: unknown[][]): string {
  const line = (cells: unknown[]) => `| ${cells.map(mdCell).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

const link = (label: string, url: string) => `[${mdCell(label).replace(/[[\]]/g, '')}](${url.replace(/[()\s]/g, encodeURIComponent)})`;

/** Markdown rendering; `chartFiles` maps a signal name to the SVG file written beside the report. */
export function renderMarkdown(r: ReportData, chartFiles: Record<string, string> = {}): string {
  const out: string[] = [];
  out.push(`# ${mdText(r.title)}`, '');
  if (r.synthetic.any) out.push(`> **SYNTHETIC DATA.** This report uses synthetic (generated, not measured) data for: ${r.synthetic.signals.map(mdText).join(', ')}. Do not cite it as evidence.`, '');
  out.push('## Summary', '', ...r.summary.flatMap((p) => [mdText(p), '']));
  out.push(`**Verdict:** ${r.verdict.label} (connectivity: ${r.verdict.connectivity}; services: ${r.verdict.services}${r.verdict.blockedTargets.length ? `; blocked: ${r.verdict.blockedTargets.map(mdText).join(', ')}` : ''})`, '');
  if (r.event) {
    const e = r.event;
    out.push('## The event', '');
    out.push(
      mdTable(
        ['Field', 'Value'],
        [
          ['Title', e.title],
          ['Id', e.id],
          ['Country', e.country],
          ['Kind', e.kind],
          ['Places', e.places.join('; ') || '—'],
          ['Start', `${e.start} (${e.startLocal}, ${e.tz})`],
          ['End', `${e.end} (${e.endLocal}, ${e.tz})`],
          ['Notes', e.notes ?? '—'],
        ],
      ),
      '',
    );
    if (e.sources.length) out.push('Sources:', '', ...e.sources.map((s) => `- ${link(s, s)}`), '');
  }
  out.push('## Timeline of outages and blocking', '');
  out.push(`Window: ${r.window.from} to ${r.window.until} (UTC).`, '');
  out.push(
    r.outages.length
      ? mdTable(
          ['Start (UTC)', 'End (UTC)', `Start (${r.scope.tz})`, `End (${r.scope.tz})`, 'Duration', 'Onset', 'Kind', 'Signals', 'Targets', 'Depth', 'Score'],
          r.outages.map((o) => [o.start, o.end, o.startLocal, o.endLocal, duration(o.durationSeconds), signedDuration(o.onsetSeconds), o.kind, o.signals.join(', '), o.targets.join(', ') || '—', `${num(o.depth * 100)}%`, num(o.score, 0)]),
        )
      : 'No outage or blocking episode was detected in the window.',
    '',
  );
  if (r.sourceEvents.length) {
    out.push('### Outages declared by the sources', '');
    out.push(mdTable(['Source', 'Start (UTC)', 'End (UTC)', 'Title', 'Agreement with detections'], r.sourceEvents.map((s) => [s.source, s.start, s.end ?? 'open', s.title ?? '—', s.agreement])), '');
  }
  out.push('## Signals', '');
  out.push(
    r.signals.length
      ? mdTable(
          ['Signal', 'Baseline', 'Minimum in window', 'Peak in window', 'Drop', 'Coverage', 'Data'],
          r.signals.map((s) => [s.signal, num(s.baseline), num(s.minInWindow), num(s.peakInWindow), s.dropPercent === null ? '—' : `${num(s.dropPercent)}%`, `${num(s.coveragePercent, 0)}%`, s.synthetic ? 'SYNTHETIC' : 'measured']),
        )
      : 'No signal data for this entity and range.',
    '',
  );
  for (const s of r.signals) {
    const file = chartFiles[s.signal];
    if (file) out.push(`![${mdCell(s.signal)}${s.synthetic ? ' (synthetic)' : ''}](${encodeURI(file)})`, '');
  }
  if (r.ooni.length) {
    out.push('## OONI measurements per target', '');
    for (const t of r.ooni) {
      out.push(`### ${mdText(t.target)}`, '', mdTable(['Day', 'Measurements', 'Anomalies', 'Confirmed'], t.days.map((d) => [d.day, num(d.measurements, 0), num(d.anomaly, 0), num(d.confirmed, 0)])), '');
    }
  }
  out.push('## Statistics', '', mdText(r.statistics.text), '');
  out.push(mdTable(['Item', 'Value'], [['Method', r.statistics.method], ['p', pValue(r.statistics.p)], ['Smallest attainable p', pValue(r.statistics.smallestAttainableP)], ['Lead', duration(r.window.leadSeconds)], ['Lag', duration(r.window.lagSeconds)], ...Object.entries(r.statistics.details).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])]), '');
  out.push('## Data coverage and caveats', '');
  out.push(mdTable(['Source', 'Data for the window', 'Why not'], r.coverage.map((c) => [c.source, c.hasData ? 'yes' : 'no', c.reason ?? '—'])), '');
  for (const c of r.caveats) out.push(`- ${mdText(c)}`);
  out.push('');
  out.push('## Evidence', '', ...r.evidence.map((e) => `- ${link(e.label, e.url)}`), '');
  out.push('## Published outage lists', '');
  out.push(
    r.reference.length
      ? mdTable(['List', 'Country', 'Start', 'End', 'Kind', 'Source'], r.reference.map((x) => [x.list, x.country, x.start, x.end ?? 'open-ended', x.kind ?? '—', x.source ?? '—']))
      : 'No imported reference list marks a disruption in this window (or no list has been imported).',
    '',
  );
  out.push('## How to cite', '', mdText(r.citation), '');
  out.push('## Licences and attribution', '', mdTable(['Source', 'Licence', 'Attribution'], r.licences.map((l) => [l.source, l.licence, l.attribution])), '');
  const p = r.reproducibility;
  out.push('## Reproducibility', '', `Generated by ${p.tool} ${p.version} at ${p.generatedAt}. Parameters: \`${JSON.stringify(p.parameters)}\`. Data hash (sha256 of the ${p.rows} rows used): \`${p.dataHash}\`.`, '');
  return out.join('\n');
}
