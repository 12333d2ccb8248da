/** `/events/:id`: one protest event against every signal of its country, with the verdict and its evidence. */
import { Router, type Request } from 'express';
import { getEvent } from '../../db/calendar.js';
import { listOutages } from '../../db/outages.js';
import { countryName } from '../../services/calendar/countries.js';
import { eventToJson } from '../../services/calendar/json.js';
import type { ProtestEvent } from '../../core/calendar.js';
import type { EventCorrelationJson } from '../../services/correlator/assemble.js';
import { cachedEventAsync, renderPageOnce } from '../../services/correlator/cache.js';
import { correlateOptions } from '../../services/correlator/options.js';
import { badParameter, notFound } from '../../core/app-errors.js';
import { evidenceLinks } from '../../services/evidence/links.js';
import { onsetText as onsetAt, relativeOnset } from '../../services/report/format.js';
import type { AppDeps } from '../deps.js';
import { html, layout, type SafeHtml } from '../html.js';
import { type Band, chartsMarkup, legend, panelsFor } from './charts.js';
import {
  dataLinks,
  duration,
  durationQuery,
  fmtLocal,
  fmtUtc,
  pct,
  pValue,
  q,
  signalsParam,
  time,
  timeMode,
  timeQuery,
  type TimeMode,
  tzToggle,
  verdictBadge,
  withQuery,
} from './common.js';
import { correlatorSource, sqliteStore } from '../backend.js';

/** What a PostgreSQL database cannot serve here yet (answered with 503, never a 500 or an empty page). */
const WHAT = 'The event page';

const DAY = 86400;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** Only http(s) links become links; anything else (javascript:, data:) is shown as text. */
export function safeLink(url: string | null | undefined, text?: string): SafeHtml | string {
  if (!url) return '—';
  return /^https?:\/\//i.test(url) ? html`<a href="${url}" rel="noopener noreferrer">${text ?? url}</a>` : (text ?? url);
}

function onsetText(seconds: number): string {
  if (seconds === 0) return 'at the event start';
  return `${duration(Math.abs(seconds))} ${seconds < 0 ? 'before' : 'after'} the event start`;
}

const AXIS_TEXT: Record<string, string> = {
  outage: 'outage: the network itself went dark',
  blocking: 'blocking: services unreachable',
  normal: 'normal: no drop in the data',
  'no-data': 'no data for this window',
};

type WindowOutage = EventCorrelationJson['outages'][number];

/** "lost 97 % of normal for 82 h" instead of a raw score; a reference outage has no depth, only its length. */
function lossWords(o: WindowOutage): string {
  const h = o.hours >= 10 ? Math.round(o.hours) : Math.round(o.hours * 10) / 10;
  if (o.origin !== 'detected') return `listed (${o.scope}), ${h} h`;
  if (o.lostPercent === null) return `measurement anomalies for ${h} h`;
  return o.kind === 'degradation'
    ? `ran ${Math.round(o.lostPercent)} % below normal for ${h} h`
    : `lost ${Math.round(o.lostPercent)} % of normal for ${h} h`;
}

function outageRows(rows: readonly WindowOutage[], mode: TimeMode, ev: ProtestEvent): SafeHtml {
  return html`<div class="table-wrap"><table class="outages-in-window"><thead><tr><th scope="col">Kind</th><th scope="col">Entity</th><th scope="col">Start</th><th scope="col">End</th><th scope="col">Onset</th><th scope="col">Loss</th><th scope="col">Signals</th></tr></thead><tbody>${rows.map(
    (o) =>
      html`<tr><td><span class="kind kind-${o.kind}">${o.kind}</span></td><td>${o.area && o.area !== o.entity ? html`${o.area} <span class="muted">${o.entity}</span>` : o.entity}</td><td>${time(Date.parse(o.start) / 1000, mode, ev.tz)}</td><td>${time(Date.parse(o.end) / 1000, mode, ev.tz)}</td><td>${onsetText(o.onsetSeconds)}</td><td>${lossWords(o)}</td><td>${o.signals.join(', ')}</td></tr>`,
  )}</tbody></table></div>`;
}

