import { Router } from 'express';
import { cachedCountryAsync } from '../../services/correlator/cache.js';
import { correlateOptions } from '../../services/correlator/options.js';
import { isoUtc } from '../../core/time.js';
import type { AppDeps } from '../deps.js';
import { checkEventLimit } from '../limits.js';
import { sendListing, sendListingAsync, wantsCsv } from '../csv.js';
import { correlatorSource } from '../backend.js';
import type { SourceEventRow } from '../../db/store.js';
import { routes } from './routes.js';
import { handle } from './schema.js';

/** A source event as the API lists it: an outage a source declared itself, with its raw record as evidence. */
export interface SourceEventJson {
  id: number;
  source: string;
  externalId: string;
  entity: string | null;
  kind: string | null;
  title: string | null;
  description: string | null;
  start: string;
  end: string | null;
  score: number | null;
  url: string | null;
  raw: unknown;
}

const sourceEventJson = (e: SourceEventRow): SourceEventJson => ({
  id: e.id,
  source: e.source,
  externalId: e.externalId,
  entity: e.entity,
  kind: e.kind,
  title: e.title,
  description: e.description,
  start: isoUtc(e.start),
  end: e.end === null ? null : isoUtc(e.end),
  score: e.score,
  url: e.url,
  raw: e.raw,
});

export function sourceEventsRouter(deps: AppDeps): Router {
  const router = Router();

  router.get(
    '/source-events',
    handle(routes.listSourceEvents, async ({ query: { entity, country, source, from, until } }, req, res) => {
      // counted and paged in SQL (start, then id)
      const f = {
        ...(entity ? { entity } : {}),
        ...(country ? { country } : {}),
        ...(source ? { source } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(until !== undefined ? { until } : {}),
      };
      await sendListingAsync(
        req,
        res,
        {
          total: () => deps.listings.countSourceEvents(f),
          rows: async (offset, limit) => (await deps.listings.pageSourceEvents(f, offset, limit)).map(sourceEventJson),
        },
        [
          { header: 'id', value: (e) => e.id },
          { header: 'source', value: (e) => e.source },
          { header: 'external_id', value: (e) => e.externalId },
          { header: 'entity', value: (e) => e.entity },
          { header: 'kind', value: (e) => e.kind },
          { header: 'title', value: (e) => e.title },
          { header: 'start', value: (e) => e.start },
          { header: 'end', value: (e) => e.end },
          { header: 'score', value: (e) => e.score },
          { header: 'url', value: (e) => e.url },
        ],
        'source-events',
      );
    }),
  );

  /** A country's calendar against its outages: the same document as `outagewatch correlate --country CC --json`. */
  router.get(
    '/correlation',
    handle(routes.correlateCountry, async ({ query: { country, from, until } }, req, res) => {
      await checkEventLimit(deps, country, { ...(from !== undefined ? { from } : {}), ...(until !== undefined ? { until } : {}) });
      const doc = await cachedCountryAsync(
        correlatorSource(deps, 'The correlation API'),
        country,
        correlateOptions(deps.config, { from, until }),
      );
      if (!wantsCsv(req)) {
        res.json(doc);
        return;
      }
      sendListing(
        req,
        res,
        doc.stats.tests,
        [
          { header: 'country', value: () => doc.country },
          { header: 'test', value: (t) => t.name },
          { header: 'days', value: (t) => t.days },
          { header: 'events_assessable', value: (t) => t.eventsAssessable },
          { header: 'outage_days', value: (t) => t.outageDays },
          { header: 'trigger_k', value: (t) => t.trigger.k },
          { header: 'trigger_n', value: (t) => t.trigger.n },
          { header: 'b', value: (t) => t.B },
          { header: 'exhaustive', value: (t) => t.exhaustive },
          { header: 'smallest_attainable_p', value: (t) => t.smallestAttainableP },
          { header: 'trigger_p', value: (t) => t.trigger.p },
          { header: 'trigger_q', value: (t) => t.trigger.q },
          { header: 'trigger_p_analytic_approximation', value: (t) => t.trigger.analyticP },
          { header: 'precursor_k', value: (t) => t.precursor.k },
          { header: 'precursor_n', value: (t) => t.precursor.n },
          { header: 'precursor_p', value: (t) => t.precursor.p },
          { header: 'precursor_q', value: (t) => t.precursor.q },
          { header: 'precursor_p_analytic_approximation', value: (t) => t.precursor.analyticP },
        ],
        `correlation-${country}`,
      );
    }),
  );

  return router;
}
