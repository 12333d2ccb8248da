import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { parseDuration } from './time.js';
import { DbLocationError, parseDbLocation } from './db-location.js';

export { ConfigError, configErrorFrom, parseSection } from './errors.js';

/**
 * Configuration, lowest to highest precedence: defaults, `outagewatch.config.json` (or `--config`),
 * environment, command-line flags. Validated once; a bad value is a ConfigError naming the setting.
 *
 * core/ holds the base sections, the loader and the types; it knows no source by name. The whole program's
 * config (the `sources.<name>` of every registered collector and every module's own section) is composed in
 * services/program-config.ts, which passes the source declarations in here.
 *
 * Sections owned by other modules (`collection`, `detector`, `correlator`, `calendar`, `webhooks`, `reference`,
 * `api`) are kept as plain objects in the `Config` type and validated by their own module's schema.
 */

/**
 * The one duration setting of every config section: whole seconds (`86400`), or a number with a unit, `s`, `m`,
 * `h`, `d` or `w` (`30d`, `36h`, `90m`, `1.5h`; core/time.ts `parseDuration`). A bad value names the syntax.
 */
export const duration = z
  .union([z.number(), z.string()], { error: 'must be a duration: whole seconds or a string such as 30d, 36h, 90m' })
  .transform((v, ctx) => {
    if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= 0) return v;
      ctx.addIssue({ code: 'custom', message: 'must be whole seconds (not negative) or a string such as 30d, 36h, 90m' });
      return z.NEVER;
    }
    try {
      return parseDuration(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration such as 30d, 36h, 90m` });
      return z.NEVER;
    }
  });

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const sourceSchema = z
  .object({ url, enabled: z.boolean().default(true), token: z.string().min(1, 'must not be empty').optional() })
  .strict();
export type SourceSection = z.infer<typeof sourceSchema>;
/** A source that declares no token variable takes no `token`. */
const sourceSchemaOf = (tokenEnv: string | undefined) => (tokenEnv ? sourceSchema : sourceSchema.omit({ token: true }));

/** What the config needs to know about a source (a collector module declares it): its name, default base URL, token variable. */
export interface SourceDeclaration {
  name: string;
  url: string;
  tokenEnv?: string | undefined;
}

/** `sources.<name>` defaults: base URL, enabled. */
export function sourceDefaultsOf(sources: readonly SourceDeclaration[]): Record<string, { url: string; enabled: boolean }> {
  return Object.fromEntries(sources.map((s) => [s.name, { url: s.url, enabled: true }]));
}

/** Environment variable → config path, for every source: `OUTAGEWATCH_<NAME>_URL` and a declared token variable. */
export function sourceEnvOf(sources: readonly SourceDeclaration[]): Record<string, string[]> {
  const env: Record<string, string[]> = {};
  for (const s of sources) {
    env[`OUTAGEWATCH_${s.name.toUpperCase()}_URL`] = ['sources', s.name, 'url'];
    if (s.tokenEnv) env[s.tokenEnv] = ['sources', s.name, 'token'];
  }
  return env;
}

/** The config file's schema, with a `sources.<name>` section for each declared source. */
export function buildConfigSchema(sources: readonly SourceDeclaration[]) {
  return z
    .object({
      /** A SQLite file path or a postgres:// URL; any other URL scheme is refused (core/db-location.ts). */
      db: z
        .string()
        .min(1, 'must not be empty')
        .superRefine((value, ctx) => {
          try {
            parseDbLocation(value);
          } catch (err) {
            if (!(err instanceof DbLocationError)) throw err;
            ctx.addIssue({ code: 'custom', message: err.message });
          }
        })
        .default('./data/outagewatch.db'),
      host: z.string().min(1, 'must not be empty').default('127.0.0.1'),
      port: z.coerce
        .number({ error: 'must be a port number 0-65535' })
        .int('must be a port number 0-65535')
        .min(0, 'must be a port number 0-65535')
        .max(65535, 'must be a port number 0-65535')
        .default(8080),
      adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
      /** Where reports go (CLI, daemon and `/reports` alike); default `reports/` beside the database. */
      reportsDir: z.string().min(1, 'must not be empty').optional(),
      logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
      /** `sources.<name>` for every declared source (url, enabled, and a token where the source takes one). */
      sources: z
        .object(
          Object.fromEntries(sources.map((s) => [s.name, sourceSchemaOf(s.tokenEnv).default({ url: s.url, enabled: true })])) as Record<
            string,
            z.ZodDefault<typeof sourceSchema>
          >,
        )
        .strict()
        .default(() => sourceDefaultsOf(sources)),
      collection: z.record(z.string(), z.unknown()).default({}),
      detector: z.record(z.string(), z.unknown()).default({}),
      correlator: z.record(z.string(), z.unknown()).default({}),
      calendar: z.record(z.string(), z.unknown()).default({}),
      webhooks: z.array(z.unknown()).default([]),
      reference: z.record(z.string(), z.unknown()).default({}),
      api: z.record(z.string(), z.unknown()).default({}),
    })
    .strict();
}

export type ConfigSchema = ReturnType<typeof buildConfigSchema>;
export type Config = z.infer<ConfigSchema>;

/** Environment variable → config path, besides the sources'. */
export const BASE_ENV_SETTINGS: Record<string, string[]> = {
  OUTAGEWATCH_DB: ['db'],
  OUTAGEWATCH_HOST: ['host'],
  OUTAGEWATCH_PORT: ['port'],
  OUTAGEWATCH_ADMIN_TOKEN: ['adminToken'],
  LOG_LEVEL: ['logLevel'],
  OUTAGEWATCH_REPORTS_DIR: ['reportsDir'],
};

export interface LoadOptions {
  /** `--config FILE`; without it `outagewatch.config.json` in the working directory is read when present. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Command-line flags, highest precedence, as config paths (`{ db: 'x.db', port: 0 }`). */
  flags?: Record<string, unknown>;
  cwd?: string;
}

/** What the loader is given by the composition: the schema, the environment table and the declared sources. */
export interface ConfigProgram {
  schema: ConfigSchema;
  env: Record<string, string[]>;
  sources: readonly SourceDeclaration[];
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

/** `logLevel` → `--log-level`: the command-line flag a config path was given as. */
function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replaceAll('.', '-')}`;
}

/** Every leaf path of a plain JSON object (`{ sources: { ooni: { url } } }` → `sources.ooni.url`). */
function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0)
    return prefix.length ? [prefix] : [];
  return Object.entries(value as Obj).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

