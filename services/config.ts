import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { COLLECTOR_MODULES, sourceDefaults, sourceEnv } from './sources.js';
import { ConfigError, configErrorFrom } from '../core/errors.js';

export { ConfigError } from '../core/errors.js';

/**
 * Configuration, lowest to highest precedence: defaults, `outagewatch.config.json` (or `--config`),
 * environment, command-line flags. Validated once; a bad value is a ConfigError naming the setting.
 *
 * Sections owned by other modules (`collection`, `detector`, `correlator`, `calendar`, `webhooks`, `reference`)
 * are kept as plain objects here and validated by their own module's schema.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const sourceSchema = z.object({ url, enabled: z.boolean().default(true), token: z.string().min(1, 'must not be empty').optional() }).strict();
export type SourceSection = z.infer<typeof sourceSchema>;

export const configSchema = z
  .object({
    db: z.string().min(1, 'must not be empty').default('./data/outagewatch.db'),
    host: z.string().min(1, 'must not be empty').default('127.0.0.1'),
    port: z.coerce.number({ error: 'must be a port number 0-65535' }).int('must be a port number 0-65535').min(0, 'must be a port number 0-65535').max(65535, 'must be a port number 0-65535').default(8080),
    adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
    logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    /** `sources.<name>` for every collector in the registry (url, enabled, and a token where the source takes one). */
    sources: z
      .object(Object.fromEntries(COLLECTOR_MODULES.map((m) => [m.name, sourceSchema.default({ url: m.source.url, enabled: true })])) as Record<string, z.ZodDefault<typeof sourceSchema>>)
      .strict()
      .default(sourceDefaults),
    collection: z.record(z.string(), z.unknown()).default({}),
    detector: z.record(z.string(), z.unknown()).default({}),
    correlator: z.record(z.string(), z.unknown()).default({}),
    calendar: z.record(z.string(), z.unknown()).default({}),
    webhooks: z.array(z.unknown()).default([]),
    reference: z.record(z.string(), z.unknown()).default({}),
    api: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

/** Environment variable → config path. */
export const ENV_SETTINGS: Record<string, string[]> = {
  OUTAGEWATCH_DB: ['db'],
  OUTAGEWATCH_HOST: ['host'],
  OUTAGEWATCH_PORT: ['port'],
  OUTAGEWATCH_ADMIN_TOKEN: ['adminToken'],
  LOG_LEVEL: ['logLevel'],
  ...sourceEnv(),
};


export interface LoadOptions {
  /** `--config FILE`; without it `outagewatch.config.json` in the working directory is read when present. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Command-line flags, highest precedence, as config paths (`{ db: 'x.db', port: 0 }`). */
  flags?: Record<string, unknown>;
  cwd?: string;
}

type Obj = Record<string, unknown>;

function setPath(target: Obj, path: string[], value: unknown): void {
  let cur = target;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Obj;
  }
  cur[path[path.length - 1]!] = value;
}

function settingName(path: PropertyKey[]): string {
  const dotted = path.map(String).join('.');
  const env = Object.entries(ENV_SETTINGS).find(([, p]) => p.join('.') === dotted);
  return env ? `${dotted} (${env[0]})` : dotted;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const raw: Obj = {};
  const file = opts.configFile ?? (existsSync(resolve(cwd, 'outagewatch.config.json')) ? 'outagewatch.config.json' : undefined);
  if (file) {
    const path = resolve(cwd, file);
    if (!existsSync(path)) throw new ConfigError('--config', `file not found: ${path}`);
    try {
      Object.assign(raw, JSON.parse(readFileSync(path, 'utf8')) as Obj);
    } catch (err) {
      throw new ConfigError('--config', `${path} is not valid JSON (${(err as Error).message})`);
    }
  }
  // a source given only partly (e.g. a url in the file) keeps the other defaults
  const sources = (raw.sources ?? {}) as Obj;
  for (const [name, def] of Object.entries(sourceDefaults())) {
    const given = sources[name];
    sources[name] = { ...def, ...(typeof given === 'object' && given !== null ? (given as Obj) : {}) };
  }
  raw.sources = sources;
  for (const [name, path] of Object.entries(ENV_SETTINGS)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, path, value);
  }
  for (const [key, value] of Object.entries(opts.flags ?? {})) {
    if (value !== undefined) setPath(raw, key.split('.'), value);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw configErrorFrom([], parsed.error, settingName);
  }
  // trailing slashes on base URLs are not significant
  for (const s of Object.values(parsed.data.sources)) s.url = s.url.replace(/\/+$/, '');
  return parsed.data;
}
