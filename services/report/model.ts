import { z } from 'zod';

/**
 * Everything a report says, format-independent. Markdown, HTML, CSV and JSON are renderings of this one
 * structure, so they carry the same facts. Times are ISO 8601 UTC strings; `*Local` fields are ISO with the
 * offset of `tz`. The JSON rendering is this structure as is; its JSON Schema is `reportJsonSchema()`.
 */
const iso = z.string().describe('ISO 8601 time');

export const reportSchema = z.object({
  schema: z.literal('outagewatch-report/1'),
  title: z.string(),
  scope: z.object({ kind: z.enum(['event', 'country']), entity: z.string(), country: z.string(), from: iso, until: iso, tz: z.string() }),
  event: z
    .object({
      id: z.string(),
      title: z.string(),
      country: z.string(),
      kind: z.string(),
      places: z.array(z.string()),
      start: iso,
      end: iso,
      startLocal: iso,
      endLocal: iso,
      tz: z.string(),
      sources: z.array(z.string()),
      notes: z.string().nullable(),
    })
    .nullable(),
  window: z
    .object({ from: iso, until: iso, leadSeconds: z.number(), lagSeconds: z.number() })
    .describe('[start − lead, end + lag] for an event; the asked range for a country'),
  verdict: z.object({
    connectivity: z.enum(['outage', 'normal', 'no-data']),
    services: z.enum(['blocking', 'normal', 'no-data']),
    label: z.enum(['connectivity-outage', 'service-blocking', 'both', 'regional-outage', 'nothing-unusual', 'insufficient-data']),
    blockedTargets: z.array(z.string()),
    onset: z
      .object({
        time: iso,
        seconds: z.number().nullable().describe('from the event start; null for a country range'),
        entity: z.string(),
        signal: z.string().nullable(),
        precision: z.enum(['day', 'hour', 'minute']),
        stepSeconds: z.number(),
        basis: z.enum(['national', 'subnational-majority']),
      })
      .nullable()
      .describe('when the national outage or blocking began, from country-level evidence only'),
    depth: z.number().nullable().describe('deepest fraction of normal lost on country-level evidence'),
    subnational: z.array(
      z.object({
        scope: z.enum(['regional', 'local', 'asn', 'unknown']),
        entity: z.string().nullable(),
        area: z.string().nullable(),
        start: iso,
        end: iso,
        depth: z.number(),
        kind: z.string(),
        origin: z.string(),
      }),
    ),
    subnationalSummary: z.string().nullable(),
  }),
  summary: z.array(z.string()).describe('plain-words summary, one paragraph each'),
  synthetic: z.object({ any: z.boolean(), signals: z.array(z.string()) }),
  outages: z.array(
    z.object({
      id: z.number().nullable(),
      entity: z.string(),
      kind: z.string(),
      severity: z.string(),
      start: iso,
      end: iso,
      startLocal: iso,
      endLocal: iso,
      durationSeconds: z.number(),
      onsetSeconds: z.number().nullable().describe('start relative to the event start; negative = before'),
      scope: z
        .enum(['national', 'regional', 'local', 'asn', 'unknown'])
        .describe('national for the country itself; sub-national units: region regional, county local, AS asn'),
      parent: z.string().nullable().describe('the country a sub-national unit belongs to (null for the country)'),
      name: z.string().nullable().describe('the unit’s name (e.g. a county)'),
      lostPercent: z
        .number()
        .nullable()
        .describe(
          'largest share of normal lost on level signals, percent (null when only rate signals such as OONI anomaly rates dropped)',
        ),
      hours: z.number().describe('how long, hours'),
      signals: z.array(z.string()),
      targets: z.array(z.string()),
      depth: z.number().describe('largest fraction of baseline lost, 0..1'),
      score: z.number(),
    }),
  ),
  sourceEvents: z.array(
    z.object({
      source: z.string(),
      id: z.string(),
      start: iso,
      end: iso.nullable(),
      title: z.string().nullable(),
      agreement: z.enum(['agree', 'only-source']),
    }),
  ),
  signals: z.array(
    z.object({
      signal: z.string(),
      synthetic: z.boolean(),
      label: z.string(),
      unit: z.string().nullable(),
      sourceName: z.string(),
      axis: z.enum(['connectivity', 'services']),
      rate: z.boolean().describe('a share of measurements (OONI anomaly rate): dropPercent is not used, a rise is what counts'),
      baseline: z.number().nullable().describe('median over the 7 days before the window'),
      /* dropPercent: largest loss against the baseline; for daily-cycle signals (IODA telescope, Google traffic) against the same time of day */
      minInWindow: z.number().nullable(),
      peakInWindow: z.number().nullable(),
      dropPercent: z.number().nullable(),
      coveragePercent: z.number().describe('share of the window with data'),
      points: z.number(),
    }),
  ),
  ooni: z.array(
    z.object({
      target: z.string(),
      days: z.array(
        z.object({
          day: z.string(),
          measurements: z.number().nullable(),
          anomaly: z.number().nullable(),
          confirmed: z.number().nullable(),
        }),
      ),
    }),
  ),
  statistics: z.object({
    method: z.string(),
    p: z.number().nullable(),
    smallestAttainableP: z.number().nullable(),
    details: z.record(z.string(), z.unknown()),
    text: z.string(),
  }),
  coverage: z.array(
    z.object({
      source: z.string(),
      name: z.string().describe('the source as credited (provenance source name)'),
      hasData: z.boolean(),
      hours: z.number().describe('hours of the window with data'),
      reason: z.string().nullable(),
    }),
  ),
  caveats: z.array(z.string()),
  evidence: z.array(z.object({ source: z.string(), label: z.string(), url: z.string() })),
  reference: z.array(
    z.object({
      list: z.string(),
      country: z.string(),
      start: iso,
      end: iso.nullable(),
      kind: z.string().nullable(),
      source: z.string().nullable(),
    }),
  ),
  citation: z.string(),
  licences: z.array(z.object({ source: z.string(), licence: z.string(), attribution: z.string() })),
  series: z
    .array(
      z.object({
        signal: z.string(),
        synthetic: z.boolean(),
        label: z.string(),
        unit: z.string().nullable(),
        sourceName: z.string(),
        resolution: z.enum(['raw', 'hourly', 'daily']).describe('raw points for short ranges; the hourly or daily rollup otherwise'),
        bucketSeconds: z.number().describe('seconds one point covers (the step for raw points)'),
        points: z.array(
          z.union([
            z.tuple([iso, z.number().nullable()]).describe('raw: [time, value]'),
            z
              .tuple([iso, z.number().nullable(), z.number().nullable(), z.number().nullable()])
              .describe('rollup bucket: [start, mean, min, max]'),
          ]),
        ),
      }),
    )
    .describe(
      'series behind the charts, at a resolution that fits the page (at most about 2,500 points each); the full-resolution points are the separate `--full-csv` export',
    ),
  reproducibility: z.object({
    tool: z.string(),
    version: z.string(),
    generatedAt: iso,
    parameters: z.record(z.string(), z.unknown()),
    dataHash: z.string().describe('sha256 of the exact rows used'),
    rows: z.number(),
  }),
});

export type ReportData = z.infer<typeof reportSchema>;

export function reportJsonSchema(): unknown {
  return z.toJSONSchema(reportSchema);
}
