import { insufficientRanges, type BaselineKind, type TimeRange } from './baselines.js';
import type { DegradationRule, SignalRule } from './config.js';
import { degradationFromLevels } from './degradation.js';
import { DropScratch, type DropAnalysis, type Episode } from './drops.js';
import type { EpisodeClass } from '../../core/outage.js';
import { runSignal, type SignalState } from './resume.js';
import { toGrid, type Series } from './series.js';
import { encodeEpisode, type EncodedEpisode } from './state-codec.js';

/**
 * The part of an entity's detection that concerns ONE level signal on its own (its baseline, the per-point judgement,
 * its episodes and its state at the new checkpoint): pure, and self-contained so that a worker thread can do it
 * (`services/detector/pool.ts`) while the next signal is read. Everything after it (degradation, merging into
 * outages) needs all the entity's signals and stays in `detectEntityFrom`.
 */

export type SignalAxis = 'connectivity' | 'services';

/** Per signal: which baseline it got, the cycles found, and where it had data but too little history to judge. */
export interface SignalHistory {
  signal: string;
  axis: SignalAxis;
  baseline: BaselineKind;
  cycles: { daily: boolean | null; weekly: boolean | null } | null;
  /** Seconds of history a point needs before it is judged. */
  needs: number;
  /** "insufficient history": data present, no baseline yet. */
  insufficient: TimeRange[];
}

/** What judging one level signal needs (plain data: it crosses to a worker thread by structured clone). */
export interface SignalJob {
  signal: string;
  axis: SignalAxis;
  /** The class its episodes get (a services-axis signal never yields connectivity episodes). */
  cls: EpisodeClass;
  /** The service it measures (services axis), or null. */
  target: string | null;
  rule: SignalRule;
  /** Look for slow degradation (services-axis signals, when it is on): its rule; null: not looked for. */
  degradation: DegradationRule | null;
  /** Also give the final episodes as stored (`committedRows`): a thread does it, beside the other threads' work. */
  encode?: boolean;
  /** The state to go on from (a resumed detection), or null: from the first point. */
  prev: SignalState | null;
  /** The points on the signal's grid, or as read (time and value columns, put on the grid here as `toGrid` does). */
  points: { series: Series } | { ts: Float64Array; values: Float64Array; step: number | undefined };
}

/** The result of judging one level signal: what `detectEntityFrom` goes on with. */
export interface SignalJudgement {
  /** The grid step the points were judged on (the signal's, or the one inferred from its points). */
  step: number;
  /** The state at the new checkpoint (null: start over next time) and the episodes closed before it (final). */
  state: SignalState | null;
  committed: Episode[];
  /** With `encode`: the committed episodes as stored (`encodeEpisode`; thousands on a first detection). */
  committedRows: EncodedEpisode[] | null;
  /** Episodes closed after the checkpoint and the one still open: detected again next time. */
  provisional: Episode[];
  /** Slow-degradation episodes over all the signal's days (null: not looked for). */
  degradation: Episode[] | null;
  history: SignalHistory;
}

export function historyOf(signal: string, axis: SignalAxis, series: Series, analysis: DropAnalysis): SignalHistory {
  const r = analysis.resolved;
  return {
    signal,
    axis,
    baseline: r.kind,
    cycles: r.cycles && { daily: r.cycles.daily, weekly: r.cycles.weekly },
    needs: r.needs,
    insufficient: insufficientRanges(series, analysis.baseline),
  };
}

/** This thread's work arrays, reused signal after signal (the analysis is used up before `judgeSignal` returns). */
const scratch = new DropScratch();

/** Judges one level signal: `runSignal` on its grid, its slow degradation (from all its day levels), its history. */
export function judgeSignal(job: SignalJob): SignalJudgement {
  const p = job.points;
  const series = 'series' in p ? p.series : toGrid(p.ts, p.values, p.step);
  const meta = { signal: job.signal, target: job.target, cls: job.cls, days: job.degradation !== null };
  const run = runSignal(series, job.rule, meta, job.prev, scratch);
  const r = run.analysis.resolved;
  let degradation: Episode[] | null = null;
  if (job.degradation) {
    const lv = run.levels ?? { day0: 0, levels: new Float64Array(0) };
    // a signal with a weekly rhythm is compared with the same weekday
    const weekly = r.cycles?.weekly === true || r.kind === 'same-time-of-week';
    degradation = degradationFromLevels(lv.day0, lv.levels, job.degradation, job.signal, job.target, weekly);
  }
  return {
    step: series.step,
    state: run.state,
    committed: run.committed,
    committedRows: job.encode ? run.committed.map(encodeEpisode) : null,
    provisional: run.provisional,
    degradation,
    history: historyOf(job.signal, job.axis, series, run.analysis),
  };
}
