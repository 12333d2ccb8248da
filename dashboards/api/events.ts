import { Router, type Request } from 'express';
import type { AppDeps } from '../deps.js';
import { countEventsWhere, getEvent, pageEvents, removeEvent } from '../../db/calendar.js';
import { readSnapshot } from '../../db/connection.js';
import type { SqliteStore } from '../../db/store.js';
import { applyChanges, planChanges } from '../../services/calendar/apply.js';
import { emitCalendarChange } from '../../services/calendar/events.js';
import { eventToJson, rawFromJson } from '../../services/calendar/json.js';
import { EVENT_KINDS } from '../../core/calendar.js';
import { validateEvent } from '../../services/calendar/validate.js';
import { parseOutageSource, type CorrelateOptions } from '../../services/correlator/assemble.js';
import { cachedEventAsync } from '../../services/correlator/cache.js';
import { correlateOptions as buildOptions } from '../../services/correlator/options.js';
import { AppError, badParameter, notFound } from '../../core/app-errors.js';
import { parseDuration, TimeParseError } from '../../core/time.js';
import { requireAdmin } from '../auth.js';
import { checkEventLimit } from '../limits.js';
import { sendListing } from '../csv.js';
import { countryParam, enumParam, rangeParams, single } from './params.js';

const ID_PARAM = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

function eventIdParam(req: Request): string {
  const id = req.params.id;
  if (typeof id !== 'string' || !ID_PARAM.test(id)) throw badParameter('id', `"${String(id ?? '')}" is not an event id (a slug such as kz-2016-05-21-land-protests)`);
  return id;
}

function durationParam(req: Request, name: string): number | undefined {
  const v = single(req, name);
  if (v === undefined || v === '') return undefined;
  try {
    return parseDuration(v);
  } catch (err) {
    if (err instanceof TimeParseError) throw badParameter(name, `"${v}" is not a duration such as 1d, 36h, 90m`);
    throw err;
  }
}

/** Correlation options: the config's `correlator` section, overridden by `lead`, `lag` and `outages`. */
function correlateOptions(req: Request, deps: AppDeps): CorrelateOptions {
  const outages = single(req, 'outages');
  let source;
  if (outages !== undefined && outages !== '') {
    try {
      source = parseOutageSource(outages);
    } catch {
      throw badParameter('outages', `"${outages}" must be detected or reference:NAME`);
    }
  }
  return buildOptions(deps.config, { lead: durationParam(req, 'lead'), lag: durationParam(req, 'lag'), outages: source });
}

function writer(deps: AppDeps): SqliteStore {
  if (!deps.writer) throw new AppError('UNAVAILABLE', 'this server has no writable database connection (run it with `outagewatch start`)');
  return deps.writer;
}

interface BodyError {
  field: string;
  reason: string;
}

function body(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (!req.is('application/json')) throw new AppError('BAD_BODY', 'the request body must be JSON (Content-Type: application/json)');
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new AppError('BAD_BODY', 'the request body must be one JSON object (an event)');
  return b as Record<string, unknown>;
}

function validated(raw: Record<string, unknown>) {
  const v = validateEvent({ line: 1, raw: rawFromJson(raw) }, { file: null, origin: 'manual' });
  if (!v.ok) {
    const errors: BodyError[] = v.errors.map((e) => ({ field: e.field, reason: e.reason }));
    throw new AppError('BAD_BODY', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors, parameter: errors[0]?.field });
  }
  return v.event;
}

export function eventsRouter(deps: AppDeps): Router {
  const router = Router();
  const admin = requireAdmin(deps.config.adminToken);

  router.get('/events', (req, res) => {
    const country = countryParam(req);
    const { from, until } = rangeParams(req);
    const kind = enumParam(req, 'kind', EVENT_KINDS);
    checkEventLimit(deps, country, { ...(from !== undefined ? { from } : {}), ...(until !== undefined ? { until } : {}) });
    // counted and paged in SQL, in the listing's stable order (start, then id)
    const filter = { country, from, until, kind };
    const db = deps.store.db;
    sendListing(
      req,
      res,
      {
        total: () => countEventsWhere(db, filter),
        rows: (offset, limit) => pageEvents(db, filter, { sort: 'start', dir: 'asc', offset, limit }).map(eventToJson),
        snapshot: (fn) => readSnapshot(db, fn),
      },
      [
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
      ],
      'events',
    );
  });

  router.get('/events/:id', async (req, res) => {
    const id = eventIdParam(req);
    const opts = correlateOptions(req, deps);
    const e = getEvent(deps.store.db, id);
    if (!e) throw notFound(`event ${id}`);
    const correlation = await cachedEventAsync(deps.store, id, opts);
    res.json({ ...eventToJson(e), verdict: correlation.verdict, correlation });
  });

  router.post('/events', admin, (req, res) => {
    const store = writer(deps);
    const event = validated(body(req));
    const [plan] = planChanges(store.db, [event]);
    if (!plan) throw new AppError('INTERNAL', 'internal error');
    if (plan.action !== 'insert') {
      const other = plan.existing ?? plan.event;
      throw new AppError('CONFLICT', plan.existing && plan.existing.id === event.id ? `event ${event.id} exists: PUT /api/events/${event.id} to change it` : `an event with the same country, start and title exists: ${other.id}`, { id: other.id });
    }
    applyChanges(store.db, [plan], deps.now ? deps.now() : Math.floor(Date.now() / 1000));
    emitCalendarChange({ cause: 'api', added: [plan.event.id], updated: [], removed: [] });
    res.status(201).location(`/api/events/${encodeURIComponent(plan.event.id)}`).json(eventToJson(getEvent(store.db, plan.event.id)!));
  });

  router.put('/events/:id', admin, (req, res) => {
    const store = writer(deps);
    const id = eventIdParam(req);
    const raw = body(req);
    if (raw.id !== undefined && raw.id !== id) throw new AppError('BAD_BODY', `id: the body's id "${String(raw.id)}" differs from the path's "${id}"`, { parameter: 'id' });
    if (!getEvent(store.db, id)) throw notFound(`event ${id}`);
    const event = validated({ ...raw, id });
    const [plan] = planChanges(store.db, [event]);
    if (!plan) throw new AppError('INTERNAL', 'internal error');
    if (plan.action === 'conflict') throw new AppError('CONFLICT', `another event has the same country, start and title`, { id: plan.existing?.id ?? null });
    if (plan.action === 'update') {
      applyChanges(store.db, [plan], deps.now ? deps.now() : Math.floor(Date.now() / 1000));
      emitCalendarChange({ cause: 'api', added: [], updated: [id], removed: [] });
    }
    res.json(eventToJson(getEvent(store.db, id)!));
  });

  router.delete('/events/:id', admin, (req, res) => {
    const store = writer(deps);
    const id = eventIdParam(req);
    if (!removeEvent(store.db, id)) throw notFound(`event ${id}`);
    emitCalendarChange({ cause: 'api', added: [], updated: [], removed: [id] });
    res.status(204).end();
  });

  return router;
}
