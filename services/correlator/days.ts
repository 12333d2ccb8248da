/** Daily series for the statistics: UTC days counted from an origin day. Pure. */
import type { DailyOutages, DayWindow } from './eca.js';
import { axesOf, type Axis, type Episode } from './episodes.js';

export const DAY = 86400;

export const dayStart = (ts: number) => Math.floor(ts / DAY) * DAY;

export interface DayRange {
  /** start of the first UTC day */
  origin: number;
  /** number of days */
  len: number;
}

/** The UTC days covering [from, until). */
export function dayRange(from: number, until: number): DayRange {
  const origin = dayStart(from);
  return { origin, len: Math.max(0, Math.ceil((until - origin) / DAY)) };
}

export const dayIndex = (r: DayRange, ts: number) => Math.floor((ts - r.origin) / DAY);

export interface DailySeries extends DailyOutages {
  /** deepest fraction lost that day (0 when no episode), NaN on days without data */
  depth: Float64Array;
}

/**
 * Day flags for the episodes counting on `axes` (default: both). `valid` says which days had data; days an
 * episode covers count as having data even if the mask says otherwise (something saw the outage).
 */
export function dailySeries(episodes: readonly Episode[], r: DayRange, valid: Uint8Array, axes: readonly Axis[] = ['connectivity', 'services']): DailySeries {
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

/** The day window of an event: from the day of `start − lead` to the day of `end + lag` (end exclusive). */
export function eventDays(r: DayRange, ev: { start: number; end: number }, lead: number, lag: number): DayWindow {
  return { from: dayIndex(r, ev.start - lead), until: dayIndex(r, Math.max(ev.start - lead, ev.end + lag - 1)) };
}
