/** `/outages`: detected outages, filterable and sortable. */
import { Router } from 'express';
import type { OutageSortKey } from '../../db/outages.js';
import { subnationalSummaryOf } from '../../services/detector/group.js';
import { lossText } from '../../services/detector/json.js';
import { OUTAGE_KINDS, type Outage } from '../../core/outage.js';
import { primaryZone } from '../../services/calendar/zones.js';
import { badParameter } from '../../core/app-errors.js';
import type { AppDeps } from '../deps.js';
import { html, layout } from '../html.js';
import {
  dataLinks,
  duration,
  field,
  keep,
  pagedTableAsync,
  pct,
  q,
  select,
  time,
  timeMode,
  timeQuery,
  tzToggle,
  type Column,
} from './common.js';
import { repositories } from '../backend.js';

/** What a PostgreSQL database cannot serve here yet (answered with 503, never a 500 or an empty page). */
const WHAT = 'The outages page';

const KINDS = OUTAGE_KINDS;
const DAY = 86400;
/** rows per page of each table */
export const PAGE_SIZE = 100;

/** The country of an entity; the entity list is read once per request, on the first entity that is not a country. */
function countryLookup(entities: ReadonlyArray<{ entity: string; country: string | null }>): (entity: string) => string | null {
  let byEntity: Map<string, string | null> | null = null;
  return (entity) => {
    if (entity.startsWith('country:')) return entity.slice(8);
    byEntity ??= new Map(entities.map((e) => [e.entity, e.country ?? null]));
    return byEntity.get(entity) ?? null;
  };
}

