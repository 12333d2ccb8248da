import { z } from 'zod';

/**
 * RIPEstat Data API (https://stat.ripe.net/docs/data_api). The envelope is taken from real responses
 * (test/fixtures/ripestat); the `country-resource-stats` data block from the documentation and the
 * `ripestat-common` struct, with the real quirks: `-1` placeholders and fractional counts.
 */

export const ripestatEnvelopeSchema = z.looseObject({
  messages: z.array(z.array(z.string())).optional(),
  see_also: z.array(z.unknown()).optional(),
  version: z.string().optional(),
  data_call_name: z.string().optional(),
  data_call_status: z.string().optional(),
  cached: z.boolean().optional(),
  query_id: z.string().optional(),
  process_time: z.number().optional(),
  server_id: z.string().optional(),
  build_version: z.string().optional(),
  status: z.string(),
  status_code: z.number().int(),
  time: z.string().optional(),
  data: z.unknown(),
});

/** `2016-05-20T00:00:00` (UTC, no offset) as RIPEstat writes times. */
const ripeTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/, 'expected an ISO 8601 time');

/** A count, or -1 meaning "no value". Counts may be fractional (means over a coarser resolution). */
const countOrMissing = z.number().min(-1).nullable().optional();

export const countryResourceStatSchema = z.looseObject({
  timeline: z.array(z.looseObject({ starttime: ripeTime, endtime: ripeTime.optional() })).min(1),
  v4_prefixes_ris: countOrMissing,
  v6_prefixes_ris: countOrMissing,
  asns_ris: countOrMissing,
  v4_prefixes_stats: countOrMissing,
  v6_prefixes_stats: countOrMissing,
  asns_stats: countOrMissing,
  stats_date: ripeTime.optional(),
});
export type CountryResourceStat = z.infer<typeof countryResourceStatSchema>;

export const countryResourceStatsDataSchema = z.looseObject({
  query_starttime: ripeTime.optional(),
  query_endtime: ripeTime.optional(),
  resource: z.string(),
  resolution: z.enum(['5m', '1h', '1d', '1w']),
  latest_time: ripeTime.optional(),
  earliest_time: ripeTime.optional(),
  hd_latest_time: ripeTime.optional(),
  stats: z.array(countryResourceStatSchema),
});
export type CountryResourceStatsData = z.infer<typeof countryResourceStatsDataSchema>;

export const countryResourceStatsResponseSchema = ripestatEnvelopeSchema.extend({ data: countryResourceStatsDataSchema });
export type CountryResourceStatsResponse = z.infer<typeof countryResourceStatsResponseSchema>;
