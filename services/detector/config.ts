import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConfigError, duration, parseSection, type Config } from '../../core/config.js';
import type { EpisodeClass } from '../../core/outage.js';
import { defaultDetectorRules } from '../sources.js';

/**
 * The `detector` section of the configuration, validated here. Every field is optional; defaults
 * follow IODA's published practice (docs/detector.md explains each choice).
 *
 * ```json
 * { "detector": {
 *     "signals": { "ioda.bgp": { "warning": 0.98 }, "custom.*": { "window": "48h" } },
 *     "ooni": { "minMeasurements": 10 },
 *     "alerts": { "maxAge": "2d" },
 *     "watch": ["country:KZ"] } }
 * ```
 */

/** The most judging threads a configuration (or `detect --threads`) may ask for. */
export const MAX_JUDGE_THREADS = 64;

const fraction = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

const ruleInput = z
  .object({
    baseline: z.enum(['auto', 'moving', 'seasonal']).optional(),
    /** Moving median: history window. */
    window: duration.optional(),
    /** Seasonal: period (1 day) and number of past periods (days) whose same time of day is used. */
    period: duration.optional(),
    seasons: z.number().int().min(1).max(60).optional(),
    warning: fraction.optional(),
    critical: fraction.optional(),
    minBaseline: z.number().nonnegative().optional(),
    minPoints: z.number().int().min(1).optional(),
    minDuration: duration.optional(),
    recoverPoints: z.number().int().min(1).optional(),
    inpaintBelow: z.number().nonnegative().optional(),
    inpaintAbove: z.number().positive().optional(),
    maxInpaint: duration.optional(),
    minCoverage: fraction.optional(),
    class: z.enum(['connectivity', 'service']).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

const ooniInput = z
  .object({
    window: duration.optional(),
    minCoverage: fraction.optional(),
    minMeasurements: z.number().int().min(1).optional(),
    floor: fraction.optional(),
    minRise: fraction.optional(),
    riseFactor: z.number().min(1).optional(),
    critical: fraction.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

const degradationInput = z
  .object({
    /** The recent level must be under this fraction of the long-run level. */
    below: z.number().gt(0).lt(1).optional(),
    /** Long-run level: median daily level over this span, ending where the recent span starts. */
    longRun: duration.optional(),
    /** Recent level: median daily level over this span. */
    recent: duration.optional(),
    /** A degradation lasting longer becomes the new normal. */
    maxDuration: duration.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

const alertsInput = z
  .object({
    maxAge: duration.optional(),
    attempts: z.number().int().min(1).max(20).optional(),
    backoff: duration.optional(),
    timeout: duration.optional(),
  })
  .strict();

const detectorInput = z
  .object({
    signals: z
      .record(
        z
          .string()
          .regex(
            /^[a-z][a-z0-9_-]*(\.[A-Za-z0-9_\-.*]+)?(:.+)?$|^[a-z][a-z0-9_-]*\.\*$/,
            'must be a signal name or pattern like ioda.bgp, ioda.gtr:*, custom.*',
          ),
        ruleInput,
      )
      .optional(),
    ooni: ooniInput.optional(),
    degradation: degradationInput.optional(),
    alerts: alertsInput.optional(),
    watch: z.array(z.string().min(3)).optional(),
    /** Worker threads judging a detection's large signals (0: none); default one per core, at most 4. */
    threads: z.number().int().min(0).max(MAX_JUDGE_THREADS).optional(),
  })
  .strict();

export interface SignalRule {
  /** `auto`: find daily/weekly cycles in the data (cycles.ts) and choose; `moving`/`seasonal`: as configured. */
  baseline: 'auto' | 'moving' | 'seasonal';
  window: number;
  period: number;
  seasons: number;
  warning: number;
  critical: number;
  minBaseline: number;
  minPoints: number;
  minDuration: number;
  recoverPoints: number;
  inpaintBelow: number;
  inpaintAbove: number;
  maxInpaint: number;
  minCoverage: number;
  class: EpisodeClass;
  enabled: boolean;
}

export interface OoniRule {
  /** History of the anomaly rate the baseline is the median of. */
  window: number;
  minCoverage: number;
  minMeasurements: number;
  /** Absolute floor: the anomaly rate must reach this. */
  floor: number;
  /** The rate must exceed baseline + minRise … */
  minRise: number;
  /** … and riseFactor × baseline. */
  riseFactor: number;
  /** Rate at or above which (or any confirmed block) the episode is critical. */
  critical: number;
  enabled: boolean;
}

/** Slow degradation of services-axis signals (degradation.ts). */
export interface DegradationRule {
  below: number;
  longRun: number;
  recent: number;
  maxDuration: number;
  enabled: boolean;
}

export interface DetectorConfig {
  signals: Record<string, Partial<SignalRule>>;
  ooni: OoniRule;
  degradation: DegradationRule;
  alerts: { maxAge: number; attempts: number; backoff: number; timeout: number };
  watch: string[] | null;
  /** Judging threads (`detector.threads`); null: one per core, at most 4 (`defaultJudgeThreads`). */
  threads: number | null;
}

const D = 86400;

const BASE: SignalRule = {
  baseline: 'auto',
  window: D,
  period: D,
  seasons: 7,
  warning: 0.8,
  critical: 0.5,
  minBaseline: 20,
  minPoints: 2,
  minDuration: 0,
  recoverPoints: 1,
  inpaintBelow: 0.8,
  inpaintAbove: 2,
  maxInpaint: 7 * D,
  minCoverage: 0.75,
  class: 'connectivity',
  enabled: true,
};

/** Built-in rules by pattern; see docs/detector.md for the reasons. */
export const DEFAULT_RULES: Record<string, Partial<SignalRule>> = {
  // each source's own defaults, declared in its collector module (collectors/<name>/index.ts)
  ...defaultDetectorRules(),
  'custom.*': { window: D, warning: 0.8, critical: 0.5, minPoints: 2 },
};

export const DEFAULT_OONI: OoniRule = {
  window: 28 * D,
  minCoverage: 0.25,
  minMeasurements: 10,
  floor: 0.3,
  minRise: 0.2,
  riseFactor: 3,
  critical: 0.6,
  enabled: true,
};

export const DEFAULT_DEGRADATION: DegradationRule = { below: 0.8, longRun: 28 * D, recent: 7 * D, maxDuration: 90 * D, enabled: true };

export const DEFAULT_ALERTS = { maxAge: 2 * D, attempts: 4, backoff: 2, timeout: 10 };

export function parseDetectorConfig(raw: unknown): DetectorConfig {
  const d = parseSection(detectorInput, raw, ['detector']);
  for (const [name, r] of Object.entries(d.signals ?? {})) {
    if (r.warning !== undefined && r.critical !== undefined && r.critical > r.warning) {
      throw new ConfigError(`detector.signals.${name}.critical`, 'must not be above warning');
    }
  }
  return {
    signals: (d.signals ?? {}) as Record<string, Partial<SignalRule>>,
    ooni: { ...DEFAULT_OONI, ...(d.ooni ?? {}) },
    degradation: { ...DEFAULT_DEGRADATION, ...(d.degradation ?? {}) },
    alerts: { ...DEFAULT_ALERTS, ...(d.alerts ?? {}) },
    watch: d.watch ?? null,
    threads: d.threads ?? null,
  };
}

export function detectorConfigFrom(config: Pick<Config, 'detector'> | undefined): DetectorConfig {
  return parseDetectorConfig(config?.detector ?? {});
}

/** Patterns that may match `name`, most specific first. */
function patterns(name: string): string[] {
  const [head, target] = name.split(/:(.*)/s, 2) as [string, string | undefined];
  const source = head.split('.')[0]!;
  const out = [name];
  if (target !== undefined) out.push(`${head}:*`);
  out.push(head, `${source}.*`);
  return out;
}

/**
 * The rule for one signal (user settings over built-in defaults), or null when the signal is not
 * one the connectivity detector handles (OONI signals have their own rule; unknown families are skipped).
 */
export function ruleFor(name: string, cfg: DetectorConfig): SignalRule | null {
  if (name.startsWith('ooni.')) return null;
  const pats = patterns(name);
  const builtin = pats.map((p) => DEFAULT_RULES[p]).find((r) => r !== undefined);
  const user = pats.map((p) => cfg.signals[p]).find((r) => r !== undefined);
  if (!builtin && !user) return null;
  const rule: SignalRule = { ...BASE, ...(builtin ?? {}), ...(user ?? {}) };
  if (!rule.enabled) return null;
  if (rule.baseline === 'seasonal' && !user?.window) rule.window = rule.period * rule.seasons;
  return rule;
}

/** JSON with object keys sorted (a stable text for hashing). */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/**
 * The detector's version: part of the rules hash, so that an upgrade that changes what is detected (or the stored
 * state's shape) detects every entity again from the start. Raise it with any such change.
 */
export const DETECTOR_VERSION = 2;

/**
 * A hash of the rules detection applies to these signals: each one's effective rule (built-in defaults and the
 * user's configuration merged; null when disabled or unknown), and the OONI and degradation settings. Equal hashes:
 * outages detected earlier still stand; a different one: the entity is re-detected from the start. Alert settings,
 * the watch list and the number of judging threads do not take part (they change no outage).
 */
export function rulesHash(signalNames: readonly string[], cfg: DetectorConfig): string {
  const rules = [...new Set(signalNames)].sort().map((name) => [name, ruleFor(name, cfg)] as const);
  return createHash('sha256')
    .update(stableJson({ detector: DETECTOR_VERSION, rules, ooni: cfg.ooni, degradation: cfg.degradation }))
    .digest('hex');
}
