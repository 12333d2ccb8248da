import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { parseEntity, EntityRefError } from '../../db/entities.js';
import { AppError, badParameter } from '../../core/app-errors.js';
import { parseDuration, parseTime, TimeParseError } from '../../core/time.js';

/**
 * One zod schema per route: its query parameters, path parameters and body are zod schemas that validate the
 * request (a 400 naming the parameter, `error.parameter`), type the handler, and generate the OpenAPI document
 * (dashboards/openapi.ts reads the same schemas). A query parameter is a zod schema over the raw query value
 * (`string`, absent, or an array when given twice) registered in `paramDocs` with its description and the zod
 * schema of its value, which both checks the value and is emitted as the parameter's JSON Schema.
 */

export interface ParamDoc {
  description: string;
  /** The value's schema: checks the value and is emitted (z.toJSONSchema) as the parameter's schema. */
  value: z.ZodType;
  example?: string;
  required?: boolean;
}

/** Every query and path parameter schema, with what the document says about it. */
export const paramDocs = new WeakMap<z.ZodType, ParamDoc>();

function documented<S extends z.ZodType>(schema: S, doc: ParamDoc): S {
  paramDocs.set(schema, doc);
  return schema;
}

const fail = (ctx: z.RefinementCtx, message: string): never => {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
};

/**
 * A query parameter: absent or empty reads as undefined; given twice (`?from=a&from=b`) is a 400, never silently
 * the first or last; otherwise `read` turns the text into the typed value (or reports why it cannot).
 */
export function param<T>(
  doc: ParamDoc,
  read: (text: string, ctx: z.RefinementCtx) => T,
  blank: (text: string) => boolean = (s) => s === '',
) {
  return documented(
    z
      .unknown()
      .transform((v, ctx): T | undefined => {
        if (v === undefined) return undefined;
        if (typeof v !== 'string') return fail(ctx, 'give it once, as a plain value');
        if (blank(v)) return undefined;
        return read(v, ctx);
      })
      .optional(),
    doc,
  );
}

/** A parameter that must be given. */
export function required<T>(schema: z.ZodType<T | undefined>, message: string) {
  const doc = paramDocs.get(schema)!;
  return documented(
    schema.transform((v, ctx): T => (v === undefined ? fail(ctx, message) : v)),
    { ...doc, required: true },
  );
}

/** A parameter with a default when absent (the default is documented with the value's schema). */
export function withDefault<T>(schema: z.ZodType<T | undefined>, value: T) {
  const doc = paramDocs.get(schema)!;
  return documented(
    schema.transform((v): T => v ?? value),
    { ...doc, value: doc.value.default(value as never) },
  );
}

const TIME_HELP =
  'ISO 8601 instant (`2016-05-21T00:00:00Z`; without an offset read as UTC), a date (`2016-05-21`: 00:00 UTC as `from`, the end of that UTC day as `until`) or Unix seconds (`1463788800`).';
export const TIME_TEXT = z.string().meta({ description: TIME_HELP });
const ISO_UTC = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/;

/** ISO 8601 UTC instant, a date (`2016-05-21`) or Unix seconds → Unix seconds. */
export function readTime(v: string, role: 'start' | 'end'): number {
  // fast path for the form clients send most (full UTC instants); everything else goes through parseTime
  if (ISO_UTC.test(v)) {
    const ms = Date.parse(v);
    // Date.parse rolls 2016-02-30 over to March: accept only dates that read back the same
    if (Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 19) === v.slice(0, 19)) return Math.floor(ms / 1000);
  }
  return parseTime(v, role);
}

export const timeParam = (role: 'start' | 'end', description: string) =>
  param({ description: `${description} ${TIME_HELP}`, value: z.string() }, (v, ctx) => {
    try {
      return readTime(v, role);
    } catch (err) {
      if (err instanceof TimeParseError)
        return fail(ctx, `"${v}" is not a time: use ISO 8601 (2016-05-21T00:00:00Z), a date (2016-05-21) or Unix seconds`);
      throw err;
    }
  });

/** `from` and `until` of a range, checked for order (`until: must be after from`). */
export const rangeShape = {
  from: timeParam('start', 'Start of the range (inclusive).'),
  until: timeParam('end', 'End of the range (exclusive).'),
};
export function ordered<T extends { from?: number; until?: number }>(q: T, ctx: z.RefinementCtx): void {
  if (q.from !== undefined && q.until !== undefined && q.until <= q.from)
    ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be after from' });
}
/** Just the two times, unordered (the range limit middleware reads them before any route, pages included). */
export const rangeTimes = z.object(rangeShape);

