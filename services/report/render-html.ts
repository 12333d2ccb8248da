import { html, raw, type SafeHtml } from '../../dashboards/html.js';
import type { ReportData } from './model.js';
import { duration, num, pValue, signedDuration } from './format.js';

const CSS = `
@page { size: A4; margin: 15mm; }
body { font: 10.5pt/1.45 Georgia, "Times New Roman", serif; color: #1b1f24; max-width: 180mm; margin: 0 auto; padding: 8mm 0; }
h1 { font-size: 18pt; margin: 0 0 4mm; } h2 { font-size: 13pt; margin: 7mm 0 2mm; border-bottom: 1px solid #d0d7de; } h3 { font-size: 11pt; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font: 8.5pt/1.3 system-ui, sans-serif; page-break-inside: auto; }
th, td { overflow-wrap: anywhere; border: 1px solid #d0d7de; padding: 1mm 1.5mm; text-align: left; vertical-align: top; } th { background: #f6f8fa; }
tr { page-break-inside: avoid; } svg { max-width: 100%; height: auto; page-break-inside: avoid; }
.synthetic { background: #fff4ce; border: 2px solid #e0b400; padding: 2mm 3mm; font-weight: bold; }
.verdict { font-size: 12pt; padding: 2mm 3mm; background: #f6f8fa; border-left: 4px solid #0b57d0; }
.muted { color: #57606a; } code { font-size: 8.5pt; word-break: break-all; }
a { color: #0b57d0; } @media print { a { color: inherit; } }
`;

function table(headers: string[], rows: unknown[][]): SafeHtml {
  return html`<table><thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody></table>`;
}

const safeUrl = (url: string) => (/^https?:\/\//i.test(url) ? url : '#');

/** One self-contained HTML file: inline CSS, server-drawn SVG charts, no JavaScript, no external references. */
export function renderHtml(r: ReportData, charts: Record<string, string> = {}): string {
  const e = r.event;
  const body = html`
<h1>${r.title}</h1>
${r.synthetic.any ? html`<p class="synthetic">SYNTHETIC DATA: this report uses generated, not measured, data for ${r.synthetic.signals.join(', ')}. Do not cite it as evidence.</p>` : ''}
<h2>Summary</h2>
${r.summary.map((p) => html`<p>${p}</p>`)}
<p class="verdict">Verdict: <strong>${r.verdict.label}</strong> — connectivity: ${r.verdict.connectivity}; services: ${r.verdict.services}${r.verdict.blockedTargets.length ? html`; blocked: ${r.verdict.blockedTargets.join(', ')}` : ''}</p>
${
  e
    ? html`<h2>The event</h2>${table(['Field', 'Value'], [
        ['Title', e.title],
        ['Id', e.id],
        ['Country', e.country],
        ['Kind', e.kind],
        ['Places', e.places.join('; ') || '—'],
        ['Start', `${e.start} (${e.startLocal}, ${e.tz})`],
        ['End', `${e.end} (${e.endLocal}, ${e.tz})`],
        ['Notes', e.notes ?? '—'],
      ])}${e.sources.length ? html`<p>Sources:</p><ul>${e.sources.map((s) => html`<li><a href="${safeUrl(s)}">${s}</a></li>`)}</ul>` : ''}`
    : ''
}
<h2>Timeline of outages and blocking</h2>
<p>Window: ${r.window.from} to ${r.window.until} (UTC). Local times are in ${r.scope.tz}.</p>
${
  r.outages.length
    ? table(
        ['Start (UTC / local)', 'End (UTC / local)', 'Duration', 'Onset', 'Kind', 'Signals', 'Targets', 'Depth', 'Score'],
        r.outages.map((o) => [html`${o.start}<br>${o.startLocal}`, html`${o.end}<br>${o.endLocal}`, duration(o.durationSeconds), signedDuration(o.onsetSeconds), o.kind, o.signals.join(', '), o.targets.join(', ') || '—', `${num(o.depth * 100)}%`, num(o.score, 0)]),
      )
    : html`<p>No outage or blocking episode was detected in the window.</p>`
}
${r.sourceEvents.length ? html`<h3>Outages declared by the sources</h3>${table(['Source', 'Start (UTC)', 'End (UTC)', 'Title', 'Agreement with detections'], r.sourceEvents.map((s) => [s.source, s.start, s.end ?? 'open', s.title ?? '—', s.agreement]))}` : ''}
<h2>Signals</h2>
${
  r.signals.length
    ? table(
        ['Signal', 'Baseline', 'Minimum in window', 'Peak in window', 'Drop', 'Coverage', 'Data'],
        r.signals.map((s) => [s.signal, num(s.baseline), num(s.minInWindow), num(s.peakInWindow), s.dropPercent === null ? '—' : `${num(s.dropPercent)}%`, `${num(s.coveragePercent, 0)}%`, s.synthetic ? 'SYNTHETIC' : 'measured']),
      )
    : html`<p>No signal data for this entity and range.</p>`
}
${r.signals.map((s) => (charts[s.signal] ? html`<figure>${raw(charts[s.signal]!)}</figure>` : ''))}
${r.ooni.length ? html`<h2>OONI measurements per target</h2>${r.ooni.map((t) => html`<h3>${t.target}</h3>${table(['Day', 'Measurements', 'Anomalies', 'Confirmed'], t.days.map((d) => [d.day, num(d.measurements, 0), num(d.anomaly, 0), num(d.confirmed, 0)]))}`)}` : ''}
<h2>Statistics</h2>
<p>${r.statistics.text}</p>
${table(['Item', 'Value'], [['Method', r.statistics.method], ['p', pValue(r.statistics.p)], ['Smallest attainable p', pValue(r.statistics.smallestAttainableP)], ['Lead', duration(r.window.leadSeconds)], ['Lag', duration(r.window.lagSeconds)], ...Object.entries(r.statistics.details).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])])}
<h2>Data coverage and caveats</h2>
${table(['Source', 'Data for the window', 'Why not'], r.coverage.map((c) => [c.source, c.hasData ? 'yes' : 'no', c.reason ?? '—']))}
<ul>${r.caveats.map((c) => html`<li>${c}</li>`)}</ul>
<h2>Evidence</h2>
<ul>${r.evidence.map((x) => html`<li><a href="${safeUrl(x.url)}">${x.label}</a></li>`)}</ul>
<h2>Published outage lists</h2>
${r.reference.length ? table(['List', 'Country', 'Start', 'End', 'Kind', 'Source'], r.reference.map((x) => [x.list, x.country, x.start, x.end ?? 'open-ended', x.kind ?? '—', x.source ?? '—'])) : html`<p>No imported reference list marks a disruption in this window (or no list has been imported).</p>`}
<h2>How to cite</h2>
<p>${r.citation}</p>
<h2>Licences and attribution</h2>
${table(['Source', 'Licence', 'Attribution'], r.licences.map((l) => [l.source, l.licence, l.attribution]))}
<h2>Reproducibility</h2>
<p class="muted">Generated by ${r.reproducibility.tool} ${r.reproducibility.version} at ${r.reproducibility.generatedAt}. Parameters: <code>${JSON.stringify(r.reproducibility.parameters)}</code>. Data hash (sha256 of the ${r.reproducibility.rows} rows used): <code>${r.reproducibility.dataHash}</code>.</p>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${r.reproducibility.tool} ${r.reproducibility.version}">
<title>${r.title}</title>
<style>${raw(CSS)}</style>
</head>
<body>
${body}
</body>
</html>
`.value;
}
