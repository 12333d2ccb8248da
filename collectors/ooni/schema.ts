import { z } from 'zod';

/**
 * Zod schemas of the real OONI API responses (ooni/backend `routers/v1/aggregation.py` and `measurements.py`;
 * saved responses in test/fixtures/ooni). Only fields outagewatch reads are required; the rest pass through.
 */

const count = z.number().int().min(0);

/**
 * One aggregation row: the five disjoint counts plus the axis columns that were asked for
 * (absent axes are omitted by the API, `response_model_exclude_none`).
 */
export const aggregationRowSchema = z.looseObject({
  anomaly_count: count,
  confirmed_count: count,
  failure_count: count,
  ok_count: count,
  measurement_count: count,
  /** `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SSZ` with `time_grain=hour`. */
  measurement_start_day: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$/, 'expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ')
    .optional(),
  domain: z.string().optional(),
  test_name: z.string().optional(),
  probe_cc: z.string().optional(),
  /** An integer in ClickHouse; accept the "AS123" spelling too. */
  probe_asn: z.union([z.number().int().min(0), z.string().regex(/^(AS)?\d+$/i)]).optional(),
  input: z.string().optional(),
  category_code: z.string().optional(),
  blocking_type: z.string().optional(),
});
export type AggregationRow = z.infer<typeof aggregationRowSchema>;

const aggregationBase = {
  v: z.number(),
  dimension_count: z.number().int().min(0).max(2),
  db_stats: z
    .looseObject({
      row_count: z.number().optional(),
      bytes: z.number().optional(),
      total_row_count: z.number().optional(),
      elapsed_seconds: z.number().optional(),
    })
    .optional(),
};

/** `result` is a list when dimension_count is 1 or 2 … */
export const aggregationListSchema = z.looseObject({ ...aggregationBase, result: z.array(aggregationRowSchema) });
/** … and a single object when it is 0. */
export const aggregationObjectSchema = z.looseObject({ ...aggregationBase, result: aggregationRowSchema });

export const aggregationResponseSchema = z.union([aggregationListSchema, aggregationObjectSchema]);

/** The schema to check a document with, so that a mismatch names the exact field (a union would not). */
export function aggregationSchemaFor(doc: unknown): typeof aggregationListSchema | typeof aggregationObjectSchema {
  const result = typeof doc === 'object' && doc !== null ? (doc as { result?: unknown }).result : undefined;
  return Array.isArray(result) || result === undefined ? aggregationListSchema : aggregationObjectSchema;
}
export type AggregationResponse = z.infer<typeof aggregationResponseSchema>;

/**
 * Validation errors come back as `{"msg": "...", "v": 0}`, sometimes with HTTP 200 (`jerror(..., code=200)`);
 * query failures as FastAPI `{"detail": "..."}`; quota as `{"error": "quota exceeded"}` (HTTP 429).
 */
export const ooniErrorSchema = z.union([
  z.looseObject({ msg: z.string() }),
  z.looseObject({ detail: z.unknown() }),
  z.looseObject({ error: z.string() }),
]);

/** The message of an OONI error body, or null when the document is not one. */
export function ooniErrorMessage(doc: unknown): string | null {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || 'result' in doc || 'results' in doc) return null;
  const r = ooniErrorSchema.safeParse(doc);
  if (!r.success) return null;
  const d = r.data as { msg?: string; detail?: unknown; error?: string };
  return d.msg ?? d.error ?? (typeof d.detail === 'string' ? d.detail : JSON.stringify(d.detail));
}

export const measurementSchema = z.looseObject({
  anomaly: z.boolean(),
  confirmed: z.boolean(),
  failure: z.boolean(),
  input: z.string().nullable().optional(),
  /** The string "AS12479" in this endpoint. */
  probe_asn: z.string(),
  probe_cc: z.string(),
  report_id: z.string(),
  scores: z.looseObject({}).optional(),
  test_name: z.string(),
  measurement_url: z.string(),
  measurement_start_time: z.string(),
  measurement_uid: z.string(),
  verification_status: z.string().optional(),
});
export type Measurement = z.infer<typeof measurementSchema>;

export const measurementsResponseSchema = z.looseObject({
  metadata: z.looseObject({
    /** -1 until the page that comes back short. */
    count: z.number().int().min(-1),
    current_page: z.number().int(),
    limit: z.number().int().min(1),
    next_url: z.string().nullable(),
    offset: z.number().int().min(0),
    pages: z.number().int().min(-1),
    query_time: z.number().optional(),
  }),
  results: z.array(measurementSchema),
});
export type MeasurementsResponse = z.infer<typeof measurementsResponseSchema>;
