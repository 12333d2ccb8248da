import { BASE_ENV_SETTINGS, buildConfigSchema, loadConfigWith, sourceEnvOf, type Config, type LoadOptions, type SourceDeclaration } from '../core/config.js';
import { sourceDeclarations } from './sources.js';

/**
 * The whole program's configuration: the base sections and loader from core/config.ts, with the `sources.<name>`
 * section and `OUTAGEWATCH_<NAME>_URL` / token variables of every collector in the registry.
 */

const SOURCES: readonly SourceDeclaration[] = sourceDeclarations();

export const configSchema = buildConfigSchema(SOURCES);

/** Environment variable → config path. */
export const ENV_SETTINGS: Record<string, string[]> = { ...BASE_ENV_SETTINGS, ...sourceEnvOf(SOURCES) };

export function loadConfig(opts: LoadOptions = {}): Config {
  return loadConfigWith({ schema: configSchema, env: ENV_SETTINGS, sources: SOURCES }, opts);
}