function verdictSection(c: EventCorrelationJson, ev: ProtestEvent, mode: TimeMode): SafeHtml {
  const v = c.verdict;
  const sig = c.significance;
  const national = c.outages.filter((o) => o.parent === null);
  const sub = c.outages.filter((o) => o.parent !== null);
  const coverage = c.coverage.map(
    (s) =>
      html`<li class="${s.hadData ? 'cov-ok' : 'cov-missing'}"><strong>${s.name}</strong>: ${s.hadData ? html`data for ${s.hours} h, ${pct(s.fraction)} of the window's hours${s.axes.length ? html` (informs ${s.axes.join(' and ')})` : ''}` : s.hours ? html`only ${s.hours} h of data in the window` : 'no usable data'}${s.events ? html`; ${s.events} source event(s)` : ''}${s.reason ? html`. <span class="reason">${s.reason}</span>` : ''}</li>`,
  );
  return html`<section id="verdict" aria-labelledby="verdict-h">
<h2 id="verdict-h">Verdict</h2>
<p class="verdict-line">${verdictBadge(v.label)}${c.synthetic ? html` <span class="synthetic">SYNTHETIC data</span>` : ''}</p>
<dl class="facts">
<dt>Connectivity</dt><dd class="axis axis-${v.connectivity}">${AXIS_TEXT[v.connectivity] ?? v.connectivity}</dd>
<dt>Services</dt><dd class="axis axis-${v.services}">${AXIS_TEXT[v.services] ?? v.services}</dd>
<dt>Window</dt><dd>${time(Date.parse(c.window.from) / 1000, mode, ev.tz)} to ${time(Date.parse(c.window.until) / 1000, mode, ev.tz)} (from ${duration(c.window.leadSeconds)} before the start to ${duration(c.window.lagSeconds)} after the end; outages: ${c.outageInput})</dd>
<dt>Onset</dt><dd class="onset">${
    v.onset
      ? html`${onsetAt(v.onset)}${v.onset.seconds === null ? '' : html`, ${relativeOnset(v.onset.seconds, v.onset.precision)}`} on ${v.onset.entity}${v.onset.signal ? html` (${v.onset.signal})` : ''}${v.onset.basis === 'subnational-majority' ? ' — most of the country’s units down at once' : ''}`
      : html`no national onset${sub.length ? ' (sub-national episodes only)' : ''}`
  }</dd>
<dt>Depth</dt><dd>${v.depth === null ? '—' : html`the country lost ${Math.round(v.depth * 100)} % of normal at the deepest point`}</dd>
${v.subnationalSummary ? html`<dt>Sub-national</dt><dd class="subnational-summary">${v.subnationalSummary}</dd>` : ''}
<dt>p-value</dt><dd>${sig.p === null ? html`not computed${sig.note ? html`: ${sig.note}` : ''}` : html`p = ${pValue(sig.p)} (permutation test: the deepest loss in this window, ${sig.window ? `${sig.window.from} to ${sig.window.until}` : ''}, ranked against ${sig.windows} non-overlapping ordinary windows of the same length and time of day in the same country${sig.history ? html`, ${sig.history.from.slice(0, 10)} to ${sig.history.until.slice(0, 10)}` : ''}; smallest attainable ${pValue(sig.smallestAttainableP)})`}${
    sig.byAxis ? html`; connectivity p = ${pValue(sig.byAxis.connectivity.p)}, services p = ${pValue(sig.byAxis.services.p)}` : ''
  }</dd>
</dl>
<h3>Coverage</h3>
<ul class="coverage">${coverage}</ul>
<h3>Outages in the window</h3>
${national.length === 0 ? html`<p class="muted">No national outage.</p>` : outageRows(national, mode, ev)}
${
  sub.length
    ? html`<details class="subnational"><summary>Sub-national: ${sub.length} episode(s) in ${new Set(sub.map((o) => o.entity)).size} unit(s) of country:${ev.country}</summary>${outageRows(sub, mode, ev)}</details>`
    : ''
}
${dataLinks('/api/outages', { country: ev.country, from: c.window.from, until: c.window.until }, 'Outages in the window')}
<h3>Events declared by sources</h3>
${
  c.sourceEvents.length === 0
    ? html`<p class="muted">None in the window.</p>`
    : html`<div class="table-wrap"><table class="source-events"><thead><tr><th scope="col">Source</th><th scope="col">Title</th><th scope="col">Start</th><th scope="col">End</th><th scope="col">Onset</th></tr></thead><tbody>${c.sourceEvents.map(
        (e) =>
          html`<tr><td>${e.source}</td><td>${safeLink(e.url, e.title ?? e.kind ?? 'event')}</td><td>${time(Date.parse(e.start) / 1000, mode, ev.tz)}</td><td>${e.end ? time(Date.parse(e.end) / 1000, mode, ev.tz) : 'open'}</td><td>${onsetText(e.onsetSeconds)}</td></tr>`,
      )}</tbody></table></div>`
}
<p class="data-links">Verdict, correlation and source events: <a href="/api/events/${encodeURIComponent(ev.id)}" class="data-json">JSON</a></p>
${dataLinks('/api/source-events', { country: ev.country, from: c.window.from, until: c.window.until }, 'Source events in the window')}
</section>`;
}

