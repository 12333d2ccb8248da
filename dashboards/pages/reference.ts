/** `/reference`: published outage lists (Access Now STOP, IODA investigated, user CSV), filterable and sortable. */
import { Router } from 'express';
import { SCOPES, type ReferenceListRow, type ReferenceOutage, type ReferenceSortKey, type Scope } from '../../db/reference.js';
import { primaryZone } from '../../services/calendar/zones.js';
import { referenceConfig } from '../../services/correlator/config.js';
import { badParameter, notFound } from '../../core/app-errors.js';
import type { AppDeps } from '../deps.js';
import { html, layout } from '../html.js';
import { safeLink } from './event.js';
import {
  dataLinks,
  duration,
  field,
  keep,
  pagedTableAsync,
  q,
  select,
  table,
  time,
  timeMode,
  timeQuery,
  tzToggle,
  withQuery,
  type Column,
} from './common.js';
import { repositories } from '../backend.js';

/** What a PostgreSQL database cannot serve here yet (answered with 503, never a 500 or an empty page). */
const WHAT = 'The reference lists page';

const LIST = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function referenceRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/reference', async (req, res) => {
    const mode = timeMode(req);
    // on either backend: the reference lists through their repository
    const repo = repositories(deps, WHAT).reference;
    const lists = await repo.listReferenceLists();
    const listCols: Array<Column<ReferenceListRow>> = [
      {
        key: 'name',
        label: 'List',
        sort: (l) => l.name,
        cell: (l) => html`<a href="/reference?list=${encodeURIComponent(l.name)}">${l.name}</a>`,
      },
      { key: 'format', label: 'Format', sort: (l) => l.format, cell: (l) => l.format },
      { key: 'count', label: 'Outages', sort: (l) => l.count, cell: (l) => l.count },
      { key: 'countries', label: 'Countries', sort: (l) => l.countries, cell: (l) => l.countries },
      { key: 'first', label: 'First', sort: (l) => l.first, cell: (l) => time(l.first, mode, null) },
      { key: 'last', label: 'Last', sort: (l) => l.last, cell: (l) => time(l.last, mode, null) },
      {
        key: 'kinds',
        label: 'Kinds',
        cell: (l) =>
          Object.entries(l.kinds)
            .map(([k, n]) => `${k}: ${n}`)
            .join(', ') || '—',
      },
      {
        key: 'scopes',
        label: 'Scopes',
        cell: (l) =>
          Object.entries(l.scopes)
            .map(([k, n]) => `${k}: ${n}`)
            .join(', ') || '—',
      },
      {
        key: 'files',
        label: 'Files',
        cell: (l) => l.files.map((f) => `${f.file} (${f.imported} imported, ${f.rejected} rejected)`).join('; ') || '—',
      },
    ];
    const listName = q(req, 'list');
    let detail = html``;
    if (listName) {
      if (!LIST.test(listName)) throw badParameter('list', 'not a list name');
      const meta = await repo.getReferenceList(listName);
      if (!meta) throw notFound(`reference list ${listName}`);
      const country = q(req, 'country').toUpperCase();
      if (country && !/^[A-Z]{2}$/.test(country)) throw badParameter('country', 'a two-letter country code');
      const from = timeQuery(req, 'from', 'start');
      const until = timeQuery(req, 'until', 'end');
      const text = q(req, 'q').toLowerCase();
      const scope = q(req, 'scope');
      if (scope && !(SCOPES as readonly string[]).includes(scope)) throw badParameter('scope', `one of ${SCOPES.join(', ')}`);
      const openEndedSeconds = referenceConfig(deps.config).openEndedDefault;
      // counted and paged in SQL (issue 21), scope and text filters too
      const filter = {
        list: listName,
        country: country || undefined,
        from,
        until,
        openEndedSeconds,
        scope: (scope || undefined) as Scope | undefined,
        text: text || undefined,
      };
      const total = await repo.countReferenceOutages(filter);
      const cols: Array<Column<ReferenceOutage>> = [
        {
          key: 'country',
          label: 'Country',
          sort: (o) => o.country,
          cell: (o) =>
            html`<a href="/countries/${o.country}?from=${o.start - 14 * 86400}&amp;until=${(o.end ?? o.start + openEndedSeconds) + 14 * 86400}">${o.country}</a>`,
        },
        { key: 'start', label: 'Start', sort: (o) => o.start, cell: (o) => time(o.start, mode, primaryZone(o.country)) },
        {
          key: 'end',
          label: 'End',
          sort: (o) => o.end,
          cell: (o) => (o.end === null ? 'ongoing / unknown' : time(o.end, mode, primaryZone(o.country))),
        },
        {
          key: 'duration',
          label: 'Duration',
          sort: (o) => (o.end === null ? null : o.end - o.start),
          cell: (o) => (o.end === null ? '—' : duration(o.end - o.start)),
        },
        { key: 'kind', label: 'Kind', sort: (o) => o.kind, cell: (o) => o.kind ?? '—' },
        {
          key: 'scope',
          label: 'Scope',
          sort: (o) => o.scope,
          cell: (o) => html`<span title="${o.scopeRaw ?? 'the list gives no scope'}">${o.scope}</span>`,
        },
        {
          key: 'area',
          label: 'Area',
          sort: (o) => o.area,
          cell: (o) => o.area ?? (o.scope === 'asn' && o.scopeDetail ? `AS${o.scopeDetail.replace(/^AS/i, '')}` : '—'),
        },
        { key: 'cause', label: 'Cause', sort: (o) => o.cause, cell: (o) => o.cause ?? '—' },
        { key: 'services', label: 'Services', cell: (o) => o.services.join(', ') || '—' },
        { key: 'source', label: 'Source', cell: (o) => safeLink(o.source, 'source') },
        { key: 'origin', label: 'Row', cell: (o) => (o.originFile ? `${o.originFile}:${o.originLine ?? ''}` : '—') },
      ];
      detail = html`<section id="list" aria-labelledby="list-h">
<h2 id="list-h">${listName}: ${total} outage(s)</h2>
<form class="filters" method="get" action="/reference" role="search" aria-label="Filter the list">
<input type="hidden" name="list" value="${listName}">
${field('q', 'Text', q(req, 'q'), { type: 'search' })}
${field('country', 'Country', country, { placeholder: 'KZ' })}
${select('scope', 'Scope', scope, ['', ...SCOPES])}
${field('from', 'From', q(req, 'from'), { type: 'date' })}
${field('until', 'Until', q(req, 'until'), { type: 'date' })}
${keep(req, ['tz', 'sort', 'dir'])}
<button type="submit">Filter</button> <a href="${withQuery(req, { q: null, country: null, scope: null, from: null, until: null })}">Clear</a>
</form>
${await pagedTableAsync(req, total, (st, p) => repo.pageReferenceOutages(filter, { sort: st.key as ReferenceSortKey, dir: st.dir, limit: p.size, offset: p.offset }), cols, { key: 'start', dir: 'desc' }, { id: 'reference-outages', empty: 'No outages match.', page: { size: 100 } })}
${dataLinks(`/api/reference/${encodeURIComponent(listName)}`, { country: country || undefined, scope: scope || undefined, from, until }, 'This table')}
</section>`;
    }
    const body = html`<h1>Reference lists</h1>
<p class="muted">Outages from published lists, kept apart from detections: used to evaluate the detector (<code>outagewatch evaluate</code>) or as the outage input of a correlation. Import with <code>outagewatch reference import FILE --format stop|ioda-investigated|csv</code>.</p>
${tzToggle(req, mode, 'local time (country)')}
${table(req, lists, listCols, { key: 'name', dir: 'asc' }, { id: 'reference-lists', empty: 'No reference lists imported yet.' })}
${dataLinks('/api/reference', {}, 'Lists')}
${detail}`;
    res.type('html').send(layout('Reference lists', body, { scripts: ['/static/page.js'] }));
  });
  return router;
}