export const entityParam = (description = 'Entity as `type:code`: `country:KZ`, `asn:9198`, `region:<IODA id>`.') =>
  param({ description, value: z.string(), example: 'country:KZ' }, (v, ctx) => {
    try {
      const e = parseEntity(v);
      return `${e.type}:${e.code}`;
    } catch (err) {
      if (err instanceof EntityRefError) return fail(ctx, err.message);
      throw err;
    }
  });

const COUNTRY = z.string().regex(/^[A-Za-z]{2}$/);
export const countryParam = (description = 'ISO 3166-1 alpha-2 country code.') =>
  param({ description, value: COUNTRY, example: 'KZ' }, (v, ctx) =>
    COUNTRY.safeParse(v).success ? v.toUpperCase() : fail(ctx, `"${v}" is not a two-letter country code (ISO 3166-1 alpha-2)`),
  );

export function intParam(description: string, min: number, max: number) {
  const value = z.int().min(min).max(max);
  return param({ description, value }, (v, ctx) => {
    if (!/^\d+$/.test(v)) return fail(ctx, `"${v}" is not a whole number`);
    const n = Number(v);
    return value.safeParse(n).success ? n : fail(ctx, `must be between ${min} and ${max}`);
  });
}

export function enumParam<const T extends readonly [string, ...string[]]>(description: string, values: T, message?: (v: string) => string) {
  const value = z.enum(values);
  return param({ description, value }, (v, ctx): T[number] =>
    value.safeParse(v).success ? (v as T[number]) : fail(ctx, message ? message(v) : `"${v}" is not one of ${values.join(', ')}`),
  );
}

/** A plain text parameter matching `pattern` (`reason` says what was expected). */
export function textParam(description: string, pattern?: RegExp, reason?: (v: string) => string) {
  const value = pattern ? z.string().regex(pattern) : z.string();
  return param({ description, value }, (v, ctx) => (value.safeParse(v).success ? v : fail(ctx, reason ? reason(v) : 'invalid')));
}

/** Comma-separated list (`signals=ioda.bgp,ooni.anomaly_rate:facebook.com`), duplicates dropped. */
export const listParam = (description: string, example?: string) =>
  param(
    { description, value: z.string(), ...(example ? { example } : {}) },
    (v) => [
      ...new Set(
        v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      ),
    ],
    (v) => v.trim() === '',
  );

/** A duration such as 1d, 36h, 90m → seconds. */
export const durationParam = (description: string) =>
  param({ description, value: z.string() }, (v, ctx) => {
    try {
      return parseDuration(v);
    } catch (err) {
      if (err instanceof TimeParseError) return fail(ctx, `"${v}" is not a duration such as 1d, 36h, 90m`);
      throw err;
    }
  });

/** `format=json|csv` (every listing; `Accept: text/csv` selects CSV too). */
export const formatParam = enumParam(
  "Response format; `Accept: text/csv` selects CSV too. Text cells starting with = + - @ are prefixed with `'` in CSV.",
  ['json', 'csv'],
  () => 'must be json or csv',
);

/** JSON listings answer at most this many rows unless `limit` asks for another page size (up to LISTING_MAX_LIMIT). */
export const LISTING_DEFAULT_LIMIT = 1000;
export const LISTING_MAX_LIMIT = 10000;

/** Paging of every listing: `limit` (page size) and `offset`. */
export const pagingShape = {
  limit: param(
    {
      description: `Page size: rows per answer (1–${LISTING_MAX_LIMIT}; JSON default ${LISTING_DEFAULT_LIMIT}; CSV default every row).`,
      value: z.int().min(1).max(LISTING_MAX_LIMIT),
    },
    (v, ctx) =>
      /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= LISTING_MAX_LIMIT
        ? Number(v)
        : fail(ctx, `a whole number from 1 to ${LISTING_MAX_LIMIT}`),
  ),
  offset: param(
    { description: 'Rows to skip (default 0); the order of a listing is stable, so offset pages do not overlap.', value: z.int().min(0) },
    (v, ctx) => (/^\d+$/.test(v) && Number(v) <= Number.MAX_SAFE_INTEGER ? Number(v) : fail(ctx, 'a whole number from 0')),
  ),
};
export const pagingQuery = z.object(pagingShape);

/** Path parameters: documented like query parameters, always required. */
export function pathParam<T>(description: string, value: z.ZodType, read: (text: string, ctx: z.RefinementCtx) => T, example?: string) {
  return documented(
    z.string().transform((v, ctx) => read(v, ctx)),
    { description, value, required: true, ...(example ? { example } : {}) },
  );
}

