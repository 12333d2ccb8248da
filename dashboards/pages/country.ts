/** `/countries/:cc`: a long timeline of every signal, calendar markers, outage bands and the calendar's statistics. */
import { Router, type Request } from 'express';
import { listEvents } from '../../db/calendar.js';
import { listOutages } from '../../db/outages.js';
import { signalExtent } from '../../db/signals-read.js';
import { countryName, normaliseCountry } from '../../services/calendar/countries.js';
import { primaryZone } from '../../services/calendar/zones.js';
import { cachedCorrelation, cachedCountryAsync, derivedFrom, renderPageOnce } from '../../services/correlator/cache.js';
import { correlateOptions } from '../../services/correlator/options.js';
import { badParameter, notFound } from '../../core/app-errors.js';
import { relativeOnset } from '../../services/report/format.js';
import type { AppDeps } from '../deps.js';
import { checkEventLimit } from '../limits.js';
import { html, layout, type SafeHtml } from '../html.js';
import { type Band, chartsMarkup, legend, type Marker, panelsFor } from './charts.js';
import {
  dataLinks,
  duration,
  num,
  pct,
  pValue,
  q,
  signalsParam,
  table,
  time,
  timeMode,
  timeQuery,
  type TimeMode,
  tzToggle,
  verdictBadge,
  withQuery,
  type Column,
} from './common.js';
import { pageOf, pagerNav } from './pager.js';
import { correlatorSource, sqliteStore } from '../backend.js';

/** What a PostgreSQL database cannot serve here yet (answered with 503, never a 500 or an empty page). */
const WHAT = 'The country page';

const DAY = 86400;
/** Rows per page of the events table and the outages table (a country may hold thousands of either). */
const EVENTS_PER_PAGE = 50;
const OUTAGES_PER_PAGE = 50;

const dateOnly = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 10);

export function countryRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/countries/:cc', async (req, res) => {
    const raw = req.params.cc;
    if (!/^[A-Za-z]{2}$/.test(raw)) throw badParameter('cc', `"${raw}" is not a two-letter country code`);
    const cc = raw.toUpperCase();
    if (cc !== raw) {
      res.redirect(301, withQuery(req, {}).replace(`/countries/${raw}`, `/countries/${cc}`));
      return;
    }
    const mode = timeMode(req);
    const now = deps.now ? deps.now() : Math.floor(Date.now() / 1000);
    // a warm page is served as rendered, until the data changes (or the hour turns: default ranges follow now);
    // a cold one is rendered once however many requests wait for it
    const pageKey = `country:${req.originalUrl}:${Math.floor(now / 3600)}`;
    const page = await renderPageOnce(deps.points, pageKey, () => renderCountry(deps, req, cc, mode, now));
    res.type('html').set('ETag', page.etag).send(page.body);
  });
  return router;
}

/** Lets other requests in between the stages of a cold render (no stretch of the render holds the event loop long). */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

