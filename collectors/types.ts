import type { Logger } from 'pino';
import type { z } from 'zod';
import type { EntityRef } from '../db/entities.js';
import type { Config } from '../core/config.js';
import type { HttpClientOptions } from './framework/http.js';
import type { CollectStore } from './framework/store.js';

/** Progress reported by a collector as windows complete (CLI progress bars, health page). */
export interface CollectProgress {
  windowsDone: number;
  windowsTotal: number;
  points: number;
  errors: number;
}

export interface CollectArgs {
  entity: string;
  /** Unix seconds UTC, [from, until). */
  from: number;
  until: number;
  /** The async store (SQLite or PostgreSQL); a SQLite store given as it is gets wrapped (framework/store.ts). */
  store: CollectStore;
  log: Logger;
  abort?: AbortSignal;
  onProgress?: (p: CollectProgress) => void;
  /**
   * On a store with window leases (PostgreSQL): how long a claim on a window lives without renewal, seconds
   * (default db/postgres/leases.ts). A collector killed mid-window gives its window up after this.
   */
  leaseSeconds?: number;
}

export interface WindowFailure {
  entity: string;
  signal?: string;
  from: number;
  until: number;
  url?: string;
  error: string;
}

export interface CollectResult {
  points: number;
  events: number;
  /** Latest time up to which everything asked for is now covered (null when nothing was). */
  coveredUntil: number | null;
  windowsOk: number;
  windowsFailed: number;
  /**
   * Windows another collector on the same database held or finished during this run (leases, PostgreSQL):
   * not fetched here and not failures. Set only when the store has leases.
   */
  windowsLeased?: number;
  failures: WindowFailure[];
}

/** The result of a collection that did nothing (a disabled collector, an entity the source does not cover). */
export function emptyCollectResult(): CollectResult {
  return { points: 0, events: 0, coveredUntil: null, windowsOk: 0, windowsFailed: 0, failures: [] };
}

/** Every source implements this; the registry lists them so the scheduler, CLI and health page treat them alike. */
export interface Collector {
  readonly name: string;
  describe(): string;
  /** When false, the collector is off (e.g. Radar without a token) and `disabledReason` says why. */
  enabled(): boolean;
  disabledReason(): string | null;
  /** The signals this collector produces for an entity (`source.metric[:target]`). */
  signals(entity: string): string[];
  /**
   * Unix seconds (UTC) of the source's first data, where the source documents one (see docs/collectors.md):
   * a range reaching before it is clipped to it rather than asked for.
   */
  readonly firstData?: number;
  /** How many windows (one request each) `collect` would plan for [from, until) with nothing covered yet. */
  windowCount?(entity: string, from: number, until: number): number;
  collect(args: CollectArgs): Promise<CollectResult>;
  /**
   * Optional: ingest saved API responses (`outagewatch ingest <name> FILE...`) through the same
   * parse/validate/map/write path as `collect`.
   */
  ingest?(args: IngestArgs): Promise<IngestResult>;
}

export interface IngestArgs {
  files: string[];
  /** Written through as `collect` writes: the async store of either backend (a SQLite store is wrapped). */
  store: CollectStore;
  log: Logger;
  /** Mark every signal written as synthetic (generated data, e.g. the offline demo). */
  synthetic?: boolean;
}

export interface IngestResult {
  files: number;
  filesOk: number;
  points: number;
  events: number;
  /** One per file that could not be ingested (nothing from it was written). */
  failures: Array<{ file: string; error: string }>;
}

/** Builds a collector from the validated configuration. */
export type CollectorFactory = (config: Config, deps: { log: Logger }) => Collector;

/** What a collector is built with: its logger, overrides for its HTTP client (tests: no sleeping) and a clock. */
export interface CollectorDeps {
  log: Logger;
  http?: Partial<HttpClientOptions>;
  now?: () => number;
}

/** The verdict axis a signal informs (connectivity: can people reach the Internet; services: can they reach a service). */
export type SignalAxis = 'connectivity' | 'services';

/** A link to a source's own view of an entity and time range (pages and reports). */
export interface EvidenceLink {
  source: string;
  label: string;
  url: string;
}

/** Built-in detector settings for a signal pattern (`source.metric`, `source.*`, `source.metric:*`); see docs/detector.md. */
export interface DetectorRuleDefaults {
  window?: number;
  warning?: number;
  critical?: number;
  minBaseline?: number;
  minPoints?: number;
  class?: 'connectivity' | 'service';
  enabled?: boolean;
}

/** How often the scheduler collects a source (seconds): every, lag behind now, refresh of settled data, watch. */
export interface CadenceDefaults {
  every: number;
  lag: number;
  refresh: number;
  watch: boolean;
  chunk?: number;
}

/**
 * Everything the rest of the program needs to know about a source, declared in its own folder and listed once
 * in collectors/registry.ts. Config defaults and environment variables, scheduler cadence, coverage, evidence
 * links, detector defaults, chart order and help texts are all derived from these declarations.
 */
export interface CollectorModule {
  name: string;
  /** Human name (`RIPE Atlas`). */
  title: string;
  /** One line for `collect --help`, the README's source table and docs. */
  summary: string;
  /** `sources.<name>`: default base URL; `OUTAGEWATCH_<NAME>_URL` sets it. `tokenEnv`: an env var for `sources.<name>.token`. */
  source: { url: string; tokenEnv?: string };
  /** `collection.<name>`: the collector's own settings (validated when any command starts). */
  configSchema?: z.ZodType;
  cadence: CadenceDefaults;
  /** Signal-name prefixes (before the first `.`) that belong to this source, besides its name (`cloudflare` for Radar). */
  aliases?: string[];
  /** The verdict axis of one of its signals (default connectivity). */
  axis?: (signal: string) => SignalAxis;
  /** The source's history starts here (Unix seconds); a window before it is explained as such in coverage. */
  era?: { from: number; note: string };
  detectorRules?: Record<string, DetectorRuleDefaults>;
  /** Chart panels: order keys (signal names or prefixes) and titles. */
  charts?: { order: string[]; titles?: Record<string, string> };
  /** Links to the source's own views of an entity and range; each link's `source` is this module's `name`. */
  evidenceLinks?: (entity: EntityRef, from: number, until: number, opts: { ooniTargets?: string[] }) => EvidenceLink[];
  /** `outagewatch ingest <name>` accepts saved responses of this source. */
  ingests?: string;
  create: CollectorFactory;
}
