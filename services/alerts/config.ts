import { z } from 'zod';
import { parseSection, type Config } from '../../core/config.js';

/** The events a webhook can ask for. */
export const ALERT_EVENTS = ['outage.started', 'outage.ended'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

const webhookSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    events: z
      .array(z.enum(ALERT_EVENTS, { error: `must be one of ${ALERT_EVENTS.join(', ')}` }))
      .min(1, 'must name at least one event')
      .optional(),
  })
  .strict();

export interface Webhook {
  url: string;
  events: AlertEvent[];
}

/** Validates the `webhooks` section: `[{ "url": "https://…", "events": ["outage.started"] }]` (events default: all). */
export function parseWebhooks(raw: unknown): Webhook[] {
  return parseSection(z.array(webhookSchema), raw ?? [], ['webhooks']).map((w) => ({ url: w.url, events: w.events ?? [...ALERT_EVENTS] }));
}

export const webhooksFrom = (config: Pick<Config, 'webhooks'> | undefined): Webhook[] => parseWebhooks(config?.webhooks ?? []);
