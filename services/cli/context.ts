import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { COLLECTOR_MODULES } from '../../collectors/registry.js';
import { openPointStore, openRepositories } from '../../db/open.js';
import type { Repositories } from '../../db/repositories.js';
import { sqliteRepositories } from '../../db/sqlite-repositories.js';
import { SqliteStore } from '../../db/store.js';
import type { PointStore } from '../../db/repository.js';
import { type Config } from '../../core/config.js';
import { loadConfig, type SectionCheck } from '../program-config.js';
import { apiOptions } from '../../dashboards/api/options.js';
import { createLogger } from '../../core/logger.js';
import { normaliseCountry } from '../calendar/countries.js';
import { MissingDatabaseError, UsageError } from '../../core/app-errors.js';
import { parseTime, TimeParseError } from '../../core/time.js';
import { describeDbLocation, parseDbLocation, type DbLocation } from '../../core/db-location.js';

/**
 * The commands that work on a PostgreSQL database today (issue 23); every other command refuses one with exit 2
 * (never a silent fall back to SQLite). `docs/scale.md` lists what remains.
 */
export const POSTGRES_COMMANDS: readonly string[] = [
  'db migrate',
  'db copy',
  'collect',
  'start',
  'calendar list',
  'calendar show',
  'calendar import',
  'calendar export',
  'calendar add',
  'calendar remove',
  'calendar seed',
  'reference import',
  'reference list',
  'evaluate',
  'serve',
  'outages',
  'status',
  'detect',
  'ingest csv',
  // every source that ingests saved responses (one registry line each, collectors/registry.ts)
  ...COLLECTOR_MODULES.filter((m) => m.ingests).map((m) => `ingest ${m.name}`),
  'correlate',
  'report',
  'demo',
];

/** A command asked to work on a backend it does not support yet: exit 2, one line saying so. */
export class UnsupportedBackendError extends UsageError {
  constructor(command: string, loc: DbLocation) {
    super(
      `\`outagewatch ${command}\` does not work on PostgreSQL yet (database ${describeDbLocation(loc)}); ` +
        (POSTGRES_COMMANDS.length
          ? `on PostgreSQL this version runs only: ${POSTGRES_COMMANDS.map((c) => `outagewatch ${c}`).join(', ')}. `
          : 'no command runs on PostgreSQL in this version yet. ') +
        'Use a SQLite file for the rest (see docs/scale.md)',
    );
    this.name = 'UnsupportedBackendError';
  }
}

/** The web layer's own section, checked with the others when any command starts (the composition root wires it in). */
const WEB_SECTIONS: SectionCheck[] = [{ section: 'api', check: apiOptions }];

export interface GlobalOptions {
  db?: string;
  config?: string;
  logLevel?: string;
}

/**
 * What every command gets: configuration (defaults < file < environment < flags), a logger on
 * stderr, the store, and output helpers (stdout is for results only).
 */
export class CliContext {
  private cfg: Config | undefined;
  private logger: Logger | undefined;
  private stores: SqliteStore[] = [];
  private pointStores: PointStore[] = [];
  private repos: Repositories[] = [];
  /** The command being run, e.g. `db migrate` (set before its action runs), for messages. */
  command = '';

  constructor(
    readonly program: Command,
    readonly io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = { stdout: process.stdout, stderr: process.stderr },
  ) {}

  globals(): GlobalOptions {
    return this.program.opts<GlobalOptions>();
  }

  /** Validated configuration; flags given here (e.g. `{ port: 0 }`) take precedence. */
  config(flags: Record<string, unknown> = {}): Config {
    if (this.cfg && Object.keys(flags).length === 0) return this.cfg;
    const g = this.globals();
    const cfg = loadConfig({ configFile: g.config, flags: { db: g.db, logLevel: g.logLevel, ...flags } }, WEB_SECTIONS);
    this.cfg = cfg;
    return cfg;
  }

  log(): Logger {
    this.logger ??= createLogger(this.config().logLevel);
    return this.logger;
  }

  /** Where the configured database lives (a SQLite path or a PostgreSQL URL). */
  dbLocation(): DbLocation {
    return parseDbLocation(this.config().db);
  }

  /** The SQLite path of the configured database; a PostgreSQL URL is refused (exit 2) for commands not ported yet. */
  sqlitePath(): string {
    const loc = this.dbLocation();
    if (loc.backend !== 'sqlite') throw new UnsupportedBackendError(this.command || 'this command', loc);
    return loc.path;
  }

  /** The writable store (migrated). Closed when the command ends. */
  store(): SqliteStore {
    const s = SqliteStore.open(this.sqlitePath());
    this.stores.push(s);
    return s;
  }

  /**
   * The core store on either backend (a SQLite file or a PostgreSQL URL), migrated, behind the async interface
   * (db/repository.ts), for the commands that run on both. Closed when the command ends (closeAll).
   */
  async pointStore(): Promise<PointStore> {
    const s = await openPointStore(this.dbLocation());
    this.pointStores.push(s);
    return s;
  }

