import {
  BASE_ENV_SETTINGS,
  buildConfigSchema,
  loadConfigWith,
  sourceEnvOf,
  type Config,
  type LoadOptions,
  type SourceDeclaration,
} from '../core/config.js';
import { parseWebhooks } from './alerts/config.js';
import { calendarConfig } from './calendar/config.js';
import { correlatorConfig, referenceConfig } from './correlator/config.js';
import { detectorConfigFrom } from './detector/config.js';
import { parseCollectionConfig } from './scheduler/policy.js';
import { sourceDeclarations } from './sources.js';

/**
 * The whole program's configuration: the base sections and loader from core/config.ts, with the `sources.<name>`
 * section and `OUTAGEWATCH_<NAME>_URL` / token variables of every collector in the registry, and every module's
 * own section validated by that module's schema as soon as the config is loaded.
 */

const SOURCES: readonly SourceDeclaration[] = sourceDeclarations();

export const configSchema = buildConfigSchema(SOURCES);

/** Environment variable → config path. */
export const ENV_SETTINGS: Record<string, string[]> = { ...BASE_ENV_SETTINGS, ...sourceEnvOf(SOURCES) };

/** One config section and the check its owning module makes (throws a ConfigError naming the bad setting). */
export interface SectionCheck {
  section: string;
  check(config: Config): unknown;
}

/**
 * The sections the services and collectors own. `collection` covers each collector's `collection.<name>` too
 * (services/scheduler/policy.ts). The web layer's `api` section is added by the composition root (services/cli/).
 */
export const SECTION_CHECKS: readonly SectionCheck[] = [
  { section: 'collection', check: (c) => parseCollectionConfig(c.collection) },
  { section: 'detector', check: detectorConfigFrom },
  { section: 'correlator', check: correlatorConfig },
  { section: 'reference', check: referenceConfig },
  { section: 'calendar', check: calendarConfig },
  { section: 'webhooks', check: (c) => parseWebhooks(c.webhooks) },
];

/**
 * Loads and validates the configuration: the base sections, then every module's section (and `extra` checks), so
 * a typo anywhere in the file stops the program (ConfigError, exit 2) before any work begins.
 */
export function loadConfig(opts: LoadOptions = {}, extra: readonly SectionCheck[] = []): Config {
  const config = loadConfigWith({ schema: configSchema, env: ENV_SETTINGS, sources: SOURCES }, opts);
  for (const s of [...SECTION_CHECKS, ...extra]) s.check(config);
  return config;
}
