import { html, raw, type SafeHtml } from '../util/html.js';
import type { ReportData } from './model.js';
import { onsetText, relativeOnset } from './format.js';
import {
  coverageTable,
  nationalOutageTable,
  subnationalTable,
  eventTable,
  licenceTable,
  ooniTable,
  referenceTable,
  signalTable,
  sourceEventTable,
  statisticsTable,
  type TextTable,
} from './tables.js';

const CSS = `
@page { size: A4; margin: 15mm; }
/* on screen an A4 sheet (210 mm) with the print margins, so what you read is what prints: 180 mm of text and charts */
body { font: 10.5pt/1.45 Georgia, "Times New Roman", serif; color: #1b1f24; width: 210mm; max-width: 100%; box-sizing: border-box; margin: 0 auto; padding: 10mm 15mm; }
@media print { body { width: auto; padding: 0; } }
h1 { font-size: 18pt; margin: 0 0 4mm; } h2 { font-size: 13pt; margin: 7mm 0 2mm; border-bottom: 1px solid #d0d7de; } h3 { font-size: 11pt; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font: 8.5pt/1.3 system-ui, sans-serif; page-break-inside: auto; }
th, td { overflow-wrap: break-word; border: 1px solid #d0d7de; padding: 1mm 1.2mm; text-align: left; vertical-align: top; } th { background: #f6f8fa; }
tr { page-break-inside: avoid; } figure { margin: 3mm 0; } svg { display: block; max-width: 100%; height: auto; page-break-inside: avoid; }

.synthetic { background: #fff4ce; border: 2px solid #e0b400; padding: 2mm 3mm; font-weight: bold; }
.verdict { font-size: 12pt; padding: 2mm 3mm; background: #f6f8fa; border-left: 4px solid #0b57d0; }
.muted { color: #57606a; } code { font-size: 8.5pt; word-break: break-all; }
a { color: #0b57d0; } @media print { a { color: inherit; } }
`;

/**
 * A cell's text with places it may wrap in a narrow A4 column, never inside a word: an ISO time between its date
 * and its time (`2016-05-20` / `T03:00:00Z`), a signal name after its colon (`ioda.gtr:` / `YOUTUBE`).
 */
function breakable(text: string): SafeHtml | string {
  const pieces = text
    .replace(/\b(\d{4}-\d\d-\d\d)T(?=\d\d:)/g, '$1\u0000T')
    .replace(/:(?=[A-Za-z])/g, ':\u0000')
    .split('\u0000');
  return pieces.length === 1 ? text : html`${pieces.map((p, i) => (i ? html`<wbr>${p}` : p))}`;
}

function table(headers: string[], rows: unknown[][]): SafeHtml {
  return html`<table><thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${typeof c === 'string' ? breakable(c) : c}</td>`)}</tr>`)}</tbody></table>`;
}

const tab = (t: TextTable) => table(t.headers, t.rows);

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
${r.verdict.onset ? html`<p class="onset">Onset: ${onsetText(r.verdict.onset)}${r.verdict.onset.seconds === null ? '' : `, ${relativeOnset(r.verdict.onset.seconds, r.verdict.onset.precision)}`} (${r.verdict.onset.entity})</p>` : ''}
${
  e
    ? html`<h2>The event</h2>${tab(eventTable(e))}${e.sources.length ? html`<p>Sources:</p><ul>${e.sources.map((s) => html`<li><a href="${safeUrl(s)}">${s}</a></li>`)}</ul>` : ''}`
    : ''
}
<h2>Timeline of outages and blocking</h2>
<p>Window: ${r.window.from} to ${r.window.until} (UTC). Local times are in ${r.scope.tz}.</p>
${nationalOutageTable(r).rows.length ? tab(nationalOutageTable(r)) : html`<p>No national outage or blocking episode was detected in the window.</p>`}
${
  subnationalTable(r).rows.length
    ? html`<details><summary>Sub-national outages: ${r.outages.filter((o) => o.parent !== null).length} episodes in ${subnationalTable(r).rows.length} units of ${r.scope.entity}${r.verdict.subnationalSummary ? html` — ${r.verdict.subnationalSummary}` : ''}</summary>${tab(subnationalTable(r))}</details>`
    : ''
}
${r.sourceEvents.length ? html`<h3>Outages declared by the sources</h3>${tab(sourceEventTable(r))}` : ''}
<h2>Signals</h2>
${r.signals.length ? tab(signalTable(r)) : html`<p>No signal data for this entity and range.</p>`}
${r.signals.map((s) => (charts[s.signal] ? html`<figure>${raw(charts[s.signal]!)}</figure>` : ''))}
${r.ooni.length ? html`<h2>OONI measurements per target</h2>${r.ooni.map((t) => html`<h3>${t.target}</h3>${tab(ooniTable(t))}`)}` : ''}
<h2>Statistics</h2>
<p>${r.statistics.text}</p>
${tab(statisticsTable(r))}
<h2>Data coverage and caveats</h2>
${tab(coverageTable(r))}
<ul>${r.caveats.map((c) => html`<li>${c}</li>`)}</ul>
<h2>Evidence</h2>
<ul>${r.evidence.map((x) => html`<li><a href="${safeUrl(x.url)}">${x.label}</a></li>`)}</ul>
<h2>Published outage lists</h2>
${r.reference.length ? tab(referenceTable(r)) : html`<p>No imported reference list marks a disruption in this window (or no list has been imported).</p>`}
<h2>How to cite</h2>
<p>${r.citation}</p>
<h2>Licences and attribution</h2>
${tab(licenceTable(r))}
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