async function renderCountry(deps: AppDeps, req: Request, cc: string, mode: TimeMode, now: number): Promise<string> {
  const tz = primaryZone(cc) ?? 'UTC';
  const countryEntity = `country:${cc}`;
  const networks = sqliteStore(deps, WHAT)
    .listEntities()
    .filter((e) => e.country === cc && e.entity !== countryEntity);
  // an unknown code (ZZ) with nothing stored for it is a 404, not an empty page
  if (normaliseCountry(cc) === null && networks.length === 0 && sqliteStore(deps, WHAT).listSignals(countryEntity).length === 0)
    throw notFound(`country ${cc}`);
  const wanted = q(req, 'entity');
  if (wanted && wanted !== countryEntity && !networks.some((n) => n.entity === wanted))
    throw badParameter('entity', `${wanted} is not ${countryEntity} or one of its networks`);
  const entity = wanted || countryEntity;
  const signals = sqliteStore(deps, WHAT).listSignals(entity);
  let first: number | null = null;
  let last: number | null = null;
  for (const s of signals) {
    const x = signalExtent(sqliteStore(deps, WHAT), s.id);
    if (x.first !== null && (first === null || x.first < first)) first = x.first;
    if (x.last !== null && (last === null || x.last > last)) last = x.last;
  }
  const defFrom = first !== null ? Math.floor(first / DAY) * DAY : now - 90 * DAY;
  const defUntil = last !== null ? Math.ceil((last + 1) / DAY) * DAY : now;
  const from = timeQuery(req, 'from', 'start') ?? defFrom;
  const until = timeQuery(req, 'until', 'end') ?? defUntil;
  if (until <= from) throw badParameter('until', 'must be after from');
  const only = signalsParam(req);
  const all = signals.filter((s) => !(s.source === 'ooni' && s.metric !== 'anomaly_rate'));
  const panels = panelsFor(sqliteStore(deps, WHAT), entity, { ooniBars: false, only });
  await checkEventLimit(deps, cc);
  // the calendar as of this data version (a thousand events: read and parsed once, not per page of the table)
  const calendar = await cachedCorrelation(deps.points, `calendar-list:${cc}`, () =>
    listEvents(sqliteStore(deps, WHAT).db, { country: cc }),
  );
  const outages = listOutages(sqliteStore(deps, WHAT).db, { entity, from, until });
  const bands: Band[] = outages.map((o) => ({
    type: 'outage',
    kind: o.kind,
    from: o.start,
    until: o.end,
    label: `${o.kind} outage (${o.severity})`,
  }));
  const markers: Marker[] = calendar
    .filter((e) => e.start >= from && e.start < until)
    .map((e) => ({ at: e.start, id: e.id, label: e.title }));
  await breathe();
  const stats = await cachedCountryAsync(correlatorSource(deps, WHAT), cc, correlateOptions(deps.config));
  const verdictOf = derivedFrom(stats, 'by-id', () => new Map(stats.events.map((e) => [e.id, e])));
  await breathe();

  type Ev = (typeof calendar)[number];
  const evCols: Array<Column<Ev>> = [
    { key: 'start', label: 'Start', sort: (e) => e.start, cell: (e) => time(e.start, mode, e.tz) },
    { key: 'title', label: 'Event', sort: (e) => e.title, cell: (e) => html`<a href="/events/${e.id}">${e.title}</a>` },
    { key: 'kind', label: 'Kind', sort: (e) => e.kind, cell: (e) => e.kind },
    {
      key: 'verdict',
      label: 'Verdict',
      sort: (e) => verdictOf.get(e.id)?.verdict.label ?? null,
      cell: (e) =>
        verdictOf.get(e.id) ? verdictBadge(verdictOf.get(e.id)!.verdict.label) : html`<span class="muted">outside the data</span>`,
    },
    {
      key: 'onset',
      label: 'National onset',
      sort: (e) => verdictOf.get(e.id)?.firstOnsetSeconds ?? null,
      cell: (e) => {
        const x = verdictOf.get(e.id);
        const on = x?.verdict.onset;
        const sub = x?.subnational ? html` <span class="muted">(${x.subnational} sub-national)</span>` : '';
        if (!on || on.seconds === null) return html`—${sub}`;
        return html`${relativeOnset(on.seconds, on.precision)} <span class="muted">(${on.precision === 'day' ? 'daily data' : on.precision === 'hour' ? 'hourly data' : 'sub-hourly data'})</span>${sub}`;
      },
    },
    {
      key: 'p',
      label: 'p (this event)',
      sort: (e) => verdictOf.get(e.id)?.p ?? null,
      cell: (e) => {
        const x = verdictOf.get(e.id);
        return x && x.p === null ? html`<span class="muted" title="${x.reason ?? ''}">n/a</span>` : pValue(x?.p);
      },
    },
    { key: 'q', label: 'q (BH)', sort: (e) => verdictOf.get(e.id)?.q ?? null, cell: (e) => pValue(verdictOf.get(e.id)?.q) },
    {
      key: 'view',
      label: 'On the timeline',
      cell: (e) =>
        html`<a href="${withQuery(req, { from: dateOnly(e.start - 30 * DAY), until: dateOnly(e.end + 30 * DAY) })}">±30 days</a>`,
    },
  ];

  // one page of the events (sorted as asked, ties in calendar order: start, id), with the total and previous/next
  // links; every event stays reachable, and the table's order does not depend on the page shown
  const eventsTable = table(
    req,
    calendar,
    evCols,
    { key: 'start', dir: 'asc' },
    {
      id: 'country-events',
      empty: `No calendar events for ${cc}.`,
      page: { size: EVENTS_PER_PAGE, param: 'events-page', anchor: 'calendar', label: 'calendar events' },
    },
  );
  await breathe();
  const outagePage = pageOf(req, outages.length, { size: OUTAGES_PER_PAGE, param: 'outages-page', anchor: 'outages' });
  const outagesShown = outages.slice(outagePage.offset, outagePage.offset + outagePage.size);
  const presets: Array<[string, number, number]> = [
    ['All data', defFrom, defUntil],
    ['Last 30 days of data', defUntil - 30 * DAY, defUntil],
    ['Last year of data', defUntil - 365 * DAY, defUntil],
  ];

  const body = html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/">Overview</a> › ${countryName(cc)}</nav>
<h1>${countryName(cc)} (${cc})</h1>
${tzToggle(req, mode, tz)}
<section id="timeline" aria-labelledby="timeline-h">
<h2 id="timeline-h">Timeline: ${entity}, ${time(from, mode, tz)} to ${time(until, mode, tz)}</h2>
<form class="range-form" method="get" action="/countries/${cc}">
<label for="f-from">From</label> <input id="f-from" name="from" type="date" value="${dateOnly(from)}">
<label for="f-until">Until</label> <input id="f-until" name="until" type="date" value="${dateOnly(until - 1)}">
${
  networks.length
    ? html`<label for="f-entity">Entity</label> <select id="f-entity" name="entity"><option value="">${countryEntity} (whole country)</option>${networks.map((n) => html`<option value="${n.entity}"${n.entity === entity ? html` selected` : ''}>${n.entity}${n.name ? ` ${n.name}` : ''}</option>`)}</select>`
    : ''
}
${mode === 'local' ? html`<input type="hidden" name="tz" value="local">` : ''}
<details class="signal-picker"${only ? html` open` : ''}><summary>Signals (${only ? only.length : 'all'})</summary>
${all.map((s) => html`<label class="check"><input type="checkbox" name="signals" value="${s.name}"${!only || only.includes(s.name) ? html` checked` : ''}> ${s.name}${s.synthetic ? ' (synthetic)' : ''}</label> `)}
</details>
<button type="submit">Show</button>
</form>
<p class="presets">Range: ${presets.map(([label, a, b]) => html`<a href="${withQuery(req, { from: String(a), until: String(b) })}">${label}</a> · `)}${calendar.length ? html`<span class="muted">or pick an event below</span>` : ''}</p>
${legend(false, true)}
${chartsMarkup({ panels, from, until, tz, mode, bands, markers, maxPoints: 1500, id: 'charts', emptyText: `No signals stored for ${entity}.` })}
${dataLinks('/api/signals', { entity, from, until, maxPoints: 1500, signals: only?.join(',') }, 'Every charted signal in this range')}
${
  networks.length
    ? html`<h3>Networks of ${countryName(cc)}</h3><ul class="networks">${networks.map((n) => html`<li><a href="${withQuery(req, { entity: n.entity, signals: null })}">${n.entity}</a>${n.name ? html` ${n.name}` : ''}</li>`)}</ul>`
    : html`<p class="muted">No per-network (AS) data stored for ${cc}: add entities such as <code>asn:9198</code> to <code>collection.entities</code> to collect per network.</p>`
}
</section>
<section id="calendar" aria-labelledby="calendar-h">
<h2 id="calendar-h">Calendar events</h2>
${eventsTable}
${dataLinks('/api/events', { country: cc }, 'Events')}
</section>
${statistics(stats, cc)}
<section id="outages" aria-labelledby="outages-h">
<h2 id="outages-h">Outages in this range</h2>
${
  outages.length === 0
    ? html`<p class="muted">None detected.</p>`
    : html`<div class="table-wrap"><table id="country-outages"><thead><tr><th scope="col">Kind</th><th scope="col">Start</th><th scope="col">End</th><th scope="col">Duration</th><th scope="col">Score</th><th scope="col">Signals</th></tr></thead><tbody>${outagesShown.map((o) => html`<tr><td><span class="kind kind-${o.kind}">${o.kind}</span></td><td>${time(o.start, mode, tz)}</td><td>${time(o.end, mode, tz)}</td><td>${duration(o.end - o.start)}</td><td>${num(o.score, 2)}</td><td>${o.signals.map((s) => s.signal).join(', ')}</td></tr>`)}</tbody></table></div>${pagerNav(req, outagePage, 'outages in this range')}`
}
${dataLinks('/api/outages', { entity, from, until }, 'Outages')}
</section>`;
  return layout(`${countryName(cc)}`, body, {
    styles: ['/static/vendor/uplot/uPlot.min.css'],
    scripts: ['/static/vendor/uplot/uPlot.iife.min.js', '/static/page.js', '/static/charts.js'],
  });
}

type CountryStats = Awaited<ReturnType<typeof cachedCountryAsync>>;

const TEST_LABEL: Record<string, string> = {
  all: 'All outages',
  connectivity: 'Connectivity outages',
  services: 'Service blocking',
  ioda: 'IODA outages only',
  ooni: 'OONI outages only',
  ripestat: 'RIPEstat outages only',
  radar: 'Cloudflare Radar outages only',
};

/** The statistics section: the same for every page of the events table and both time modes, so made once per result. */
function statistics(stats: CountryStats, cc: string): SafeHtml {
  return derivedFrom(stats, `statistics:${cc}`, () => {
    const statRows = stats.stats.tests.map(
      (t) =>
        html`<tr><th scope="row">${TEST_LABEL[t.name] ?? t.name}</th><td>${num(t.days, 0)}</td><td>${t.eventsAssessable}</td><td>${num(t.outageDays, 1)}</td><td>${t.B}${t.exhaustive ? ' (every weekly shift)' : ''}</td><td>${t.trigger.k}/${t.trigger.n} = ${pct(t.trigger.rate)}</td><td>${pValue(t.trigger.p)}</td><td>${pValue(t.trigger.q)}</td><td>${t.precursor.k}/${t.precursor.n} = ${pct(t.precursor.rate)}</td><td>${pValue(t.precursor.p)}</td><td>${pValue(t.precursor.q)}</td><td class="muted">${pValue(t.trigger.analyticP)} / ${pValue(t.precursor.analyticP)}</td></tr>`,
    );
    return html`<section id="statistics" aria-labelledby="stats-h">
<h2 id="stats-h">Correlation statistics</h2>
<p>Two tests ask whether this country's outages line up with its calendar more than chance would have them, each event counting with its window from ${duration(stats.stats.leadSeconds)} before its start to ${duration(stats.stats.lagSeconds)} after its end (outages: ${stats.outageInput}${stats.synthetic ? '; SYNTHETIC demo data' : ''}):</p>
<ul>
<li><strong>Trigger test</strong> — do protest events come with an outage? The share of events whose window holds an outage.</li>
<li><strong>Precursor test</strong> — do outages begin around protest events? The share of outage onsets that fall inside some event window.</li>
</ul>
<p class="muted"><strong>p</strong> comes from a surrogate test: the outage history is ${stats.stats.method.surrogate === 'circular-shift' ? 'shifted by whole weeks' : `cut into ${stats.stats.method.blockDays}-day blocks and shuffled`}, which keeps how outages cluster, and p is the share of shifted histories that line up at least as well (B per test; the smallest p a test can give is 1/(B+1)). <strong>q</strong> corrects p for testing many things at once (<a href="https://en.wikipedia.org/wiki/False_discovery_rate#Benjamini%E2%80%93Hochberg_procedure">Benjamini–Hochberg false discovery rate</a>) over every p in this table. The last column is an <em>analytic approximation</em> (the Poisson null of <a href="https://doi.org/10.1140/epjst/e2016-60110-5">event coincidence analysis</a>) that ignores clustering and is shown for reference only. Calendar table above: p (this event) ranks the event's own window among ordinary windows; q (BH) corrects it over the ${stats.eventsFamily.size} event(s) that could be assessed.</p>
${stats.stats.note ? html`<p class="note">${stats.stats.note}</p>` : ''}
${
  statRows.length
    ? html`<div class="table-wrap"><table id="stats"><thead><tr><th scope="col" rowspan="2">Outages tested</th><th scope="col" rowspan="2">Days with data</th><th scope="col" rowspan="2">Events assessable</th><th scope="col" rowspan="2">Outage days</th><th scope="col" rowspan="2">B</th><th scope="colgroup" colspan="3">Trigger test</th><th scope="colgroup" colspan="3">Precursor test</th><th scope="col" rowspan="2">Analytic approximation (trigger / precursor)</th></tr><tr><th scope="col">rate</th><th scope="col">p</th><th scope="col">q</th><th scope="col">rate</th><th scope="col">p</th><th scope="col">q</th></tr></thead><tbody>${statRows}</tbody></table></div>`
    : html`<p class="muted">No test could be run.</p>`
}
${dataLinks('/api/correlation', { country: cc }, 'Statistics')}
<p class="muted"><code>outagewatch correlate --country ${cc} --json</code> prints the same numbers.</p>
</section>`;
  });
}
