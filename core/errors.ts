import type { z } from 'zod';

/**
 * core/: the bottom layer (errors, time helpers, domain words). It imports nothing from db/, collectors/,
 * services/ or dashboards/.
 */

/** A bad setting: the program stops with one line naming it, exit 2. */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly setting: string,
    readonly reason: string,
  ) {
    super(`invalid setting ${setting}: ${reason}`);
    this.name = 'ConfigError';
  }
}

/**
 * The one zod-issue → ConfigError mapping: the first issue, named by its dotted path under `prefix`
 * (`collection.ripestat.windowDays`), unknown keys listed by name.
 */
export function configErrorFrom(
  prefix: readonly string[],
  error: z.ZodError,
  name: (path: string[]) => string = (p) => p.join('.'),
): ConfigError {
  const issue = error.issues[0]!;
  const reason = issue.code === 'unrecognized_keys' ? `unknown setting(s) ${issue.keys.join(', ')}` : issue.message;
  return new ConfigError(name([...prefix, ...issue.path.map(String)]), reason);
}

/** Validates one config section with its schema; a bad value throws a ConfigError naming `prefix.<path>`. */
export function parseSection<S extends z.ZodType>(schema: S, raw: unknown, prefix: readonly string[]): z.infer<S> {
  const r = schema.safeParse(raw ?? {});
  if (!r.success) throw configErrorFrom(prefix, r.error);
  return r.data;
}