/**
 * Where a setting came from, for messages: the flag (`--port`), the environment variable (`OUTAGEWATCH_PORT`)
 * or the file (`in /path/outagewatch.config.json`); the nearest enclosing path that has an origin counts.
 */
function settingName(path: PropertyKey[], origins: Map<string, string>): string {
  const dotted = path.map(String).join('.');
  for (let n = path.length; n > 0; n--) {
    const origin = origins.get(path.slice(0, n).map(String).join('.'));
    if (origin) return `${dotted} (${origin})`;
  }
  return dotted;
}

/** Reads the file, environment and flags and validates the base sections against `program.schema`. */
export function loadConfigWith(program: ConfigProgram, opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const raw: Obj = {};
  const origins = new Map<string, string>();
  const file = opts.configFile ?? (existsSync(resolve(cwd, 'outagewatch.config.json')) ? 'outagewatch.config.json' : undefined);
  if (file) {
    const path = resolve(cwd, file);
    if (!existsSync(path)) throw new ConfigError('--config', `file not found: ${path}`);
    try {
      Object.assign(raw, JSON.parse(readFileSync(path, 'utf8')) as Obj);
    } catch (err) {
      throw new ConfigError('--config', `${path} is not valid JSON (${(err as Error).message})`);
    }
    for (const p of leafPaths(raw)) origins.set(p.join('.'), `in ${path}`);
  }
  // a source given only partly (e.g. a url in the file) keeps the other defaults
  const sources = (raw.sources ?? {}) as Obj;
  for (const [name, def] of Object.entries(sourceDefaultsOf(program.sources))) {
    const given = sources[name];
    sources[name] = { ...def, ...(typeof given === 'object' && given !== null ? (given as Obj) : {}) };
  }
  raw.sources = sources;
  for (const [name, path] of Object.entries(program.env)) {
    const value = env[name];
    if (value !== undefined && value !== '') {
      setPath(raw, path, value);
      origins.set(path.join('.'), name);
    }
  }
  for (const [key, value] of Object.entries(opts.flags ?? {})) {
    if (value === undefined) continue;
    setPath(raw, key.split('.'), value);
    origins.set(key, flagName(key));
  }
  const parsed = program.schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      // name the unknown key itself (not its empty parent path), where it was given, and what is known there
      const names = issue.keys.map((k) => settingName([...issue.path, k], origins));
      const known = knownKeys(program.schema, issue.path);
      throw new ConfigError(names.join(', '), `unknown setting${known.length ? ` (known here: ${known.join(', ')})` : ''}`);
    }
    throw new ConfigError(settingName(issue.path, origins), issue.message);
  }
  // trailing slashes on base URLs are not significant
  for (const s of Object.values(parsed.data.sources)) s.url = s.url.replace(/\/+$/, '');
  return parsed.data;
}

/** The setting names the schema accepts at a path (`[]` → `db, host, port, …`; `['sources']` → `ioda, ooni, …`). */
function knownKeys(root: z.ZodType, path: PropertyKey[]): string[] {
  let schema: z.ZodType = root;
  for (const key of path) {
    let inner: z.ZodType = schema;
    while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
    if (!(inner instanceof z.ZodObject)) return [];
    const next = (inner.shape as Record<string, z.ZodType>)[String(key)];
    if (!next) return [];
    schema = next;
  }
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) schema = schema.unwrap() as z.ZodType;
  return schema instanceof z.ZodObject ? Object.keys(schema.shape as Record<string, unknown>) : [];
}
