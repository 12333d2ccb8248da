import type { z } from 'zod';
import { FetchError, parseShape } from '../framework/index.js';
import { ripestatEnvelopeSchema } from './schema.js';

/**
 * A RIPEstat Data API answer: the envelope first (`status` must be "ok", error messages named), then the data
 * call's shape. Every data call answers in this envelope, so the RIPEstat collector and the RIPE Atlas collector
 * (whose probe counts come from RIPEstat's `atlas-probe-deployment` call) both check their answers here.
 */
export function validateRipestat<S extends z.ZodType>(doc: unknown, schema: S, origin: string): z.infer<S> {
  const env = ripestatEnvelopeSchema.safeParse(doc);
  if (env.success && (env.data.status !== 'ok' || env.data.status_code >= 400)) {
    const msgs = (env.data.messages ?? [])
      .filter((m) => m[0] === 'error')
      .map((m) => m[1])
      .join('; ');
    throw new FetchError(
      'api-error',
      origin,
      `${origin}: RIPEstat status ${env.data.status} (${env.data.status_code})${msgs ? `: ${msgs}` : ''}`,
    );
  }
  return parseShape(doc, schema, origin);
}
