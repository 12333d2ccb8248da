import { z } from 'zod';
import { ripestatEnvelopeSchema } from '../ripestat/schema.js';

/**
 * RIPE Atlas probe connectivity as RIPEstat publishes it from the Atlas probe archive (processed once a day):
 * the `atlas-probe-deployment` data call, https://stat.ripe.net/docs/02.data-api/atlas-probe-deployment.html.
 * The envelope is RIPEstat's (real responses in test/fixtures/ripestat); the `data` block follows the
 * documented output (`deployment` records with `date` and `statuses` neverseen/connected/disconnected/abandoned,
 * `resource`, `starttime`/`endtime`, `query_date`) and the `ripestat-common` 0.0.2 struct `AtlasProbeDeploymentResponse`
 * (`deployments: [{ resource, deployment: [...] }]`, `merge`). No recorded response was found: see
 * test/fixtures/atlas/SOURCES.md.
 */

/** `2016-05-20` or `2016-05-20T00:00:00` (UTC, offset optional), as RIPEstat writes dates and times. */
export const ripeDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/, 'expected an ISO 8601 date or time');

const count = z.number().int().min(0);

export const deploymentRecordSchema = z.looseObject({
  date: ripeDate,
  statuses: z.looseObject({ neverseen: count, connected: count, disconnected: count, abandoned: count }),
});
export type DeploymentRecord = z.infer<typeof deploymentRecordSchema>;

export const probeDeploymentDataSchema = z.looseObject({
  deployments: z.array(z.looseObject({ resource: z.string(), deployment: z.array(deploymentRecordSchema) })),
  resource: z.array(z.string()),
  starttime: ripeDate.optional(),
  endtime: ripeDate.optional(),
  query_date: ripeDate.optional(),
  merge: z.boolean().optional(),
});
export type ProbeDeploymentData = z.infer<typeof probeDeploymentDataSchema>;

export const probeDeploymentResponseSchema = ripestatEnvelopeSchema.extend({ data: probeDeploymentDataSchema });
export type ProbeDeploymentResponse = z.infer<typeof probeDeploymentResponseSchema>;
