import { resolveBaseline, type ResolvedBaseline } from './baselines.js';
import type { SignalRule } from './config.js';
import { DAY } from './cycles.js';
import {
  analyseDrops,
  episodesFromStatus,
  type DropAnalysis,
  type DropScratch,
  type DropTail,
  type Episode,
  type EpisodeBuilder,
} from './drops.js';
import type { EpisodeClass } from '../../core/outage.js';
import type { Series } from './series.js';

/**
 * Incremental detection of one level signal (issue 21): the detector's state at a checkpoint, so that detection
 * after a collection goes on from there instead of reading years of points — and gives exactly what a run over all
 * the data gives (tested by `test/services/detector/incremental.test.ts`).
 *
 * The state holds what the rest of the series depends on: the baseline chosen (from the first five weeks of data,
 * never changed later), the tail of the baseline's history (each value as kept, or as replaced by its prediction, and
 * the originals that may still be put back), the episode being built, and for services signals the totals of each
 * UTC day (the day levels degradation works on). The checkpoint lies `CHECKPOINT_LAG` before the last point, so a
 * collection that rewrites the last hours (sources revise recent values) still resumes; a window that starts before
 * the checkpoint (a backfill) means detecting again from the start.
 */

/** How far before the last point the state is kept (points after it are detected again each time). */
export const CHECKPOINT_LAG = 2 * DAY;

/** Sum and count of the values of each UTC day from `day0` (what `dailyLevels` averages). */
export interface DayTotals {
  day0: number;
  sum: Float64Array;
  cnt: Float64Array;
}

export interface SignalState {
  signal: string;
  /** The time of the signal's grid point 0 (its first point) and its step, seconds. */
  anchor: number;
  step: number;
  /** Grid index of the first point not folded into this state (its time: the checkpoint). */
  next: number;
  resolved: ResolvedBaseline;
  /** The baseline's history before `next` (null when the baseline is undetermined). */
  tail: DropTail | null;
  builder: EpisodeBuilder;
  /** Day totals (services-axis signals, steps of a day or less). */
  days: DayTotals | null;
}

export const checkpointOf = (s: SignalState): number => s.anchor + s.next * s.step;

export interface SignalRun {
  analysis: DropAnalysis;
  /** Episodes closed before the new checkpoint: final, kept with the state. */
  committed: Episode[];
  /** Episodes closed after it, and the one still open at the last point: detected again next time. */
  provisional: Episode[];
  /** The state at the new checkpoint; null while the baseline choice is not settled (the next run starts over). */
  state: SignalState | null;
  /** Day levels of all the signal's data so far (services signals), as `dailyLevels` gives them. */
  levels: { day0: number; levels: Float64Array } | null;
}

export interface SignalMeta {
  signal: string;
  target: string | null;
  cls: EpisodeClass;
  /** Keep day totals (services-axis signals: degradation needs day levels). */
  days: boolean;
}

/**
 * Detection of one level signal from `prev` on (or from its first point when `prev` is null): `series` holds the
 * points after the previous checkpoint, on the signal's grid (its `start` is `checkpointOf(prev)`), or all the
 * points. Returns the episodes and the state at the new checkpoint. With `scratch`, the analysis's arrays are views
 * of it (valid until its next use).
 */
export function runSignal(series: Series, rule: SignalRule, meta: SignalMeta, prev: SignalState | null, scratch?: DropScratch): SignalRun {
  const { step, values } = series;
  const n = values.length;
  const anchor = prev ? prev.anchor : series.start;
  const next0 = prev ? prev.next : 0;
  const resolved = prev ? prev.resolved : resolveBaseline(series, rule);
  const cp = Math.max(0, n - Math.ceil(CHECKPOINT_LAG / step));
  const analysis = analyseDrops(series, rule, { resolved, resume: prev?.tail ?? null, checkpoint: cp, scratch });
  const { ratio } = analysis;
  const eps = episodesFromStatus(series, analysis.status, (i) => 1 - ratio[i]!, {
    minPoints: rule.minPoints,
    minDuration: rule.minDuration,
    recoverPoints: rule.recoverPoints,
    signal: meta.signal,
    class: meta.cls,
    target: meta.target,
    builder: prev?.builder,
    snapshotAt: cp,
  });
  const closedBefore = eps.closedBefore ?? 0;
  let days: DayTotals | null = null;
  let snapshotDays: DayTotals | null = null;
  let levels: SignalRun['levels'] = null;
  if (meta.days && step <= DAY) {
    days = growDays(prev?.days ?? null, anchor, series, n);
    addDays(days, series, 0, cp);
    snapshotDays = cp > 0 || prev?.days ? trimDays(days, series.start + (cp - 1) * step) : null;
    addDays(days, series, cp, n);
    levels = levelsOf(days, step, anchor + (next0 + n - 1) * step, n > 0 || prev !== null);
  }
  const state: SignalState | null = resolved.settled
    ? {
        signal: meta.signal,
        anchor,
        step,
        next: next0 + cp,
        resolved,
        tail: analysis.snapshot,
        builder: eps.snapshot!,
        days: snapshotDays,
      }
    : null;
  return { analysis, committed: eps.slice(0, closedBefore), provisional: eps.slice(closedBefore), state, levels };
}

/** Day totals long enough for the day of the last new point (a copy of `prev`'s, or new ones). */
function growDays(prev: DayTotals | null, anchor: number, series: Series, n: number): DayTotals {
  const day0 = prev ? prev.day0 : Math.floor(anchor / DAY) * DAY;
  const last = n > 0 ? series.start + (n - 1) * series.step : day0;
  const len = Math.max(prev ? prev.sum.length : 0, Math.floor((last - day0) / DAY) + 1);
  const sum = new Float64Array(len);
  const cnt = new Float64Array(len);
  if (prev) {
    sum.set(prev.sum);
    cnt.set(prev.cnt);
  }
  return { day0, sum, cnt };
}

/** Adds points [from, to) of the series to the day totals, in time order (the order `dailyLevels` sums in). */
function addDays(d: DayTotals, series: Series, from: number, to: number): void {
  const { start, step, values } = series;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    const k = Math.floor((start + i * step - d.day0) / DAY);
    d.sum[k]! += v;
    d.cnt[k]! += 1;
  }
}

/** The totals up to the day of `lastTs` (a copy: the run goes on adding to the original). */
function trimDays(d: DayTotals, lastTs: number): DayTotals {
  const len = Math.max(0, Math.min(d.sum.length, Math.floor((lastTs - d.day0) / DAY) + 1));
  return { day0: d.day0, sum: d.sum.slice(0, len), cnt: d.cnt.slice(0, len) };
}

/** Day levels as `dailyLevels` computes them: the mean of a day with at least 75 % of its points, else NaN. */
function levelsOf(d: DayTotals, step: number, lastTs: number, any: boolean): { day0: number; levels: Float64Array } {
  if (!any) return { day0: d.day0, levels: new Float64Array(0) };
  const perDay = Math.max(1, Math.round(DAY / step));
  const days = Math.floor((lastTs - d.day0) / DAY) + 1;
  const levels = new Float64Array(days);
  for (let k = 0; k < days; k++) {
    const c = k < d.cnt.length ? d.cnt[k]! : 0;
    levels[k] = c >= 0.75 * perDay ? d.sum[k]! / c : NaN;
  }
  return { day0: d.day0, levels };
}
