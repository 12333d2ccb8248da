/** `/`: watched countries and their latest state, recent outages, upcoming events with their watch windows, collector health. */
import { Router } from 'express';
import type { Outage } from '../../core/outage.js';
import { countryName } from '../../services/calendar/countries.js';
import { localDate } from '../../services/calendar/time.js';
import { primaryZone } from '../../services/calendar/zones.js';
import { groupByParent, subnationalSummary } from '../../services/detector/group.js';
import { lossText } from '../../services/detector/json.js';
import { parseCollectionConfig, watchedEntities } from '../../services/scheduler/policy.js';
import type { AppDeps } from '../deps.js';
import { collectorHealth } from '../health.js';
import { html, layout } from '../html.js';
import { dataLinks, duration, table, time, timeMode, tzToggle, verdictBadge, type Column } from './common.js';
import { repositories } from '../backend.js';

/** What a PostgreSQL database cannot serve here yet (answered with 503, never a 500 or an empty page). */
const WHAT = 'The overview';

const DAY = 86400;

export function overviewRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const now = deps.now ? deps.now() : Math.floor(Date.now() / 1000);
    const mode = timeMode(req);
    // on either backend: the calendar and outages through their repositories, signals through the point store
    const repos = repositories(deps, WHAT);
    const points = deps.points;
    const policy = parseCollectionConfig(deps.config.collection);
    const [calendar, signals, entities, allOutages, upcomingAll] = await Promise.all([
      repos.calendar.listEvents(),
      points.listSignals(),
      points.listEntities(),
      repos.outages.listOutages(),
      repos.calendar.listUpcoming(now),
    ]);
    const watched = watchedEntities(
      calendar.map((e) => ({ id: e.id, country: e.country, start: e.start, end: e.end })),
      policy,
    );

    interface Row {
      entity: string;
      country: string | null;
      signals: number;
      synthetic: boolean;
      last: number | null;
      outage: Outage | null;
      events: number;
      state: string;
    }
    // each entity's outages in start order (as the repository lists them)
    const outagesOf = new Map<string, Outage[]>();
    for (const o of allOutages) {
      const list = outagesOf.get(o.entity);
      if (list) list.push(o);
      else outagesOf.set(o.entity, [o]);
    }
    // the last point of every watched signal: one query for the page
    const watchedSet = new Set(watched.map((w) => w.entity));
    const extentOf = await points.signalExtents(signals.filter((s) => watchedSet.has(s.entity)).map((s) => s.id));
    const extents = new Map<number, number | null>([...extentOf].map(([id, x]) => [id, x.last]));
    const rows: Row[] = watched.map((w) => {
      const mine = signals.filter((s) => s.entity === w.entity);
      let last: number | null = null;
      for (const s of mine) {
        const x = extents.get(s.id) ?? null;
        if (x !== null && (last === null || x > last)) last = x;
      }
      const outages = outagesOf.get(w.entity) ?? [];
      const outage = outages.length ? outages[outages.length - 1]! : null;
      let state = 'no data yet';
      if (last !== null) state = outage && (outage.open || outage.end >= last - DAY) ? `${outage.kind} outage` : 'normal';
      return {
        entity: w.entity,
        country: w.country,
        signals: mine.length,
        synthetic: mine.some((s) => s.synthetic),
        last,
        outage,
        events: w.country ? calendar.filter((e) => e.country === w.country).length : 0,
        state,
      };
    });
    const countryLink = (r: Row) =>
      r.country ? html`<a href="/countries/${r.country}">${countryName(r.country)} (${r.country})</a>` : r.entity;
    const cols: Array<Column<Row>> = [
      {
        key: 'entity',
        label: 'Watched',
        sort: (r) => r.entity,
        cell: (r) => html`${countryLink(r)}${r.entity.startsWith('country:') ? '' : html` <span class="muted">${r.entity}</span>`}`,
      },
      {
        key: 'state',
        label: 'Latest state',
        sort: (r) => r.state,
        cell: (r) =>
          html`<span class="state state-${r.state.replace(/[^a-z]+/g, '-')}">${r.state}</span>${r.synthetic ? html` <span class="synthetic">SYNTHETIC</span>` : ''}`,
      },
      { key: 'last', label: 'Data until', sort: (r) => r.last, cell: (r) => time(r.last, mode, r.country ? primaryZone(r.country) : null) },
      {
        key: 'outage',
        label: 'Latest outage',
        sort: (r) => r.outage?.start ?? null,
        cell: (r) =>
          r.outage
            ? html`<span class="kind kind-${r.outage.kind}">${r.outage.kind}</span> ${time(r.outage.start, mode, r.country ? primaryZone(r.country) : null)} (${duration(r.outage.end - r.outage.start)})`
            : '—',
      },
      { key: 'signals', label: 'Signals', sort: (r) => r.signals, cell: (r) => r.signals },
      {
        key: 'events',
        label: 'Calendar events',
        sort: (r) => r.events,
        cell: (r) => (r.country ? html`<a href="/calendar?country=${r.country}">${r.events}</a>` : '—'),
      },
    ];

    const entityCountry = new Map(entities.map((e) => [e.entity, e.country] as const));
    // the 10 latest national (or parentless) outages; sub-national ones among the latest 100, collapsed per country
    const latest = [...allOutages].sort((a, b) => b.start - a.start);
    const recent = latest.filter((o) => !o.parent).slice(0, 10);
    const recentSub = groupByParent(latest.slice(0, 100).filter((o) => o.parent));
    const upcoming = upcomingAll.slice(0, 10);
    const past = calendar
      .filter((e) => e.start < now)
      .sort((a, b) => b.start - a.start)
      .slice(0, 5);
    // the events that have data to look at (the first thing worth following), newest first: any signal of the
    // event's country or its networks/regions with a daily value inside the event window [start − 1 d, end + 2 d]
    const entitiesOf = new Map<string, number[]>();
    const syntheticIds = new Set(signals.filter((s) => s.synthetic).map((s) => s.id));
    const countryOfEntity = new Map(
      entities.map((e) => [e.entity, e.country ?? (e.entity.startsWith('country:') ? e.entity.slice(8) : null)] as const),
    );
    for (const s of signals) {
      const cc = countryOfEntity.get(s.entity) ?? (s.entity.startsWith('country:') ? s.entity.slice(8) : null);
      if (!cc) continue;
      if (!entitiesOf.has(cc)) entitiesOf.set(cc, []);
      entitiesOf.get(cc)!.push(s.id);
    }
    // every event's window over every signal of its country: one query for the page
    const perEvent = await points.dailyValueCounts(
      calendar.map((e) => ({ signalIds: entitiesOf.get(e.country) ?? [], from: e.start - DAY, until: e.end + 2 * DAY })),
    );
    const counted = calendar.map((e, i) => {
      let n = 0;
      let synthetic = false;
      for (const [id, k] of perEvent[i]!) {
        if (k > 0) {
          n += k;
          if (syntheticIds.has(id)) synthetic = true;
        }
      }
      return { e, points: n, synthetic };
    });
    const withData = counted.filter((x) => x.points > 0).sort((a, b) => b.e.start - a.e.start);
    const recentTable = (list: typeof latest) =>
      html`<div class="table-wrap"><table class="recent-outages"${list === recent ? html` id="recent-outages"` : ''}><thead><tr><th scope="col">Entity</th><th scope="col">Kind</th><th scope="col">Start</th><th scope="col">Duration</th><th scope="col">Loss</th><th scope="col">Targets</th></tr></thead><tbody>${list.map(
        (o) => {
          const cc = o.entity.startsWith('country:') ? o.entity.slice(8) : (entityCountry.get(o.entity) ?? null);
          const sub = o.entity.startsWith('country:') ? '' : `entity=${encodeURIComponent(o.entity)}&`;
          return html`<tr><td>${cc ? html`<a href="/countries/${cc}?${sub}from=${o.start - 7 * DAY}&amp;until=${o.end + 7 * DAY}">${o.entity}</a>` : o.entity}${o.synthetic ? html` <span class="synthetic">SYNTHETIC</span>` : ''}</td><td><span class="kind kind-${o.kind}">${o.kind}</span></td><td>${time(o.start, mode, cc ? primaryZone(cc) : null)}</td><td>${duration(o.end - o.start)}${o.open ? ' (ongoing)' : ''}</td><td>${lossText(o)}</td><td>${o.targets.join(', ') || '—'}</td></tr>`;
        },
      )}</tbody></table></div>`;
    const health = await collectorHealth(deps);
    const eventRow = (e: (typeof calendar)[number]) =>
      html`<tr><td><a href="/events/${e.id}">${e.title}</a></td><td>${e.country}</td><td>${time(e.start, mode, e.tz)}</td><td>${
        policy.watch.enabled
          ? html`${time(e.start - policy.watch.before, mode, e.tz)} to ${time(e.end + policy.watch.after, mode, e.tz)}`
          : 'watching off'
      }</td></tr>`;

    const body = html`<h1>outagewatch</h1>
<p class="lead">Internet outages and service blocking in open measurement data (IODA, OONI, RIPEstat, Cloudflare Radar), lined up against protest dates.</p>
${tzToggle(req, mode, 'local time')}
<section aria-labelledby="watched-h">
<h2 id="watched-h">Watched countries and networks</h2>
${table(req, rows, cols, { key: 'entity', dir: 'asc' }, { id: 'watched', empty: 'Nothing is watched yet: add calendar events or collection.entities in the config.' })}
${dataLinks('/api/entities', {}, 'Entities')}
</section>
<section aria-labelledby="recent-h">
<h2 id="recent-h">Recent outages</h2>
${
  recent.length === 0 && recentSub.length === 0
    ? html`<p class="muted">No outages detected yet.</p>`
    : html`${recent.length ? recentTable(recent) : html`<p class="muted">No national outages detected yet.</p>`}${recentSub.map((g) => html`<details class="subnational" data-parent="${g.parent}"><summary><strong>${g.parent}</strong>: ${subnationalSummary(g.rows)}${g.rows.some((o) => o.synthetic) ? html` <span class="synthetic">SYNTHETIC</span>` : ''}</summary>${recentTable(g.rows.slice(0, 20))}${g.rows.length > 20 ? html`<p><a href="/outages?country=${g.parent!.slice(8)}">All ${g.rows.length}</a></p>` : ''}</details>`)}`
}
<p><a href="/outages">All outages</a></p>
${dataLinks('/api/outages', {}, 'Outages')}
</section>
<section aria-labelledby="with-data-h">
<h2 id="with-data-h">Events with data</h2>
${
  withData.length === 0
    ? html`<p class="muted">No calendar event has data yet: the collectors fill the windows around events (see <a href="/sources">Sources</a>), or run <code>outagewatch demo</code>.</p>`
    : html`<div class="table-wrap"><table id="events-with-data"><thead><tr><th scope="col">Event</th><th scope="col">Country</th><th scope="col">Local date</th><th scope="col">Data in its window</th></tr></thead><tbody>${withData.map(
        ({ e, points, synthetic }) =>
          html`<tr><td><a href="/events/${e.id}" class="event-link">${e.title}</a></td><td>${e.country}</td><td>${localDate(e.start, e.tz)} <span class="muted small">${e.tz}</span></td><td>${points.toLocaleString('en-US')} values${synthetic ? html` <span class="synthetic">SYNTHETIC</span>` : ''}</td></tr>`,
      )}</tbody></table></div>`
}
</section>
<section aria-labelledby="upcoming-h">
<h2 id="upcoming-h">Upcoming calendar events</h2>
${
  upcoming.length === 0
    ? html`<p class="muted">No upcoming events in the calendar.</p>`
    : html`<div class="table-wrap"><table id="upcoming"><thead><tr><th scope="col">Event</th><th scope="col">Country</th><th scope="col">Starts</th><th scope="col">Watch window (5-minute collection)</th></tr></thead><tbody>${upcoming.map(eventRow)}</tbody></table></div>`
}
${
  past.length
    ? html`<h3>Most recent past events</h3><div class="table-wrap"><table id="past-events"><thead><tr><th scope="col">Event</th><th scope="col">Country</th><th scope="col">Started</th><th scope="col">Watch window</th></tr></thead><tbody>${past.map(eventRow)}</tbody></table></div>`
    : ''
}
<p><a href="/calendar">The whole calendar</a></p>
${dataLinks('/api/events', { from: now }, 'Upcoming events')}
</section>
<section aria-labelledby="health-h">
<h2 id="health-h">Collectors</h2>
${
  health.length === 0
    ? html`<p class="muted">No collectors registered.</p>`
    : html`<ul class="health">${health.map((c) => html`<li><strong>${c.name}</strong>: <span class="state-${c.state}">${c.state}${c.failingSince ? html` since ${time(Date.parse(c.failingSince) / 1000, mode, null)}` : ''}</span>${c.disabledReason ? html` (${c.disabledReason})` : ''}${c.lastRun ? html`, last run ${time(Date.parse(c.lastRun.startedAt) / 1000, mode, null)} (${c.lastRun.status}, ${c.lastRun.rows} rows)` : ''}</li>`)}</ul>`
}
<p><a href="/sources">Runs, checkpoints, backfill and coverage</a> · <a href="/status">Status</a></p>
${dataLinks('/api/sources', { runs: 20 }, 'Sources')}
</section>
<p class="muted">Verdict labels: ${verdictBadge('connectivity-outage')} ${verdictBadge('service-blocking')} ${verdictBadge('both')} ${verdictBadge('regional-outage')} ${verdictBadge('nothing-unusual')} ${verdictBadge('insufficient-data')}</p>`;
    res.type('html').send(layout('Overview', body, { scripts: ['/static/page.js'] }));
  });
  return router;
}
