import { z } from 'zod';

/**
 * Cloudflare Radar `GET /radar/annotations/outages`. Required fields are those present in the saved docs
 * example (test/fixtures/radar); fields the current API reference lists but the example lacks (`id`,
 * `asnsDetails`, `locationsDetails`, `origins`, `originsDetails`, envelope `messages`) are optional.
 */

const isoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/, 'expected an ISO 8601 instant');

export const radarAnnotationSchema = z.looseObject({
  id: z.string().optional(),
  dataSource: z.string(),
  description: z.string().nullable().optional(),
  scope: z.string().nullable().optional(),
  startDate: isoTime,
  /** null or absent: the outage is ongoing. */
  endDate: isoTime.nullable().optional(),
  locations: z.array(z.string()),
  asns: z.array(z.number().int()),
  eventType: z.string(),
  linkedUrl: z.string().nullable().optional(),
  outage: z.looseObject({ outageCause: z.string(), outageType: z.string() }).nullable().optional(),
  asnsDetails: z
    .array(
      z.looseObject({
        asn: z.union([z.string(), z.number()]),
        name: z.string().nullable().optional(),
        locations: z.looseObject({ code: z.string(), name: z.string() }).nullable().optional(),
        location: z.looseObject({ code: z.string(), name: z.string() }).nullable().optional(),
      }),
    )
    .optional(),
  locationsDetails: z.array(z.looseObject({ code: z.string(), name: z.string() }).nullable()).optional(),
  origins: z.array(z.string()).optional(),
  originsDetails: z.array(z.union([z.looseObject({ name: z.string(), origin: z.string() }), z.string()])).optional(),
});
export type RadarAnnotation = z.infer<typeof radarAnnotationSchema>;

const radarMessage = z.looseObject({ message: z.string(), code: z.number().optional() });

export const radarOutagesResponseSchema = z.looseObject({
  success: z.boolean(),
  errors: z.array(radarMessage),
  messages: z.array(radarMessage).optional(),
  result: z.looseObject({ annotations: z.array(radarAnnotationSchema) }),
});
export type RadarOutagesResponse = z.infer<typeof radarOutagesResponseSchema>;

/** `{"errors":[{"message":"…"}],"result":{},"success":false}` */
export const radarErrorSchema = z.looseObject({ success: z.literal(false), errors: z.array(radarMessage) });
