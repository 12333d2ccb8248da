import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import type { SignalProvenance } from '../../db/store.js';
import { signalExtent } from '../../db/signals-read.js';
import { notFound } from '../../core/app-errors.js';
import { isoUtc } from '../../core/time.js';
import { sendListing } from '../csv.js';
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

export function entitiesJson(deps: Pick<AppDeps, 'store'>): EntityJson[] {
  const signals = deps.store.listSignals();
  return deps.store.listEntities().map((e) => {
    const [type, ...rest] = e.entity.split(':');
    return {
      entity: e.entity,
      type: type!,
      code: rest.join(':'),
      name: e.name,
      country: e.country,
      signals: signals
        .filter((s) => s.entity === e.entity)
        .map((s) => {
          const x = signalExtent(deps.store, s.id);
          return {
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
          };
        }),
    };
  });
}

export function entitiesRouter(deps: AppDeps): Router {
  const router = Router();
  router.get(
    '/entities',
    handle(routes.listEntities, ({ query: { country, type } }, req, res) => {
      const rows = entitiesJson(deps).filter(
        (e) => (country === undefined || e.country === country) && (type === undefined || e.type === type),
      );
      sendListing(
        req,
        res,
        rows,
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
    handle(routes.getEntity, ({ params: { entity: id } }, _req, res) => {
      const found = entitiesJson(deps).find((e) => e.entity === id || e.entity.toLowerCase() === id.toLowerCase());
      if (!found) throw notFound(`entity ${id}`);
      res.json(found);
    }),
  );
  return router;
}
