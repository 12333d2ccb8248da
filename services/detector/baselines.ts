import type { SignalRule } from './config.js';
import { DAY, WEEK, detectCycles, type Cycles } from './cycles.js';
import type { Series } from './series.js';

/**
 * Which baseline a signal gets, from its rule and — for `baseline: auto` (the default) — from the cycles
 * found in its own data:
 *
 * | data | baseline | history needed before the first judgement |
 * | --- | --- | --- |
 * | weekly cycle | same time of week over the past 4 weeks | 3 of them (three full weeks) |
 * | daily cycle | same time of day over the past 7 days | 3 of them (three full days) |
 * | no cycle | moving median over the rule's window (24 h for `custom.*`) | 75 % of the window (18 h of 24 h) |
 * | cannot tell yet (under two days of data) | none | — nothing is judged: "insufficient history" |
 *
 * The cycles are looked for in the signal's first five weeks of data (`CHOICE_SPAN`, from its first point with a
 * value), so that the choice, once made, never changes as data grows: a later run — over all the data, or resumed
 * after a collection — judges every point with the same baseline. Until five weeks of data exist the choice is
 * provisional (`settled: false`) and incremental detection starts again from the first point.
 */

export type BaselineKind = 'moving' | 'same-time-of-day' | 'same-time-of-week' | 'seasonal' | 'undetermined';

export const AUTO_DAILY = { seasons: 7, need: 3 } as const;
export const AUTO_WEEKLY = { seasons: 4, need: 3 } as const;

export interface ResolvedBaseline {
  /** The rule with a concrete baseline (`moving` or `seasonal`); for `undetermined`, the input rule. */
  rule: SignalRule;
  kind: BaselineKind;
  /** Cycles found (null when the rule fixed the baseline). */
  cycles: Cycles | null;
  /** Seconds of history a point needs before it can be judged (0 for `undetermined`: never). */
  needs: number;
  /** The choice will not change with more data (a fixed rule, or five weeks of data seen). */
  settled: boolean;
}

/** How much of a signal's data (from its first value) decides its baseline. */
export const CHOICE_SPAN = 5 * WEEK;

/** The first `spans` × `CHOICE_SPAN` of the series from its first value, and whether the series is at least that long. */
export function choiceSpan(series: Series, spans = 1): { prefix: Series; complete: boolean } {
  const { values, start, step } = series;
  let first = 0;
  while (first < values.length && values[first]! !== values[first]!) first++;
  const len = Math.max(1, Math.round((spans * CHOICE_SPAN) / step));
  const end = Math.min(values.length, first + len);
  return { prefix: { start: start + first * step, step, values: values.subarray(first, end) }, complete: first + len <= values.length };
}

/**
 * The cycles of the first five weeks of data; where they cannot tell (gaps), of the first ten, fifteen… weeks, as
 * far as the data goes. `settled`: the answer came from a complete span and no later data can change it.
 */
function choiceCycles(series: Series): { cycles: Cycles; settled: boolean } {
  for (let spans = 1; ; spans++) {
    const { prefix, complete } = choiceSpan(series, spans);
    const cycles = detectCycles(prefix);
    if (cycles.daily !== null || !complete) return { cycles, settled: complete && cycles.daily !== null };
  }
}

export function resolveBaseline(series: Series, rule: SignalRule): ResolvedBaseline {
  const { step } = series;
  if (rule.baseline === 'moving') {
    return {
      rule,
      kind: 'moving',
      cycles: null,
      needs: Math.ceil(rule.minCoverage * Math.round(rule.window / step) - 1e-9) * step,
      settled: true,
    };
  }
  if (rule.baseline === 'seasonal') {
    const kind = rule.period === DAY ? 'same-time-of-day' : rule.period === WEEK ? 'same-time-of-week' : 'seasonal';
    return { rule, kind, cycles: null, needs: Math.max(1, Math.ceil(rule.minCoverage * rule.seasons - 1e-9)) * rule.period, settled: true };
  }
  const { cycles, settled } = choiceCycles(series);
  if (cycles.weekly === true) {
    const r: SignalRule = {
      ...rule,
      baseline: 'seasonal',
      period: WEEK,
      seasons: AUTO_WEEKLY.seasons,
      minCoverage: AUTO_WEEKLY.need / AUTO_WEEKLY.seasons,
    };
    r.window = WEEK * AUTO_WEEKLY.seasons;
    return { rule: r, kind: 'same-time-of-week', cycles, needs: AUTO_WEEKLY.need * WEEK, settled };
  }
  if (cycles.daily === true) {
    const r: SignalRule = {
      ...rule,
      baseline: 'seasonal',
      period: DAY,
      seasons: AUTO_DAILY.seasons,
      minCoverage: AUTO_DAILY.need / AUTO_DAILY.seasons,
    };
    r.window = DAY * AUTO_DAILY.seasons;
    return { rule: r, kind: 'same-time-of-day', cycles, needs: AUTO_DAILY.need * DAY, settled };
  }
  if (cycles.daily === null) return { rule, kind: 'undetermined', cycles, needs: 0, settled: false };
  const r: SignalRule = { ...rule, baseline: 'moving' };
  return { rule: r, kind: 'moving', cycles, needs: Math.ceil(r.minCoverage * Math.round(r.window / step) - 1e-9) * step, settled };
}

/** History a signal's baseline may need before `from`, whatever the data turns out to hold (for reading the store). */
export function lookbackFor(rule: SignalRule): number {
  if (rule.baseline === 'seasonal') return rule.period * (rule.seasons + 1);
  if (rule.baseline === 'moving') return rule.window;
  // auto: enough for a weekly baseline (and for the weekly cycle test to see it)
  return Math.max(rule.window, (AUTO_WEEKLY.seasons + 1) * WEEK);
}

export interface TimeRange {
  start: number;
  end: number;
}

/**
 * Where a signal has data but too little history before it for its baseline ("insufficient history", not
 * "normal" and not an outage): maximal runs of points with a value and no baseline, as [start, end) in
 * seconds. Gaps inside a run do not split it.
 */
export function insufficientRanges(series: Series, baseline: Float64Array): TimeRange[] {
  const { values, start, step } = series;
  const out: TimeRange[] = [];
  let open: TimeRange | null = null;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x !== x) continue;
    const t = start + i * step;
    if (baseline[i]! !== baseline[i]!) {
      if (open) open.end = t + step;
      else open = { start: t, end: t + step };
    } else if (open) {
      out.push(open);
      open = null;
    }
  }
  if (open) out.push(open);
  return out;
}
