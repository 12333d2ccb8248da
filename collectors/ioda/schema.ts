import { z } from 'zod';
import { FetchError, parseJsonBody, parseShape } from '../framework/index.js';

/**
 * Zod schemas of IODA API v2 responses, after the server code (InetIntel/ioda-api `src/Response/Envelope.php`,
 * `TimeSeriesNormalizer`, `OutagesEventNormalizer`, `EntitiesRepository`) and the saved real responses in
 * test/fixtures/ioda/. Objects are "loose": a field IODA adds later is ignored, a field we use that is
 * missing or of the wrong type is an error naming it.
 */

/** The envelope of every endpoint; `data` is checked separately once `error` is known to be null. */
export const envelopeSchema = z.looseObject({
  type: z.string(),
  metadata: z.looseObject({ requestTime: z.string().optional(), responseTime: z.string().optional() }).nullable().optional(),
  requestParameters: z.record(z.string(), z.unknown()).nullable().optional(),
  error: z.string().nullable(),
  perf: z.array(z.unknown()).nullable().optional(),
  data: z.unknown(),
  copyright: z.string().optional(),
});
export type IodaEnvelope = z.infer<typeof envelopeSchema>;

/**
 * `number | null` per element, checked in one loop (a 99-day 5-minute series has 28 512 values; per-element
 * schemas cost more than the database write). A bad element is reported at its index, e.g. `values[3]`.
 */
const nullableNumbers = z.unknown().check((ctx) => {
  const v = ctx.value;
  if (!Array.isArray(v)) {
    ctx.issues.push({ code: 'custom', message: `expected an array, got ${v === null ? 'null' : typeof v}`, input: v });
    return;
  }
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x === null || (typeof x === 'number' && Number.isFinite(x))) continue;
    ctx.issues.push({ code: 'custom', message: `expected a number or null, got ${JSON.stringify(x)?.slice(0, 40)}`, input: x, path: [i] });
    return;
  }
}) as unknown as z.ZodType<Array<number | null>>;

/** One scalar series of `signals/raw` (bgp, ping-slash24, merit-nt, gtr): values[i] is at from + i*step. */
export const seriesSchema = z.looseObject({
  entityType: z.string(),
  entityCode: z.string(),
  entityName: z.string().nullable().optional(),
  entityFqid: z.string().nullable().optional(),
  datasource: z.string(),
  subtype: z.string().nullable().optional(),
  from: z.number().int(),
  until: z.number().int(),
  step: z.number().int().positive(),
  nativeStep: z.number().int().positive(),
  values: nullableNumbers,
});
export type IodaSeries = z.infer<typeof seriesSchema>;

/** `data` of `signals/raw`: one list of series per requested entity; `[[]]` = no data era for this window. */
export const signalsDataSchema = z.array(z.array(seriesSchema));

/** An outage event in the default `codf` format (`OutagesEventNormalizer`). */
export const eventSchema = z.looseObject({
  location: z.string(),
  start: z.number().int(),
  duration: z.number().int().nonnegative(),
  uncertainty: z.number().nullable().optional(),
  method: z.string(),
  datasource: z.string(),
  status: z.number().nullable().optional(),
  fraction: z.number().nullable().optional(),
  score: z.number().nullable(),
  location_name: z.string().nullable().optional(),
  overlaps_window: z.boolean().optional(),
});
export type IodaEvent = z.infer<typeof eventSchema>;
export const eventsDataSchema = z.array(eventSchema);

/** `entities/query` (`type: "entities.lookup"`). */
export const entitySchema = z.looseObject({
  code: z.string(),
  name: z.string(),
  type: z.string(),
  subnames: z.array(z.unknown()).nullable().optional(),
  attrs: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type IodaEntity = z.infer<typeof entitySchema>;
export const entitiesDataSchema = z.array(entitySchema);

/** Datasources whose `values` are lists of objects (not collected; recognised to give a clear message). */
export const NESTED_DATASOURCES = new Set([
  'ping-slash24-loss',
  'ping-slash24-latency',
  'upstream-delay-penult-asns',
  'upstream-delay-penult-e2e-latency',
  'gtr-sarima',
]);

/**
 * Parses an IODA response body (fetched or saved): JSON, envelope, `error` (an error even on HTTP 200),
 * then `data` against `dataSchema`. Every failure is a FetchError naming `origin` and the field.
 */
export function parseIodaBody<S extends z.ZodType>(
  text: string,
  dataSchema: S,
  origin: string,
  expectedType?: string,
): { envelope: IodaEnvelope; data: z.infer<S> } {
  return checkIodaEnvelope(parseJsonBody(text, envelopeSchema, origin), dataSchema, origin, expectedType);
}

/** The second half of parseIodaBody, for an envelope already parsed. */
export function checkIodaEnvelope<S extends z.ZodType>(
  envelope: IodaEnvelope,
  dataSchema: S,
  origin: string,
  expectedType?: string,
): { envelope: IodaEnvelope; data: z.infer<S> } {
  if (envelope.error !== null && envelope.error !== '')
    throw new FetchError('api-error', origin, `${origin}: IODA answered with an error: ${envelope.error}`);
  if (expectedType && envelope.type !== expectedType) {
    throw new FetchError(
      'schema',
      origin,
      `${origin}: unexpected response shape at type: expected "${expectedType}", got "${envelope.type}"`,
      { path: 'type' },
    );
  }
  return { envelope, data: parseShape(envelope.data, dataSchema, origin, { under: ['data'] }) };
}