export function outagesRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/outages', async (req, res) => {
    const mode = timeMode(req);
    // on either backend: outages through their repository, entities through the point store
    const repo = repositories(deps, WHAT).outages;
    const country = q(req, 'country').toUpperCase();
    if (country && !/^[A-Z]{2}$/.test(country)) throw badParameter('country', 'a two-letter country code');
    const entity = q(req, 'entity');
    if (entity && !/^(country|region|asn|county):[A-Za-z0-9._-]+$/.test(entity))
      throw badParameter('entity', 'such as country:KZ or asn:9198');
    const kind = q(req, 'kind');
    if (kind && !(KINDS as readonly string[]).includes(kind)) throw badParameter('kind', `one of ${KINDS.join(', ')}`);
    const severity = q(req, 'severity');
    if (severity && severity !== 'warning' && severity !== 'critical') throw badParameter('severity', 'warning or critical');
    const from = timeQuery(req, 'from', 'start');
    const until = timeQuery(req, 'until', 'end');
    // counted and paged in SQL: a page reads its 100 rows, not every outage (issue 21)
    const filter = {
      entity: entity || undefined,
      country: country || undefined,
      from,
      until,
      kind: (kind || undefined) as Outage['kind'] | undefined,
      severity: (severity || undefined) as Outage['severity'] | undefined,
    };
    const counts = await repo.countOutages(filter);
    const nationalCount = counts.total - counts.subnational;
    const [groups, entities] = await Promise.all([
      counts.subnational > 0 ? repo.outageParentGroups(filter) : Promise.resolve([]),
      counts.total > 0 ? deps.points.listEntities() : Promise.resolve([]),
    ]);
    const countryOf = countryLookup(entities);
    const load = (parent: string | null) => (s: { key: string; dir: 'asc' | 'desc' }, p: { offset: number; size: number }) =>
      repo.pageOutages({ ...filter, parent }, { sort: s.key as OutageSortKey, dir: s.dir, limit: p.size, offset: p.offset });
    const zone = (o: Outage) => {
      const cc = countryOf(o.entity);
      return cc ? primaryZone(cc) : null;
    };
    const depth = (o: Outage) => (o.signals.length ? o.signals.reduce((m, s) => Math.max(m, s.depth), -Infinity) : null);
    const cols: Array<Column<Outage>> = [
      { key: 'id', label: 'ID', sort: (o) => o.id ?? null, cell: (o) => html`<a href="/api/outages/${o.id ?? ''}">${o.id ?? '—'}</a>` },
      {
        key: 'entity',
        label: 'Entity',
        sort: (o) => o.entity,
        cell: (o) => {
          const cc = countryOf(o.entity);
          return cc
            ? html`<a href="/countries/${cc}?${o.entity.startsWith('country:') ? '' : `entity=${encodeURIComponent(o.entity)}&`}from=${o.start - 7 * DAY}&amp;until=${o.end + 7 * DAY}">${o.entity}</a>`
            : o.entity;
        },
      },
      {
        key: 'kind',
        label: 'Kind',
        sort: (o) => o.kind,
        cell: (o) =>
          html`<span class="kind kind-${o.kind}">${o.kind}</span>${o.synthetic ? html` <span class="synthetic" title="rests on synthetic (demo or test) data, not measurements">SYNTHETIC</span>` : ''}`,
      },
      { key: 'severity', label: 'Severity', sort: (o) => o.severity, cell: (o) => o.severity },
      { key: 'start', label: 'Start', sort: (o) => o.start, cell: (o) => time(o.start, mode, zone(o)) },
      { key: 'end', label: 'End', sort: (o) => o.end, cell: (o) => html`${time(o.end, mode, zone(o))}${o.open ? ' (ongoing)' : ''}` },
      { key: 'duration', label: 'Duration', sort: (o) => o.end - o.start, cell: (o) => duration(o.end - o.start) },
      { key: 'depth', label: 'Deepest drop', sort: depth, cell: (o) => pct(depth(o)) },
      // sorted by how much was lost in all: percent of normal × hours (the deepest fall where no mean loss is known)
      {
        key: 'loss',
        label: 'Loss',
        sort: (o) => (o.lostPercent ?? (depth(o) ?? 0) * 100) * (o.hours ?? (o.end - o.start) / 3600),
        cell: (o) => lossText(o),
      },
      { key: 'signals', label: 'Signals', cell: (o) => o.signals.map((s) => s.signal).join(', ') },
      { key: 'targets', label: 'Blocked targets', cell: (o) => o.targets.join(', ') || '—' },
    ];
    const api = {
      entity: entity || undefined,
      country: country || undefined,
      kind: kind || undefined,
      severity: severity || undefined,
      from,
      until,
    };
    const body = html`<h1>Outages</h1>
<p class="muted">Episodes the detector found: <strong>connectivity</strong> (routing, probing or telescope fall), <strong>service-blocking</strong> (OONI targets or Google products fall while connectivity holds), both, or <strong>degradation</strong> (a service running well below its long-run level for days: throttling). Loss is the share of normal lost while it lasted; regions, counties and networks are grouped under their country.</p>
${tzToggle(req, mode, 'local time (country)')}
<form class="filters" method="get" action="/outages" role="search" aria-label="Filter outages">
${field('country', 'Country', country, { placeholder: 'KZ' })}
${field('entity', 'Entity', entity, { placeholder: 'asn:9198' })}
${select('kind', 'Kind', kind, ['', ...KINDS])}
${select('severity', 'Severity', severity, ['', 'warning', 'critical'])}
${field('from', 'From', q(req, 'from'), { type: 'date' })}
${field('until', 'Until', q(req, 'until'), { type: 'date' })}
${keep(req, ['tz', 'sort', 'dir'])}
<button type="submit">Filter</button> <a href="/outages">Clear</a>
</form>
<p class="count">${counts.total} outage(s)${counts.subnational > 0 ? `, of which ${counts.subnational} sub-national (grouped under their country below)` : ''}</p>
${await pagedTableAsync(req, nationalCount, load(null), cols, { key: 'start', dir: 'desc' }, { id: 'outages', empty: counts.total ? 'No national outages match; sub-national ones are below.' : 'No outages match.', page: { size: PAGE_SIZE } })}
${await Promise.all(
  groups.map(
    async (
      g,
    ) => html`<details class="subnational" data-parent="${g.parent}"><summary><strong>${g.parent}</strong>: ${subnationalSummaryOf(g)}${g.synthetic ? html` <span class="synthetic">SYNTHETIC</span>` : ''}</summary>
${await pagedTableAsync(req, g.count, load(g.parent), cols, { key: 'start', dir: 'desc' }, { id: `outages-${g.parent.replace(/[^A-Za-z0-9]+/g, '-')}`, page: { size: PAGE_SIZE, param: `page-${g.parent.replace(/[^A-Za-z0-9]+/g, '-')}` } })}
</details>`,
  ),
)}
${dataLinks('/api/outages', api, 'This table')}`;
    res.type('html').send(layout('Outages', body, { scripts: ['/static/page.js'] }));
  });
  return router;
}
