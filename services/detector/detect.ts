import { detectBlocking } from './blocking.js';
import { ruleFor, type DetectorConfig } from './config.js';
import { analyseDrops, type Episode } from './drops.js';
import { historyOf, judgeSignal, type SignalAxis, type SignalHistory, type SignalJob, type SignalJudgement } from './judge.js';
import { mergeEpisodesSince } from './merge.js';
import type { Outage } from '../../core/outage.js';
import { alignTo, type Series } from './series.js';
import type { SignalState } from './resume.js';
import type { EncodedEpisode } from './state-codec.js';

export type { SignalAxis, SignalHistory } from './judge.js';

/** A signal of an entity as the detector sees it, but for its points. */
export interface SignalMeta {
  /** `source.metric[:target]` */
  name: string;
  /** The signal's stored axis (provenance), when it has one; otherwise the rule's class decides. */
  axis?: SignalAxis | null;
  /** The service a services-axis signal measures (stored target), when not in the name. */
  target?: string | null;
  /** Synthetic data (demo, tests): outages it takes part in are marked synthetic. */
  synthetic?: boolean;
}

export interface NamedSeries extends SignalMeta {
  series: Series;
}

/** A signal given to `detectEntityFrom`: its series, or (a level signal) its judgement made already (`judgeSignal`). */
export type EntitySignal = NamedSeries | (SignalMeta & { judged: SignalJudgement });

/**
 * The axis of a signal: services when its stored provenance axis says so (`ingest csv --axis services`, Google
 * products, OONI) or its detector rule does (`"class": "service"` in the config); otherwise its stored axis, or
 * connectivity.
 */
export function axisOf(s: Pick<NamedSeries, 'name' | 'axis'>, cfg: DetectorConfig): SignalAxis {
  if (s.axis === 'services' || s.name.startsWith('ooni.')) return 'services';
  if (ruleFor(s.name, cfg)?.class === 'service') return 'services';
  return 'connectivity';
}

const targetOf = (name: string): string | null => {
  const i = name.indexOf(':');
  return i < 0 ? null : name.slice(i + 1);
};

/** How a level signal is judged (`judgeSignal`), but for its points and state; null when no rule applies to it. */
export function judgingOf(s: SignalMeta, cfg: DetectorConfig): Omit<SignalJob, 'prev' | 'points'> | null {
  const rule = ruleFor(s.name, cfg);
  if (!rule) return null;
  const axis = axisOf(s, cfg);
  return {
    signal: s.name,
    axis,
    // a services-axis signal never yields connectivity episodes, whatever its rule says
    cls: axis === 'services' ? 'service' : 'connectivity',
    target: axis === 'services' ? (s.target ?? targetOf(s.name)) : null,
    rule,
    degradation: axis === 'services' && cfg.degradation.enabled ? cfg.degradation : null,
  };
}

/** OONI series of one target: the rate, or one computed from the disjoint counts when only they exist. */
function ooniInputs(signals: readonly NamedSeries[]) {
  const byTarget = new Map<string, Map<string, Series>>();
  for (const s of signals) {
    const m = /^ooni\.([a-z_]+):(.+)$/.exec(s.name);
    if (!m) continue;
    const t = m[2]!;
    if (!byTarget.has(t)) byTarget.set(t, new Map());
    byTarget.get(t)!.set(m[1]!, s.series);
  }
  const out = [];
  for (const [target, metrics] of [...byTarget].sort((a, b) => a[0].localeCompare(b[0]))) {
    let rate = metrics.get('anomaly_rate');
    const measurements = metrics.get('measurement_count');
    if (!rate && measurements && metrics.get('anomaly_count')) {
      // (anomaly + confirmed) / (measurements − failures), per DESIGN.md
      const a = alignTo(measurements, metrics.get('anomaly_count')!);
      const c = metrics.get('confirmed_count')
        ? alignTo(measurements, metrics.get('confirmed_count')!)
        : new Float64Array(a.length).fill(0);
      const f = metrics.get('failure_count') ? alignTo(measurements, metrics.get('failure_count')!) : new Float64Array(a.length).fill(0);
      const v = new Float64Array(a.length);
      for (let i = 0; i < v.length; i++) {
        const den = measurements.values[i]! - (f[i]! === f[i]! ? f[i]! : 0);
        v[i] = den > 0 ? (a[i]! + (c[i]! === c[i]! ? c[i]! : 0)) / den : NaN;
      }
      rate = { start: measurements.start, step: measurements.step, values: v };
    }
    if (!rate) continue;
    const none = new Float64Array(rate.values.length).fill(NaN);
    out.push({
      target,
      signal: `ooni.anomaly_rate:${target}`,
      rate,
      measurements: measurements ? alignTo(rate, measurements) : none,
      confirmed: metrics.get('confirmed_count') ? alignTo(rate, metrics.get('confirmed_count')!) : none,
    });
  }
  return out;
}

