import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { planFromStored } from '../../services/calendar/apply.js';
import { emitCalendarChange } from '../../services/calendar/events.js';
import { eventToJson, rawFromJson } from '../../services/calendar/json.js';
import { validateEvent } from '../../services/calendar/validate.js';
import { cachedEventAsync } from '../../services/correlator/cache.js';
import { correlateOptions } from '../../services/correlator/options.js';
import { AppError, notFound } from '../../core/app-errors.js';
import { requireAdmin } from '../auth.js';
import { checkEventLimitAsync } from '../limits.js';
import { sendListingAsync } from '../csv.js';
import type { CsvColumn } from '../../services/util/csv-write.js';
import { routes } from './routes.js';
import { handle } from './schema.js';
import { correlatorSource, repositories, writable } from '../backend.js';

/** What a PostgreSQL database cannot serve here yet (answered with 503, never a 500 or an empty page). */
const WHAT = 'The calendar API';
/** `/api/events/{id}` carries the event's correlation (503 on a database without the calendar repository). */
const CORRELATION = 'The event correlation (`/api/events/{id}`)';

function validated(raw: Record<string, unknown>) {
  const v = validateEvent({ line: 1, raw: rawFromJson(raw) }, { file: null, origin: 'manual' });
  if (!v.ok) {
    const errors = v.errors.map((e) => ({ field: e.field, reason: e.reason }));
    throw new AppError('BAD_BODY', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors, parameter: errors[0]?.field });
  }
  return v.event;
}

const EVENT_COLUMNS: ReadonlyArray<CsvColumn<ReturnType<typeof eventToJson>>> = [
  { header: 'id', value: (e) => e.id },
  { header: 'title', value: (e) => e.title },
  { header: 'country', value: (e) => e.country },
  { header: 'kind', value: (e) => e.kind },
  { header: 'start', value: (e) => e.start },
  { header: 'end', value: (e) => e.end },
  { header: 'tz', value: (e) => e.tz },
  { header: 'all_day', value: (e) => e.allDay },
  { header: 'local_start', value: (e) => e.localStart },
  { header: 'local_end', value: (e) => e.localEnd },
  { header: 'places', value: (e) => e.places.map((p) => p.name).join('; ') },
  { header: 'sources', value: (e) => e.sources.join(' ') },
  { header: 'tags', value: (e) => e.tags.join(', ') },
  { header: 'notes', value: (e) => e.notes },
];

export function eventsRouter(deps: AppDeps): Router {
  const router = Router();
  const admin = requireAdmin(deps.config.adminToken);

  router.get(
    '/events',
    handle(routes.listEvents, async ({ query: { country, from, until, kind } }, req, res) => {
      await checkEventLimitAsync(deps, country, { ...(from !== undefined ? { from } : {}), ...(until !== undefined ? { until } : {}) });
      // counted and paged in SQL, in the listing's stable order (start, then id)
      const filter = { country, from, until, kind };
      // on either backend through the calendar repository, the count and every page inside one snapshot
      // (createApp's listing snapshot: PointStore.readSnapshot)
      const repo = repositories(deps, WHAT).calendar;
      await sendListingAsync(
        req,
        res,
        {
          total: () => repo.countEventsWhere(filter),
          rows: async (offset, limit) => (await repo.pageEvents(filter, { sort: 'start', dir: 'asc', offset, limit })).map(eventToJson),
        },
        EVENT_COLUMNS,
        'events',
      );
    }),
  );

  /** Correlation options: the config's `correlator` section, overridden by `lead`, `lag` and `outages`. */
  router.get(
    '/events/:id',
    handle(routes.getEvent, async ({ params: { id }, query: { lead, lag, outages } }, _req, res) => {
      const opts = correlateOptions(deps.config, { lead, lag, outages });
      const src = correlatorSource(deps, CORRELATION);
      const e = await src.calendar.getEvent(id);
      if (!e) throw notFound(`event ${id}`);
      const correlation = await cachedEventAsync(src, id, opts);
      res.json({ ...eventToJson(e), verdict: correlation.verdict, correlation });
    }),
  );

  const nowOf = () => (deps.now ? deps.now() : Math.floor(Date.now() / 1000));

  router.post(
    '/events',
    admin,
    handle(routes.createEvent, async ({ body }, _req, res) => {
      const { calendar } = writable(deps);
      const event = validated(body);
      // planned and written in one transaction that other writers of this database wait for (either backend)
      const { stored } = await calendar.writeEvent(event, nowOf(), (found) => {
        const plan = planFromStored(found, event);
        if (plan.action !== 'insert') {
          const other = plan.existing ?? plan.event;
          throw new AppError(
            'CONFLICT',
            plan.existing && plan.existing.id === event.id
              ? `event ${event.id} exists: PUT /api/events/${event.id} to change it`
              : `an event with the same country, start and title exists: ${other.id}`,
            { id: other.id },
          );
        }
        return { write: plan.event, result: plan };
      });
      emitCalendarChange({ cause: 'api', added: [event.id], updated: [], removed: [] });
      res
        .status(201)
        .location(`/api/events/${encodeURIComponent(event.id)}`)
        .json(eventToJson(stored!));
    }),
  );

  router.put(
    '/events/:id',
    admin,
    handle(routes.updateEvent, async ({ params: { id }, body: raw }, _req, res) => {
      const { calendar } = writable(deps);
      if (raw.id !== undefined && raw.id !== id)
        throw new AppError('BAD_BODY', `id: the body's id "${String(raw.id)}" differs from the path's "${id}"`, { parameter: 'id' });
      if (!(await calendar.getEvent(id))) throw notFound(`event ${id}`);
      const event = validated({ ...raw, id });
      const { result: plan, stored } = await calendar.writeEvent(event, nowOf(), (found) => {
        // removed since the check above (another dashboard): as if it had not been there
        if (!found.byId) throw notFound(`event ${id}`);
        const plan = planFromStored(found, event);
        // named by the event holding the key (not the one being changed)
        if (plan.action === 'conflict')
          throw new AppError('CONFLICT', `another event has the same country, start and title: ${found.byKey?.id ?? '?'}`, {
            id: found.byKey?.id ?? null,
          });
        return { write: plan.action === 'update' ? plan.event : null, result: plan };
      });
      if (plan.action === 'update') emitCalendarChange({ cause: 'api', added: [], updated: [id], removed: [] });
      res.json(eventToJson(stored!));
    }),
  );

  router.delete(
    '/events/:id',
    admin,
    handle(routes.deleteEvent, async ({ params: { id } }, _req, res) => {
      const { calendar } = writable(deps);
      if (!(await calendar.removeEvent(id))) throw notFound(`event ${id}`);
      emitCalendarChange({ cause: 'api', added: [], updated: [], removed: [id] });
      res.status(204).end();
    }),
  );

  return router;
}