function rangeOf(req: Request, ev: ProtestEvent): { from: number; until: number; before: number; after: number; explicit: boolean } {
  const before = durationQuery(req, 'before', 7 * DAY);
  const after = durationQuery(req, 'after', 7 * DAY);
  const from = timeQuery(req, 'from', 'start');
  const until = timeQuery(req, 'until', 'end');
  const r = {
    from: from ?? ev.start - before,
    until: until ?? ev.end + after,
    before,
    after,
    explicit: from !== undefined || until !== undefined,
  };
  if (r.until <= r.from) throw badParameter('until', 'must be after from');
  if (r.until - r.from > 3 * 366 * DAY)
    throw badParameter('from', 'the event page shows at most three years; use the country page for longer ranges');
  return r;
}

export function eventRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/events/:id', async (req, res) => {
    const id = req.params.id;
    if (!ID.test(id)) throw badParameter('id', 'not an event id');
    // a warm page is served as rendered until the data changes; a cold one is rendered once however many wait
    const page = await renderPageOnce(deps.points, `event:${req.originalUrl}`, () => renderEvent(deps, req, id));
    res.type('html').set('ETag', page.etag).send(page.body);
  });
  return router;
}

async function renderEvent(deps: AppDeps, req: Request, id: string): Promise<string> {
  const ev = getEvent(sqliteStore(deps, WHAT).db, id);
  if (!ev) throw notFound(`event ${id}`);
  const mode = timeMode(req);
  const j = eventToJson(ev);
  const range = rangeOf(req, ev);
  const c = await cachedEventAsync(correlatorSource(deps, WHAT), id, correlateOptions(deps.config));
  const countryEntity = `country:${ev.country}`;
  const networks = sqliteStore(deps, WHAT)
    .listEntities()
    .filter((e) => e.country === ev.country && e.entity !== countryEntity && sqliteStore(deps, WHAT).listSignals(e.entity).length > 0);
  const wanted = q(req, 'entity');
  const entity = wanted && (wanted === countryEntity || networks.some((n) => n.entity === wanted)) ? wanted : countryEntity;
  if (wanted && wanted !== entity) throw badParameter('entity', `${wanted} is not ${countryEntity} or one of its networks`);
  const chartNetworks = entity === countryEntity ? networks.map((n) => n.entity) : [];
  const panels = panelsFor(sqliteStore(deps, WHAT), entity, { ooniBars: true, networks: chartNetworks });
  const allLine = panels.filter((p) => p.kind === 'line');
  // `?signals=` (shareable in the URL) narrows the line charts to the chosen signals
  const only = signalsParam(req);
  const lineP = only
    ? allLine.map((p) => ({ ...p, series: p.series.filter((x) => only.includes(x.signal)) })).filter((p) => p.series.length > 0)
    : allLine;
  const lineSignals = [...new Set(allLine.flatMap((p) => p.series.map((x) => x.signal)))];
  const ooniP = panels.filter((p) => p.kind === 'bars');
  const outages = listOutages(sqliteStore(deps, WHAT).db, { entity, from: range.from, until: range.until });
  const srcEvents = sqliteStore(deps, WHAT)
    .listSourceEvents({ entity, from: range.from, until: range.until })
    .filter((e) => e.start < range.until && (e.end ?? e.start + 1) > range.from);
  const bands: Band[] = [
    { type: 'window', from: Date.parse(c.window.from) / 1000, until: Date.parse(c.window.until) / 1000, label: 'correlation window' },
    { type: 'event', from: ev.start, until: ev.end, label: ev.title },
    ...outages.map((o): Band => ({ type: 'outage', kind: o.kind, from: o.start, until: o.end, label: `${o.kind} outage (${o.severity})` })),
    ...srcEvents.map((e): Band => {
      const target = ooniP.find((p) => p.target && (e.title ?? '').includes(p.target))?.target ?? null;
      return { type: 'source-event', from: e.start, until: e.end ?? e.start + 3600, label: e.title ?? `${e.source} event`, target };
    }),
  ];
  const targets = [...new Set(ooniP.map((p) => p.target).filter((t): t is string => !!t))];
  const evidence = evidenceLinks(entity, range.from, range.until, { ooniTargets: targets });
  const common = { from: range.from, until: range.until, tz: ev.tz, mode, bands };

  const body = html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/calendar">Calendar</a> › <a href="/countries/${ev.country}">${countryName(ev.country)}</a> › ${ev.id}</nav>
<h1 class="event-title">${ev.title}</h1>
<p class="muted">${ev.kind} · <a href="/countries/${ev.country}">${countryName(ev.country)} (${ev.country})</a>${ev.places.length ? html` · ${ev.places.map((p) => p.name).join(', ')}` : ''}</p>
${tzToggle(req, mode, ev.tz)}
<dl class="facts event-facts">
<dt>Local time</dt><dd>${fmtLocal(ev.start, ev.tz)} to ${fmtLocal(ev.end, ev.tz)}${ev.allDay ? html` (all day: ${j.localDays.first === j.localDays.last ? j.localDays.first : `${j.localDays.first} to ${j.localDays.last}`})` : ''}</dd>
<dt>UTC</dt><dd>${fmtUtc(ev.start)} to ${fmtUtc(ev.end)}</dd>
<dt>Places</dt><dd>${ev.places.length ? ev.places.map((p) => p.name + (p.admin1 ? ` (${p.admin1})` : '')).join('; ') : '—'}</dd>
<dt>Sources</dt><dd>${ev.sources.length ? html`<ul class="plain">${ev.sources.map((s) => html`<li>${safeLink(s)}</li>`)}</ul>` : '—'}</dd>
${ev.notes ? html`<dt>Notes</dt><dd class="notes">${ev.notes}</dd>` : ''}
${ev.tags.length ? html`<dt>Tags</dt><dd>${ev.tags.join(', ')}</dd>` : ''}
</dl>
${dataLinks('/api/events', { country: ev.country, from: ev.start, until: ev.end }, 'This event')}
${verdictSection(c, ev, mode)}
<section id="signals" aria-labelledby="signals-h">
<h2 id="signals-h">Signals for ${entity}, ${time(range.from, mode, ev.tz)} to ${time(range.until, mode, ev.tz)}</h2>
<form class="range-form" method="get" action="/events/${ev.id}">
<label for="f-before">Days before</label> <input id="f-before" name="before" size="5" value="${q(req, 'before') || '7d'}">
<label for="f-after">Days after</label> <input id="f-after" name="after" size="5" value="${q(req, 'after') || '7d'}">
${
  networks.length
    ? html`<label for="f-entity">Entity</label> <select id="f-entity" name="entity"><option value="${countryEntity}">${countryEntity} (whole country)</option>${networks.map((n) => html`<option value="${n.entity}"${n.entity === entity ? html` selected` : ''}>${n.entity}${n.name ? ` ${n.name}` : ''}</option>`)}</select>`
    : ''
}
${lineSignals.length > 1 ? html`<fieldset class="signal-picker"><legend>Signals</legend>${lineSignals.map((name) => html`<label class="check"><input type="checkbox" name="signals" value="${name}"${!only || only.includes(name) ? html` checked` : ''}> ${name}</label> `)}</fieldset>` : ''}
${mode === 'local' ? html`<input type="hidden" name="tz" value="local">` : ''}
<button type="submit">Show</button>
${range.explicit ? html` <a href="${withQuery(req, { from: null, until: null })}">Reset zoom</a>` : ''}
</form>
${legend(true)}
${chartsMarkup({ ...common, panels: lineP, id: 'charts', emptyText: `No signals stored for ${entity}.` })}
${dataLinks('/api/signals', { entity, from: range.from, until: range.until, signals: only?.join(',') }, only ? 'The charted signals in this range' : 'Every signal of this entity in this range')}
</section>
<section id="ooni" aria-labelledby="ooni-h">
<h2 id="ooni-h">OONI: anomaly rate per target${chartNetworks.length ? ' (country and each network)' : ''}</h2>
<p class="muted">Share of measurements flagged anomalous or confirmed blocked, per day (empty below the minimum number of measurements).</p>
${chartsMarkup({ ...common, panels: ooniP, id: 'ooni-charts', emptyText: 'No OONI data stored for this entity.' })}
</section>
<section id="evidence" aria-labelledby="evidence-h">
<h2 id="evidence-h">Evidence links</h2>
<p class="muted">The sources' own views of ${entity} for the same range.</p>
<ul class="evidence">${evidence.map((l) => html`<li><span class="src src-${l.source}">${l.source}</span> ${safeLink(l.url, l.label)}</li>`)}</ul>
</section>`;
  return layout(ev.title, body, {
    styles: ['/static/vendor/uplot/uPlot.min.css'],
    scripts: ['/static/vendor/uplot/uPlot.iife.min.js', '/static/page.js', '/static/charts.js'],
  });
}