/**
 * The history state of ONE signal without detecting anything else (for coverage: "insufficient history" instead of
 * "normal" or an outage): which baseline it gets, the cycles found, the history it needs, and the ranges where it had
 * data but too little history before them. Null for signals the detector has no rule for (and OONI rates).
 */
export function signalHistory(s: NamedSeries, cfg: DetectorConfig): SignalHistory | null {
  const rule = ruleFor(s.name, cfg);
  if (!rule) return null;
  const analysis = analyseDrops(s.series, rule);
  return historyOf(s.name, axisOf(s, cfg), s.series, analysis);
}

/** Where an entity's detection stood (incremental detection): per level signal, its state and its final episodes. */
export interface EntityResume {
  states: ReadonlyMap<string, SignalState>;
  /**
   * Episodes closed before each signal's checkpoint, by signal: given the OONI and degradation episodes of this run,
   * those that can belong to an outage the run rewrites (all of them, when in doubt).
   */
  committed: (derived: readonly Episode[]) => ReadonlyMap<string, readonly Episode[]>;
}

export interface EntityRun {
  episodes: Episode[];
  /** The outages (with `since`: those whose group ends at or after the bound it gave). */
  outages: Outage[];
  since: number;
  /** The OONI and degradation episodes: detected again in full each time (incremental detection compares them). */
  derived: Episode[];
  /** Per signal: what was judged in this run (for a resumed run: the points after the checkpoint). */
  history: SignalHistory[];
  /** Per level signal: the state at its new checkpoint (null: start over next time) and the episodes newly final
   * (also as stored). */
  states: Map<string, { state: SignalState | null; committed: Episode[]; committedRows: EncodedEpisode[] | null }>;
}

/**
 * Pure detection for ONE entity: drops on each connectivity/Google signal the configuration knows,
 * blocking on each OONI target, merged into outages.
 */
export function detectEntity(
  entity: string,
  signals: readonly NamedSeries[],
  cfg: DetectorConfig,
): { episodes: Episode[]; outages: Outage[]; history: SignalHistory[] } {
  const { episodes, outages, history } = detectEntityFrom(entity, signals, cfg, null);
  return { episodes, outages, history };
}

/**
 * `detectEntity`, resumable: with `resume`, each level signal's series holds only its points from its checkpoint on
 * (on its grid), and detection goes on from the stored state — the outages are those of a run over all the data
 * (OONI series are given whole: their daily series are detected again each time). Without it, from the start.
 */
export function detectEntityFrom(
  entity: string,
  signals: readonly EntitySignal[],
  cfg: DetectorConfig,
  resume: EntityResume | null,
  since: (spans: ReadonlyArray<{ start: number; end: number }>, derived: readonly Episode[]) => number = () => -Infinity,
): EntityRun {
  const episodes: Episode[] = [];
  const derived: Episode[] = [];
  const history: SignalHistory[] = [];
  const states: EntityRun['states'] = new Map();
  const synthetic = new Set<string>();
  const level: Array<{ name: string; run: SignalJudgement }> = [];
  for (const s of signals) {
    if (s.synthetic) synthetic.add(s.name);
    const how = judgingOf(s, cfg);
    if (!how) continue;
    // judged already (in a worker thread, while the next signal was read), or here
    const prev = resume?.states.get(s.name) ?? null;
    const run = 'judged' in s ? s.judged : judgeSignal({ ...how, prev, points: { series: s.series } });
    states.set(s.name, { state: run.state, committed: run.committed, committedRows: run.committedRows });
    history.push(run.history);
    if (run.degradation) for (const item of run.degradation) derived.push(item);
    level.push({ name: s.name, run });
  }
  if (cfg.ooni.enabled) {
    for (const input of ooniInputs(signals.filter((s): s is NamedSeries => 'series' in s)))
      for (const item of detectBlocking(input, cfg.ooni).episodes) derived.push(item);
  }
  // the episodes made final before (a resumed run reads only those that can belong to an outage it rewrites)
  const committed = resume ? resume.committed(derived) : new Map<string, readonly Episode[]>();
  for (const { name, run } of level) {
    const degr = run.degradation;
    const drops: Episode[] = [];
    for (const e of committed.get(name) ?? []) drops.push(e);
    for (const e of run.committed) drops.push(e);
    for (const e of run.provisional) drops.push(e);
    if (degr) {
      // a drop that is the degradation's own onset (no deeper than twice the degradation's loss, inside it) is not a separate blocking
      for (const item of drops.filter(
        (e) => !degr.some((g) => e.start >= g.start - 86400 && e.start < g.end && e.depth <= Math.min(0.95, 2 * g.depth)),
      ))
        episodes.push(item);
    } else {
      for (const item of drops) episodes.push(item);
    }
  }
  for (const item of derived) episodes.push(item);
  const merged = mergeEpisodesSince(entity, episodes, synthetic, (spans) => since(spans, derived));
  return { episodes, outages: merged.outages, since: merged.since, derived, history, states };
}
