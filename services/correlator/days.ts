/**
 * Time-step series for the statistics: steps of `step` seconds (the correlator uses hours, so that the
 * statistics window is the verdict's window `[start − lead, end + lag)` to the hour; tests use days) counted
 * from an origin. Pure.
 */
import type { DailyOutages, DayWindow } from './eca.js';
import { axesOf, type Axis, type Episode } from './episodes.js';

export const DAY = 86400;
export const HOUR = 3600;

export const dayStart = (ts: number) => Math.floor(ts / DAY) * DAY;

export interface DayRange {
  /** start of the first step */
  origin: number;
  /** number of steps */
  len: number;
  /** seconds per step (default one day) */
  step?: number;
}

const stepOf = (r: DayRange) => r.step ?? DAY;

/** The steps covering [from, until) (aligned to multiples of `step` since the epoch). */
export function dayRange(from: number, until: number, step = DAY): DayRange {
  const origin = Math.floor(from / step) * step;
  return { origin, len: Math.max(0, Math.ceil((until - origin) / step)), step };
}

export const dayIndex = (r: DayRange, ts: number) => Math.floor((ts - r.origin) / stepOf(r));

/** Steps per day of a range (24 for hourly steps). */
export const stepsPerDay = (r: DayRange) => Math.max(1, Math.round(DAY / stepOf(r)));

export interface DailySeries extends DailyOutages {
  /** deepest fraction lost in that step (0 when no episode), NaN on steps without data */
  depth: Float64Array;
}

/**
 * Step flags for the episodes counting on `axes` (default: both). `valid` says which steps had data; steps an
 * episode covers count as having data even if the mask says otherwise (something saw the outage).
 */
export function dailySeries(
  episodes: readonly Episode[],
  r: DayRange,
  valid: Uint8Array,
  axes: readonly Axis[] = ['connectivity', 'services'],
): DailySeries {
  const active = new Uint8Array(r.len);
  const onset = new Uint8Array(r.len);
  const v = Uint8Array.from(valid);
  const depth = new Float64Array(r.len);
  for (const e of episodes) {
    if (!axesOf(e.kind).some((a) => axes.includes(a))) continue;
    const first = dayIndex(r, e.start);
    const last = dayIndex(r, Math.max(e.start, e.end - 1));
    if (first >= 0 && first < r.len) onset[first] = 1;
    for (let d = Math.max(0, first); d <= Math.min(r.len - 1, last); d++) {
      active[d] = 1;
      v[d] = 1;
      depth[d] = Math.max(depth[d]!, e.depth);
    }
  }
  for (let d = 0; d < r.len; d++) if (!v[d]) depth[d] = Number.NaN;
  return { active, onset, valid: v, depth };
}

/**
 * The step window of an event, `[start − lead, end + lag)`: from the step holding `start − lead` to the step
 * holding the last second before `end + lag` (inclusive indices). On hourly steps and whole-hour instants it is
 * exactly the verdict's window.
 */
export function eventDays(r: DayRange, ev: { start: number; end: number }, lead: number, lag: number): DayWindow {
  return { from: dayIndex(r, ev.start - lead), until: dayIndex(r, Math.max(ev.start - lead, ev.end + lag - 1)) };
}
