import { z } from 'zod';
import { parseSection } from '../../core/errors.js';
import type { Config } from '../../core/config.js';

/** Web targets that matter when social media is blocked (OONI `domain` filter; `www.` variants are queried too). */
export const DEFAULT_WEB_TARGETS = [
  'facebook.com',
  'twitter.com',
  'instagram.com',
  'youtube.com',
  'vk.com',
  'google.com',
  'telegram.org',
  'whatsapp.com',
] as const;

/** OONI app tests, each its own target named after the test. */
export const DEFAULT_APP_TESTS = ['whatsapp', 'telegram', 'signal', 'facebook_messenger'] as const;

/** Web Connectivity (ts-017) was released on 3 June 2016; before it only these tests measured websites. */
export const LEGACY_WEB_TESTS = ['http_requests', 'dns_consistency', 'tcp_connect'] as const;

const domain = z.string().regex(/^[a-z0-9.-]{3,}$/, 'must be a lower-case domain such as facebook.com');
const testName = z.string().regex(/^[a-z0-9_]+$/, 'must be an OONI test name such as whatsapp');
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

/** `collection.ooni` in the configuration. */
export const ooniConfigSchema = z
  .object({
    /** anomaly_rate is NULL when (measurements − failures) is below this. */
    minMeasurements: z.number().int().min(1).default(5),
    webTargets: z
      .array(domain)
      .min(1)
      .default([...DEFAULT_WEB_TARGETS]),
    appTests: z.array(testName).default([...DEFAULT_APP_TESTS]),
    /** Web tests always queried for web targets. */
    webTests: z.array(testName).min(1).default(['web_connectivity']),
    /** Windows starting before this date also query the legacy web tests (http_requests, dns_consistency, tcp_connect). */
    legacyWebTestsUntil: date.default('2017-01-01'),
    /** `day` (default) or `hour` (country level only; windows of at most 7 days, as the API requires). */
    grain: z.enum(['day', 'hour']).default('day'),
    /** Also collect per network (`axis_y=probe_asn`) for country entities, written to `asn:<n>` entities. */
    perNetwork: z.boolean().default(true),
    /** Days per aggregation window (capped at 7 for hourly grain and 180 for the API). */
    windowDays: z.number().int().min(1).max(180).default(31),
    evidence: z
      .object({
        enabled: z.boolean().default(true),
        /** A day/target is anomalous when its anomaly_rate reaches this (or it has confirmed blocks). */
        minRate: z.number().min(0).max(1).default(0.3),
        maxIds: z.number().int().min(1).max(100).default(10),
        pageSize: z.number().int().min(1).max(1000).default(50),
        maxPages: z.number().int().min(1).max(20).default(3),
        /** At most this many anomalous day/targets get measurement ids per window. */
        maxPerWindow: z.number().int().min(0).default(40),
      })
      .strict()
      .default({ enabled: true, minRate: 0.3, maxIds: 10, pageSize: 50, maxPages: 3, maxPerWindow: 40 }),
    /** Requests per second to the API (the public quota is time-based; be gentle). */
    requestsPerSecond: z.number().positive().default(1),
  })
  .strict();

export type OoniConfig = z.infer<typeof ooniConfigSchema>;

/** Validates `collection.ooni`; a bad value names the setting. */
export function ooniConfig(config: Pick<Config, 'collection'>): OoniConfig {
  return parseSection(ooniConfigSchema, config.collection.ooni, ['collection', 'ooni']);
}