  /**
   * The store of a command that only reads (status, listings, reports): the database must exist already —
   * a missing file is named (exit 1) and neither it nor its folder is created.
   */
  existingStore(): SqliteStore {
    this.requireDatabase();
    // a file this user may not write (chmod 444, another user's) is opened read-only: no migration, no write
    const s = SqliteStore.openForReading(this.sqlitePath());
    this.stores.push(s);
    return s;
  }

  /** A read-only connection for reports and listings of an existing database (a missing file is named, exit 1). */
  readStore(): SqliteStore {
    this.requireDatabase();
    // bring a writable file's schema up to date first; a read-only one must be current already (named if not)
    const path = this.sqlitePath();
    const opened = SqliteStore.openForReading(path);
    if (opened.readOnly) {
      this.stores.push(opened);
      return opened;
    }
    opened.close();
    const s = SqliteStore.open(path, { readonly: true });
    this.stores.push(s);
    return s;
  }

  /**
   * Every repository of the configured database, on either backend, schema up to date (a SQLite file is created
   * like `store()` does). Only for commands in POSTGRES_COMMANDS when the database is PostgreSQL. Closed when the
   * command ends.
   */
  async repositories(): Promise<Repositories> {
    const loc = this.postgresOrSqlite();
    if (loc.backend === 'sqlite') return sqliteRepositories(this.store());
    const r = await openRepositories(loc);
    this.repos.push(r);
    return r;
  }

  /**
   * The repositories of a command that only reads: a SQLite file must exist and is opened as `existingStore()` does
   * (with `upgrade`, as `readStore()` does: a writable file's schema brought up to date first).
   */
  async readRepositories(opts: { upgrade?: boolean } = {}): Promise<Repositories> {
    const loc = this.postgresOrSqlite();
    if (loc.backend === 'sqlite') return sqliteRepositories(opts.upgrade ? this.readStore() : this.existingStore());
    const r = await openRepositories(loc);
    this.repos.push(r);
    return r;
  }

  private postgresOrSqlite(): DbLocation {
    const loc = this.dbLocation();
    if (loc.backend === 'postgres' && !POSTGRES_COMMANDS.includes(this.command))
      throw new UnsupportedBackendError(this.command || 'this command', loc);
    return loc;
  }

  private requireDatabase(): void {
    const db = this.sqlitePath();
    if (db !== ':memory:' && !existsSync(resolve(db))) throw new MissingDatabaseError(resolve(db));
  }

  /** `--country`: an ISO 3166-1 alpha-2 code (any case) → upper case; anything else is a usage error. */
  country(flag: string, value: string | undefined): string | undefined {
    if (value === undefined) return undefined;
    const cc = normaliseCountry(value);
    if (!cc) throw new UsageError(`${flag}: "${value}" is not an ISO 3166-1 alpha-2 country code (e.g. KZ)`);
    return cc;
  }

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** `--json`: exactly one JSON document on stdout. */
  json(doc: unknown): void {
    this.io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  }

  /** A plain text table on stdout. */
  table(rows: Array<Record<string, unknown>>, columns?: string[]): void {
    const cols = columns ?? Object.keys(rows[0] ?? {});
    if (rows.length === 0) {
      this.out('(none)');
      return;
    }
    const cell = (v: unknown) =>
      (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)).replace(/\s+/g, ' ');
    const widths = cols.map((c) =>
      Math.min(
        60,
        rows.reduce((m, r) => Math.max(m, cell(r[c]).length), c.length),
      ),
    );
    const line = (vals: string[]) =>
      vals
        .map((v, i) => (v.length > widths[i]! ? `${v.slice(0, widths[i]! - 1)}…` : v.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
    this.out([line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n'));
  }

  /** Parses `--from`/`--until` per the CLI conventions; a bad value is a usage error naming the flag. */
  time(flag: string, value: string | undefined, role: 'start' | 'end'): number | undefined {
    if (value === undefined) return undefined;
    try {
      return parseTime(value, role);
    } catch (err) {
      if (err instanceof TimeParseError) throw new UsageError(`${flag}: ${err.message}`);
      throw err;
    }
  }

  /** Parses a whole-number flag (from `min`, up to `max`); a bad value is a usage error naming the flag. */
  wholeNumber(flag: string, value: string | undefined, min: number, max = Infinity): number | undefined {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
      throw new UsageError(`${flag}: must be a whole number ≥ ${min}${max < Infinity ? ` and ≤ ${max}` : ''}`);
    return Number(value);
  }

  /** A database error in words naming the configured file, or null for other errors. */
  describeDbError(err: unknown): string | null {
    let path: string;
    try {
      const loc = this.dbLocation();
      if (loc.backend !== 'sqlite') return null;
      path = resolve(loc.path);
    } catch {
      return null;
    }
    return SqliteStore.describeError(err, path);
  }

  async close(): Promise<void> {
    for (const s of this.stores) s.close();
    this.stores = [];
    const repos = this.repos;
    this.repos = [];
    for (const r of repos) await r.close();
    // a PostgreSQL pool left open would keep the process alive
    const open = this.pointStores;
    this.pointStores = [];
    for (const s of open) await s.close().catch(() => {});
  }
}
