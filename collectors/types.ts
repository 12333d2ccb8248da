import type { Logger } from 'pino';
import type { SignalStore } from '../db/store.js';
import type { Config } from '../services/config.js';

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
  store: SignalStore;
  log: Logger;
  abort?: AbortSignal;
  onProgress?: (p: CollectProgress) => void;
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
  failures: WindowFailure[];
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
  collect(args: CollectArgs): Promise<CollectResult>;
}

/** Builds a collector from the validated configuration. */
export type CollectorFactory = (config: Config, deps: { log: Logger }) => Collector;
