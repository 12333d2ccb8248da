import { z } from 'zod';
import { ENTITY_TYPES, parseEntity, EntityRefError } from '../../db/entities.js';
import { SCOPES } from '../../db/reference.js';
import { EVENT_KINDS } from '../../core/calendar.js';
import { parseOutageSource } from '../../services/correlator/assemble.js';
import { TimeParseError } from '../../core/time.js';
import {
  countryParam,
  durationParam,
  entityParam,
  enumParam,
  formatParam,
  intParam,
  listParam,
  numericIdPath,
  param,
  pathParam,
  rangeShape,
  readTime,
  required,
  route,
  slugPath,
  textParam,
  TIME_TEXT,
  withDefault,
  pagingShape,
} from './schema.js';

/**
 * Every route of the JSON API, one spec each: the zod schemas of its query, path parameters and body validate the
 * request and type its handler (dashboards/api/*.ts: `handle(routes.x, …)`), and the OpenAPI document
 * (dashboards/openapi.ts) is generated from the same specs. The response bodies are the components of
 * dashboards/api/components.ts.
 */

type Schema = Record<string, unknown>;
export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
export const errorResponse = (description: string): Schema => ({ description, content: { 'application/json': { schema: ref('Error') } } });
export const json = (schema: Schema, description: string): Schema => ({ description, content: { 'application/json': { schema } } });
const jsonOrCsv = (schema: Schema, description: string): Schema => ({
  description,
  content: { 'application/json': { schema }, 'text/csv': { schema: { type: 'string' } } },
});

/** Answers every API route can give. */
export const ERRORS: Record<string, Schema> = {
  '400': errorResponse('A bad parameter or body; `error.parameter` names the parameter.'),
  '429': errorResponse('Rate limit exceeded (per client; see the RateLimit headers).'),
};
const writeErrors: Record<string, Schema> = {
  '401': errorResponse('Missing or wrong `Authorization: Bearer <admin token>`.'),
  '403': errorResponse('Writes are disabled: no admin token is configured (`OUTAGEWATCH_ADMIN_TOKEN`).'),
};
const unavailable = errorResponse('No writable database connection.');

export const OUTAGE_KINDS = ['connectivity', 'service-blocking', 'both', 'degradation'] as const;
export const SEVERITIES = ['warning', 'critical'] as const;

const collector = textParam('Only this collector.');
const format = formatParam;
const eventId = () =>
  slugPath(
    'Event id.',
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/,
    (v) => `"${v}" is not an event id (a slug such as kz-2016-05-21-land-protests)`,
    'kz-2016-05-21-land-protests',
  );

/**
 * An event as a request body (the `EventInput` component). The handler checks the body against this schema with
 * every field optional (the types of what is there) and then runs the calendar's validation step
 * (services/calendar/validate.ts, shared with the importers), which checks presence and values and lists every
 * bad field at once; `kind` is typed as text here and checked against its values there.
 */
export const eventInputDoc = z
  .object(
    {
      id: z.string().optional(),
      title: z.string(),
      country: z.string(),
      places: z
        .array(
          z.object({
            name: z.string(),
            admin1: z.string().nullable().optional(),
            lat: z.number().nullable().optional(),
            lon: z.number().nullable().optional(),
          }),
        )
        .optional(),
      start: z.string(),
      end: z.string().optional(),
      tz: z.string().optional(),
      allDay: z.boolean().optional(),
      kind: z
        .string()
        .meta({ enum: [...EVENT_KINDS] })
        .optional(),
      sources: z.array(z.string()).optional(),
      notes: z.string().nullable().optional(),
      tags: z.array(z.string()).optional(),
    },
    { error: 'the request body must be one JSON object (an event)' },
  )
  .meta({
    description:
      'An event in the shape of `Event` (only title, country and start are required; `origin`, `localStart`, `localEnd`, `localDays` are ignored). start/end: ISO 8601 instant, local time or date in `tz`; a date alone makes an all-day event in its own zone. Validated by the same step as the calendar importers.',
  });
/** What the handler parses: the same fields, each optional (presence is the calendar step's), other keys kept. */
export const eventInput = eventInputDoc.partial().loose();

