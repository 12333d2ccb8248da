import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import type { ReferenceOutage, Scope } from '../../db/reference.js';
import { referenceListJson } from '../../services/reference/json.js';
import { referenceConfig } from '../../services/correlator/config.js';
import { notFound } from '../../core/app-errors.js';
import { isoUtc } from '../../core/time.js';
import { sendListing, sendListingAsync } from '../csv.js';
import type { CsvColumn } from '../../services/util/csv-write.js';
import { routes } from './routes.js';
import { handle } from './schema.js';
import { repositories } from '../backend.js';

/** What a PostgreSQL database cannot serve here yet (answered with 503, never a 500 or an empty page). */
const WHAT = 'The reference lists API';

export interface ReferenceOutageJson {
  id: number | null;
  list: string;
  country: string;
  start: string;
  /** null: open-ended (Ongoing / Unknown in the source) */
  end: string | null;
  kind: string | null;
  /** national | regional | local | asn | unknown (docs/reference.md) */
  scope: Scope;
  /** the list's own scope text */
  scopeRaw: string | null;
  scopeDetail: string | null;
  /** where in the country (Somaliland under SO; the list's area or region name) */
  area: string | null;
  cause: string | null;
  services: string[];
  source: string | null;
  origin: { file: string | null; line: number | null };
}

export function referenceOutageJson(o: ReferenceOutage): ReferenceOutageJson {
  return {
    id: o.id ?? null,
    list: o.list,
    country: o.country,
    start: isoUtc(o.start),
    end: o.end === null ? null : isoUtc(o.end),
    kind: o.kind,
    scope: o.scope,
    scopeRaw: o.scopeRaw,
    scopeDetail: o.scopeDetail,
    area: o.area,
    cause: o.cause,
    services: [...o.services],
    source: o.source,
    origin: { file: o.originFile, line: o.originLine },
  };
}

const REFERENCE_COLUMNS: ReadonlyArray<CsvColumn<ReturnType<typeof referenceOutageJson>>> = [
  { header: 'id', value: (o) => o.id },
  { header: 'list', value: (o) => o.list },
  { header: 'country', value: (o) => o.country },
  { header: 'start', value: (o) => o.start },
  { header: 'end', value: (o) => o.end },
  { header: 'kind', value: (o) => o.kind },
  { header: 'scope', value: (o) => o.scope },
  { header: 'scope_raw', value: (o) => o.scopeRaw },
  { header: 'scope_detail', value: (o) => o.scopeDetail },
  { header: 'area', value: (o) => o.area },
  { header: 'cause', value: (o) => o.cause },
  { header: 'services', value: (o) => o.services.join(' ') },
  { header: 'source', value: (o) => o.source },
];

export function referenceRouter(deps: AppDeps): Router {
  const router = Router();

  router.get(
    '/reference',
    handle(routes.listReferenceLists, async (_input, req, res) => {
      const rows = (await repositories(deps, WHAT).reference.listReferenceLists()).map(referenceListJson);
      sendListing(
        req,
        res,
        rows,
        [
          { header: 'name', value: (l) => l.name },
          { header: 'format', value: (l) => l.format },
          { header: 'outages', value: (l) => l.outages },
          { header: 'countries', value: (l) => l.countries },
          { header: 'first', value: (l) => l.first },
          { header: 'last', value: (l) => l.last },
          {
            header: 'kinds',
            value: (l) =>
              Object.entries(l.kinds)
                .map(([k, n]) => `${k}:${n}`)
                .join(' '),
          },
          {
            header: 'scopes',
            value: (l) =>
              Object.entries(l.scopes)
                .map(([k, n]) => `${k}:${n}`)
                .join(' '),
          },
          { header: 'files', value: (l) => l.files.map((f) => f.file).join(' ') },
        ],
        'reference-lists',
      );
    }),
  );

  router.get(
    '/reference/:list',
    handle(routes.listReferenceOutages, async ({ params: { list }, query: { country, from, until, scope } }, req, res) => {
      const repo = repositories(deps, WHAT).reference;
      if (!(await repo.getReferenceList(list))) throw notFound(`reference list ${list}`);
      const openEndedSeconds = referenceConfig(deps.config).openEndedDefault;
      // counted and paged in SQL, in the listing's stable order (start, then id)
      const filter = { list, country, from, until, openEndedSeconds, scope: scope as Scope | undefined };
      // on either backend through the repository, the count and every page inside one snapshot (createApp's
      // listing snapshot: PointStore.readSnapshot)
      await sendListingAsync(
        req,
        res,
        {
          total: () => repo.countReferenceOutages(filter),
          rows: async (offset, limit) =>
            (await repo.pageReferenceOutages(filter, { sort: 'start', dir: 'asc', offset, limit })).map(referenceOutageJson),
        },
        REFERENCE_COLUMNS,
        `reference-${list}`,
      );
    }),
  );

  return router;
}
