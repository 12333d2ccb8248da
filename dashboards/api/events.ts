import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { countEventsWhere, getEvent, pageEvents, removeEvent } from '../../db/calendar.js';
import { readSnapshot } from '../../db/connection.js';
import type { SqliteStore } from '../../db/store.js';
import { applyChanges, planChanges } from '../../services/calendar/apply.js';
import { emitCalendarChange } from '../../services/calendar/events.js';
import { eventToJson, rawFromJson } from '../../services/calendar/json.js';
import { validateEvent } from '../../services/calendar/validate.js';
import { cachedEventAsync } from '../../services/correlator/cache.js';
import { correlateOptions } from '../../services/correlator/options.js';
import { AppError, notFound } from '../../core/app-errors.js';
import { requireAdmin } from '../auth.js';
import { checkEventLimitAsync } from '../limits.js';
import { sendListing, sendListingAsync } from '../csv.js';
import type { CsvColumn } from '../../services/util/csv-write.js';
import { routes } from './routes.js';
import { handle } from './schema.js';
import { correlatorSource, repositories, sqliteStore } from '../backend.js';

/** What a PostgreSQL database cannot serve here yet (answered with 503, never a 500 or an empty page). */
const WHAT = 'The calendar API';
/** `/api/events/{id}` carries the event's correlation, computed from SQLite only in this version. */
const CORRELATION = 'The event correlation (`/api/events/{id}`)';

function writer(deps: AppDeps): SqliteStore {
  if (!deps.writer) throw new AppError('UNAVAILABLE', 'this server has no writable database connection (run it with `outagewatch start`)');
  return deps.writer;
}

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
      if (!deps.store) {
        // PostgreSQL: through the calendar repository
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
        return;
      }
      // SQLite: count and pages inside one read transaction
      const db = deps.store.db;
      sendListing(
        req,
        res,
        {
          total: () => countEventsWhere(db, filter),
          rows: (offset, limit) => pageEvents(db, filter, { sort: 'start', dir: 'asc', offset, limit }).map(eventToJson),
          snapshot: (fn) => readSnapshot(db, fn),
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
      const e = getEvent(sqliteStore(deps, CORRELATION).db, id);
      if (!e) throw notFound(`event ${id}`);
      const correlation = await cachedEventAsync(correlatorSource(deps, CORRELATION), id, opts);
      res.json({ ...eventToJson(e), verdict: correlation.verdict, correlation });
    }),
  );

  router.post(
    '/events',
    admin,
    handle(routes.createEvent, ({ body }, _req, res) => {
      const store = writer(deps);
      const event = validated(body);
      const [plan] = planChanges(store.db, [event]);
      if (!plan) throw new AppError('INTERNAL', 'internal error');
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
      applyChanges(store.db, [plan], deps.now ? deps.now() : Math.floor(Date.now() / 1000));
      emitCalendarChange({ cause: 'api', added: [plan.event.id], updated: [], removed: [] });
      res
        .status(201)
        .location(`/api/events/${encodeURIComponent(plan.event.id)}`)
        .json(eventToJson(getEvent(store.db, plan.event.id)!));
    }),
  );

  router.put(
    '/events/:id',
    admin,
    handle(routes.updateEvent, ({ params: { id }, body: raw }, _req, res) => {
      const store = writer(deps);
      if (raw.id !== undefined && raw.id !== id)
        throw new AppError('BAD_BODY', `id: the body's id "${String(raw.id)}" differs from the path's "${id}"`, { parameter: 'id' });
      if (!getEvent(store.db, id)) throw notFound(`event ${id}`);
      const event = validated({ ...raw, id });
      const [plan] = planChanges(store.db, [event]);
      if (!plan) throw new AppError('INTERNAL', 'internal error');
      if (plan.action === 'conflict')
        throw new AppError('CONFLICT', `another event has the same country, start and title`, { id: plan.existing?.id ?? null });
      if (plan.action === 'update') {
        applyChanges(store.db, [plan], deps.now ? deps.now() : Math.floor(Date.now() / 1000));
        emitCalendarChange({ cause: 'api', added: [], updated: [id], removed: [] });
      }
      res.json(eventToJson(getEvent(store.db, id)!));
    }),
  );

  router.delete(
    '/events/:id',
    admin,
    handle(routes.deleteEvent, ({ params: { id } }, _req, res) => {
      const store = writer(deps);
      if (!removeEvent(store.db, id)) throw notFound(`event ${id}`);
      emitCalendarChange({ cause: 'api', added: [], updated: [], removed: [id] });
      res.status(204).end();
    }),
  );

  return router;
}
