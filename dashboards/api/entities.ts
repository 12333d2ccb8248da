import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import type { SignalProvenance } from '../../db/store.js';
import type { EntityRow } from '../../db/repository.js';
import { notFound } from '../../core/app-errors.js';
import { isoUtc } from '../../core/time.js';
import { sendListingAsync } from '../csv.js';
import { routes } from './routes.js';
import { handle } from './schema.js';

export interface EntitySignalJson {
  signal: string;
  source: string;
  metric: string;
  target: string | null;
  unit: string | null;
  step: number | null;
  synthetic: boolean;
  /** source name, licence, citation, unit, label, axis and target */
  provenance: SignalProvenance;
  /** First and last point, ISO 8601 UTC (null without points). */
  first: string | null;
  last: string | null;
}

export interface EntityJson {
  entity: string;
  type: string;
  code: string;
  name: string | null;
  country: string | null;
  signals: EntitySignalJson[];
}

/** The entities given with their signals and each signal's first and last point (one read of the signals, one of their extents). */
export async function entitiesJson(deps: Pick<AppDeps, 'points'>, entities: readonly EntityRow[]): Promise<EntityJson[]> {
  if (entities.length === 0) return [];
  const signals = entities.length === 1 ? await deps.points.listSignals(entities[0]!.entity) : await deps.points.listSignals();
  const wanted = new Set(entities.map((e) => e.entity));
  const mine = signals.filter((s) => wanted.has(s.entity));
  // the first and last point of every signal on the page: one query
  const extents = await deps.points.signalExtents(mine.map((s) => s.id));
  const bySignal = new Map<string, EntitySignalJson[]>();
  for (const s of mine) {
    const x = extents.get(s.id)!;
    const list = bySignal.get(s.entity) ?? [];
    list.push({
      signal: s.name,
      source: s.source,
      metric: s.metric,
      target: s.target,
      unit: s.unit,
      step: s.step,
      synthetic: s.synthetic,
      provenance: s.provenance,
      first: x.first === null ? null : isoUtc(x.first),
      last: x.last === null ? null : isoUtc(x.last),
    });
    bySignal.set(s.entity, list);
  }
  return entities.map((e) => {
    const [type, ...rest] = e.entity.split(':');
    return { entity: e.entity, type: type!, code: rest.join(':'), name: e.name, country: e.country, signals: bySignal.get(e.entity) ?? [] };
  });
}

export function entitiesRouter(deps: AppDeps): Router {
  const router = Router();
  router.get(
    '/entities',
    handle(routes.listEntities, async ({ query: { country, type } }, req, res) => {
      // counted and paged in SQL (type, then code); signals and their extents only for the page's entities
      const f = { country, type };
      await sendListingAsync(
        req,
        res,
        {
          total: () => deps.listings.countEntities(f),
          rows: async (offset, limit) => entitiesJson(deps, await deps.listings.pageEntities(f, offset, limit)),
        },
        [
          { header: 'entity', value: (e) => e.entity },
          { header: 'type', value: (e) => e.type },
          { header: 'code', value: (e) => e.code },
          { header: 'name', value: (e) => e.name },
          { header: 'country', value: (e) => e.country },
          { header: 'signals', value: (e) => e.signals.map((s) => s.signal).join(' ') },
          {
            header: 'synthetic_signals',
            value: (e) =>
              e.signals
                .filter((s) => s.synthetic)
                .map((s) => s.signal)
                .join(' '),
          },
        ],
        'entities',
      );
    }),
  );
  router.get(
    '/entities/:entity',
    handle(routes.getEntity, async ({ params: { entity: id } }, _req, res) => {
      const found = await deps.listings.findEntity(id);
      if (!found) throw notFound(`entity ${id}`);
      res.json((await entitiesJson(deps, [found]))[0]);
    }),
  );
  return router;
}