const bodyTime = (role: 'start' | 'end') =>
  z.union([z.string(), z.int()]).transform((v, ctx) => {
    if (typeof v === 'number') return v;
    try {
      return readTime(v, role);
    } catch (err) {
      if (!(err instanceof TimeParseError)) throw err;
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a time: use ISO 8601 (2016-05-21T00:00:00Z), a date or Unix seconds` });
      return z.NEVER;
    }
  });

/** `POST /api/collect`'s body. */
export const collectBody = z
  .object({
    source: z.string({ error: 'required: a collector name' }).meta({ description: 'Collector name (see /sources).', example: 'ioda' }),
    entity: z
      .string({ error: 'required, e.g. country:KZ' })
      .transform((v, ctx) => {
        try {
          const e = parseEntity(v);
          return `${e.type}:${e.code}`;
        } catch (err) {
          if (!(err instanceof EntityRefError)) throw err;
          ctx.addIssue({ code: 'custom', message: err.message });
          return z.NEVER;
        }
      })
      .meta({ example: 'country:KZ' }),
    from: z
      .union([z.string(), z.int()], { error: 'required: ISO 8601 UTC or Unix seconds' })
      .pipe(bodyTime('start'))
      .meta({ description: TIME_TEXT.description }),
    until: z
      .union([z.string(), z.int()])
      .pipe(bodyTime('end'))
      .optional()
      .meta({ description: `Default: now. ${TIME_TEXT.description}` }),
  })
  .superRefine((b, ctx) => {
    if (b.until !== undefined && b.until <= b.from) ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be after from' });
  });

export const routes = {
  health: route({
    method: 'get',
    path: '/health',
    operationId: 'health',
    summary: 'Version, database and collector health (the same facts as `outagewatch status --json`, without the daemon field).',
    responses: { '200': json(ref('Health'), 'Health') },
  }),
  listEntities: route({
    method: 'get',
    path: '/entities',
    operationId: 'listEntities',
    summary: 'Entities with their signals (first and last point of each).',
    query: z.object({ country: countryParam(), type: enumParam('Entity type.', ENTITY_TYPES), format }),
    listing: { item: 'Entity', description: 'Entities' },
    responses: {},
  }),
  getEntity: route({
    method: 'get',
    path: '/entities/{entity}',
    operationId: 'getEntity',
    summary: 'One entity.',
    params: z.object({ entity: pathParam('Entity as `type:code`.', z.string(), (v) => v, 'country:KZ') }),
    responses: { '200': json(ref('Entity'), 'The entity'), '404': errorResponse('Unknown entity') },
  }),
  signals: route({
    method: 'get',
    path: '/signals',
    operationId: 'signals',
    summary: 'Time series of one entity, downsampled for charts.',
    description:
      'Reads raw points for short ranges and the hourly, 6-hour or daily rollups for long ones (the coarsest whose step count over the range is at least `maxPoints`; `resolution` overrides), then keeps the minimum and maximum of each bucket so that dips stay visible, with at most `maxPoints` points per series. Gaps are `null` values. Defaults: `until` = now, `from` = `until` − 7 days. CSV is long format: signal,time,value,resolution,synthetic.',
    query: z.object({
      entity: required(entityParam(), 'required, e.g. country:KZ'),
      ...rangeShape,
      signals: listParam('Comma-separated signal names (default: all of the entity).', 'ioda.bgp,ioda.ping-slash24'),
      maxPoints: withDefault(intParam('Largest number of points per series (10–20000, default 1000).', 10, 20000), 1000),
      resolution: withDefault(enumParam('Force a resolution.', ['auto', 'raw', 'hourly', '6h', 'daily']), 'auto'),
      times: withDefault(enumParam('Point times as Unix seconds (default) or ISO 8601 strings.', ['unix', 'iso']), 'unix'),
      format,
    }),
    responses: { '200': jsonOrCsv(ref('Signals'), 'Series'), ...ERRORS, '404': errorResponse('Unknown entity') },
  }),
  sources: route({
    method: 'get',
    path: '/sources',
    operationId: 'sources',
    summary:
      'Collectors, recent runs, checkpoints and coverage (CSV: the coverage table). Coverage is paged (`limit`, `offset`; `X-Total-Count` counts its rows); `checkpoints` are those of the coverage rows on the page.',
    query: z.object({
      ...pagingShape,
      collector,
      entity: entityParam(),
      runs: withDefault(intParam('How many recent runs (0–1000, default 50).', 0, 1000), 50),
      format,
    }),
    responses: { '200': jsonOrCsv(ref('Sources'), 'Sources'), ...ERRORS },
  }),
  listRuns: route({
    method: 'get',
    path: '/sources/runs',
    operationId: 'listRuns',
    summary: 'Recent runs, newest first.',
    query: z.object({ collector, limit: withDefault(intParam('How many (1–1000, default 50).', 1, 1000), 50), format }),
    listing: { item: 'Run', description: 'Runs' },
    responses: {},
  }),
  getRun: route({
    method: 'get',
    path: '/sources/runs/{id}',
    operationId: 'getRun',
    summary: 'One run (e.g. the handle returned by POST /collect).',
    params: z.object({ id: numericIdPath('Run id.') }),
    responses: { '200': json(ref('Run'), 'The run'), '400': ERRORS['400'], '404': errorResponse('Unknown run') },
  }),
  listCheckpoints: route({
    method: 'get',
    path: '/sources/checkpoints',
    operationId: 'listCheckpoints',
    summary: 'Covered intervals per collector, entity and signal.',
    query: z.object({ collector, entity: entityParam(), format }),
    listing: { item: 'Checkpoint', description: 'Checkpoints' },
    responses: {},
  }),
  listOutages: route({
    method: 'get',
    path: '/outages',
    operationId: 'listOutages',
    summary: 'Detected outages overlapping the range (the same shape as `outagewatch outages --json`).',
    query: z.object({
      entity: entityParam(),
      country: countryParam('Outages of every entity of this country (country, regions, ASes).'),
      ...rangeShape,
      kind: enumParam('Outage kind.', OUTAGE_KINDS),
      severity: enumParam('Severity.', SEVERITIES),
      format,
    }),
    listing: { item: 'Outage', description: 'Outages' },
    responses: {},
  }),
  getOutage: route({
    method: 'get',
    path: '/outages/{id}',
    operationId: 'getOutage',
    summary: 'One outage.',
    params: z.object({ id: numericIdPath('Outage id.') }),
    responses: { '200': json(ref('Outage'), 'The outage'), '400': ERRORS['400'], '404': errorResponse('Unknown outage') },
  }),
  listSourceEvents: route({
    method: 'get',
    path: '/source-events',
    operationId: 'listSourceEvents',
    summary: 'Outages the sources declared themselves (IODA events, Radar annotations, OONI evidence) overlapping the range.',
    query: z.object({
      entity: entityParam(),
      country: countryParam('Source events of every entity of this country.'),
      source: textParam(
        'Source name (ioda, ooni, radar).',
        /^[a-z][a-z0-9_-]{0,31}$/,
        (v) => `"${v}" is not a source name such as ioda, ooni or radar`,
      ),
      ...rangeShape,
      format,
    }),
    listing: { item: 'SourceEvent', description: 'Source events' },
    responses: {},
  }),
  correlateCountry: route({
    method: 'get',
    path: '/correlation',
    operationId: 'correlateCountry',
    summary:
      'A country calendar against its outages (the same document as `outagewatch correlate --country CC --json`); as CSV, one row per test.',
    query: z.object({ country: required(countryParam(), 'a two-letter country code is required'), ...rangeShape, format }),
    responses: { '200': jsonOrCsv(ref('CountryCorrelation'), 'The correlation'), ...ERRORS },
  }),
  listEvents: route({
    method: 'get',
    path: '/events',
    operationId: 'listEvents',
    summary: 'Protest calendar events overlapping the range (the same shape as `outagewatch calendar list --json`).',
    query: z.object({ country: countryParam(), ...rangeShape, kind: enumParam('Event kind.', EVENT_KINDS), format }),
    listing: { item: 'Event', description: 'Events' },
    responses: {},
  }),
  createEvent: route({
    method: 'post',
    path: '/events',
    operationId: 'createEvent',
    summary: 'Add an event (admin token).',
    admin: true,
    body: { schema: eventInput, doc: eventInputDoc, component: 'EventInput', errors: 'list' },
    responses: {
      '201': json(ref('Event'), 'Created; Location names it.'),
      '400': errorResponse('The body is not a valid event; `error.errors` lists `{ field, reason }`.'),
      ...writeErrors,
      '409': errorResponse('The id, or the country + start + title, is taken.'),
      '503': unavailable,
    },
  }),
  getEvent: route({
    method: 'get',
    path: '/events/{id}',
    operationId: 'getEvent',
    summary: 'One event with its correlation and verdict.',
    params: z.object({ id: eventId() }),
    query: z.object({
      lead: durationParam('Window opens this long before the event (duration: 1d, 36h; default from config, 1d).'),
      lag: durationParam('Window closes this long after the event (default 2d).'),
      outages: param({ description: 'Outage input: `detected` (default) or `reference:NAME`.', value: z.string() }, (v, ctx) => {
        try {
          return parseOutageSource(v);
        } catch {
          ctx.addIssue({ code: 'custom', message: `"${v}" must be detected or reference:NAME` });
          return z.NEVER;
        }
      }),
    }),
    responses: {
      '200': json(ref('EventDetail'), 'The event, its verdict and correlation'),
      '400': ERRORS['400'],
      '404': errorResponse('Unknown event'),
    },
  }),
  updateEvent: route({
    method: 'put',
    path: '/events/{id}',
    operationId: 'updateEvent',
    summary: 'Replace an event (admin token).',
    admin: true,
    params: z.object({ id: eventId() }),
    body: { schema: eventInput, doc: eventInputDoc, component: 'EventInput', errors: 'list' },
    responses: {
      '200': json(ref('Event'), 'The stored event'),
      '400': errorResponse('The body is not a valid event.'),
      ...writeErrors,
      '404': errorResponse('Unknown event'),
      '409': errorResponse('Another event has the same country + start + title.'),
      '503': unavailable,
    },
  }),
  deleteEvent: route({
    method: 'delete',
    path: '/events/{id}',
    operationId: 'deleteEvent',
    summary: 'Remove an event (admin token).',
    admin: true,
    params: z.object({ id: eventId() }),
    responses: { '204': { description: 'Removed' }, ...writeErrors, '404': errorResponse('Unknown event'), '503': unavailable },
  }),
  listReferenceLists: route({
    method: 'get',
    path: '/reference',
    operationId: 'listReferenceLists',
    summary: 'Reference outage lists (Access Now STOP, IODA investigated, user CSV); the shape of `outagewatch reference list --json`.',
    query: z.object({ format }),
    listing: { item: 'ReferenceList', description: 'Lists' },
    responses: {},
  }),
  listReferenceOutages: route({
    method: 'get',
    path: '/reference/{list}',
    operationId: 'listReferenceOutages',
    summary: 'Outages of one reference list overlapping the range.',
    params: z.object({
      list: slugPath('Reference list name.', /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, (v) => `"${v}" is not a list name`, 'stop'),
    }),
    query: z.object({
      country: countryParam(),
      scope: enumParam('Only outages of this scope.', SCOPES, () => `one of ${SCOPES.join(', ')}`),
      ...rangeShape,
      format,
    }),
    listing: { item: 'ReferenceOutage', description: 'Reference outages' },
    responses: { '404': errorResponse('Unknown list') },
  }),
  collect: route({
    method: 'post',
    path: '/collect',
    operationId: 'collect',
    summary: 'Start a collection in the background (admin token).',
    admin: true,
    body: { schema: collectBody, component: 'CollectRequest' },
    responses: {
      '202': json(ref('CollectAccepted'), 'Started; poll the run at Location (/api/sources/runs/{id}).'),
      '400': errorResponse('Bad body: `error.parameter` names the field (source, entity, from, until).'),
      ...writeErrors,
      '409': errorResponse('A collection by this collector started through the API is still running.'),
      '503': unavailable,
    },
  }),
  openapi: route({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document.',
    responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } },
  }),
};