/** A name or slug in the path matching `pattern` (`reason` says what was expected). */
export const slugPath = (description: string, pattern: RegExp, reason: (v: string) => string, example: string) =>
  pathParam(description, z.string().regex(pattern), (v, ctx) => (pattern.test(v) ? v : fail(ctx, reason(v))), example);

/** A numeric id in the path (outages, runs). */
export const numericIdPath = (description: string) =>
  pathParam(description, z.int().min(0), (v, ctx) => (/^\d{1,15}$/.test(v) ? Number(v) : fail(ctx, `"${v}" is not a numeric id`)));

/** Turns the first zod issue into the API's 400: `BAD_PARAMETER` naming the parameter. */
export function parseParams<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw badParameter(String(issue.path[0] ?? 'query'), issue.message);
}

/**
 * What one route declares: method, path (OpenAPI template), documentation, and the zod schemas of its query,
 * path parameters and body. `responses` are the documented answers (dashboards/openapi.ts).
 */
export type QueryShape = z.ZodObject;

export interface RouteSpec<Q extends QueryShape = QueryShape, P extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  query?: Q;
  params?: P;
  /** The JSON body schema (validated: a 400 naming the field) and its component name in the document. */
  body?: {
    schema: B;
    /** The documented schema when it is not `schema` itself. */
    doc?: z.ZodType;
    component: string;
    /** `list`: a failing body answers BAD_BODY with every `{ field, reason }` in `error.errors`; else BAD_PARAMETER naming the first field. */
    errors?: 'list' | 'first';
  };
  /** A listing: paging parameters and headers, JSON array or CSV (`item` names the component of one row). */
  listing?: { item: string; description: string };
  admin?: boolean;
  responses: Record<string, unknown>;
}

export interface Parsed<Q extends QueryShape, P extends z.ZodType, B extends z.ZodType> {
  query: z.output<Q>;
  params: z.output<P>;
  body: z.output<B>;
}

/** Defines a route spec keeping its schema types. */
export function route<
  Q extends QueryShape = z.ZodObject<Record<string, never>>,
  P extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
>(spec: RouteSpec<Q, P, B>): RouteSpec<Q, P, B> {
  return spec;
}

/**
 * The query schema a route validates: its own parameters, the paging ones for a listing (a route's own `limit`
 * wins), and `from` before `until` when it takes a range.
 */
export function querySchema(spec: RouteSpec): z.ZodType | undefined {
  if (!spec.query && !spec.listing) return undefined;
  const shape = { ...(spec.listing ? pagingShape : {}), ...(spec.query?.shape ?? {}) };
  const obj = z.object(shape);
  return 'from' in shape && 'until' in shape ? obj.superRefine((q, ctx) => ordered(q as { from?: number; until?: number }, ctx)) : obj;
}

/** JSON bodies: a failing body zod schema answers BAD_PARAMETER naming the field, or BAD_BODY listing every field. */
function parseBody<S extends z.ZodType>(schema: S, mode: 'list' | 'first', req: Request): z.output<S> {
  if (!req.is('application/json')) throw new AppError('BAD_BODY', 'the request body must be JSON (Content-Type: application/json)');
  const r = schema.safeParse(req.body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  if (issue.path.length === 0) throw new AppError('BAD_BODY', issue.message);
  if (mode === 'first') throw badParameter(String(issue.path[0]), issue.message);
  const errors = r.error.issues.map((i) => ({ field: i.path.map(String).join('.'), reason: i.message }));
  throw new AppError('BAD_BODY', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors, parameter: errors[0]!.field });
}

/**
 * The handler of a route: validates path parameters, query and body with the route's schemas (in that order)
 * and calls `fn` with the typed values. Thrown errors (and rejected promises) reach the app's error handler.
 */
export function handle<Q extends QueryShape, P extends z.ZodType, B extends z.ZodType>(
  spec: RouteSpec<Q, P, B>,
  fn: (input: Parsed<Q, P, B>, req: Request, res: Response) => void | Promise<void>,
): RequestHandler {
  const query = querySchema(spec as unknown as RouteSpec);
  return (req, res) => {
    const params = spec.params ? parseParams(spec.params, req.params) : undefined;
    const q = query ? parseParams(query, req.query) : undefined;
    const body = spec.body ? parseBody(spec.body.schema, spec.body.errors ?? 'first', req) : undefined;
    return fn({ query: q as z.output<Q>, params: params as z.output<P>, body: body as z.output<B> }, req, res);
  };
}
