import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { outageToJson } from '../../services/detector/json.js';
import { notFound } from '../../core/app-errors.js';
import { sendListingAsync } from '../csv.js';
import type { CsvColumn } from '../../services/util/csv-write.js';
import { routes } from './routes.js';
import { handle } from './schema.js';
import { repositories } from '../backend.js';

/** What a PostgreSQL database cannot serve here yet (answered with 503, never a 500 or an empty page). */
const WHAT = 'The outages API';

export { OUTAGE_KINDS, SEVERITIES } from './routes.js';

const OUTAGE_COLUMNS: ReadonlyArray<CsvColumn<ReturnType<typeof outageToJson>>> = [
  { header: 'id', value: (o) => o.id },
  { header: 'entity', value: (o) => o.entity },
  { header: 'parent', value: (o) => o.parent },
  { header: 'kind', value: (o) => o.kind },
  { header: 'severity', value: (o) => o.severity },
  { header: 'start', value: (o) => o.start },
  { header: 'end', value: (o) => o.end },
  { header: 'duration_seconds', value: (o) => o.durationSeconds },
  { header: 'score', value: (o) => o.score },
  { header: 'lost_percent', value: (o) => o.lostPercent },
  { header: 'hours', value: (o) => o.hours },
  { header: 'synthetic', value: (o) => o.synthetic },
  { header: 'open', value: (o) => o.open },
  { header: 'signals', value: (o) => o.signals.map((s) => s.signal).join(' ') },
  { header: 'max_depth', value: (o) => (o.signals.length ? o.signals.reduce((m, s) => Math.max(m, s.depth), -Infinity) : null) },
  { header: 'targets', value: (o) => o.targets.join(' ') },
];

export function outagesRouter(deps: AppDeps): Router {
  const router = Router();

  router.get(
    '/outages',
    handle(routes.listOutages, async ({ query: { entity, country, from, until, kind, severity } }, req, res) => {
      // counted and paged in SQL, in the listing's stable order (start, then id)
      const filter = { entity, country, from, until, kind, severity };
      // on either backend through the repository, the count and every page inside one snapshot (createApp's
      // listing snapshot: PointStore.readSnapshot)
      const repo = repositories(deps, WHAT).outages;
      await sendListingAsync(
        req,
        res,
        {
          total: async () => (await repo.countOutages(filter)).total,
          rows: async (offset, limit) => (await repo.pageOutages(filter, { sort: 'start', dir: 'asc', offset, limit })).map(outageToJson),
        },
        OUTAGE_COLUMNS,
        'outages',
      );
    }),
  );

  router.get(
    '/outages/:id',
    handle(routes.getOutage, async ({ params: { id } }, _req, res) => {
      const o = await repositories(deps, WHAT).outages.getOutage(id);
      if (!o) throw notFound(`outage ${id}`);
      res.json(outageToJson(o));
    }),
  );

  return router;
}
