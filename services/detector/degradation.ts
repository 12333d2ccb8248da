import type { DegradationRule } from './config.js';
import { DAY, dailyLevels } from './cycles.js';
import type { Episode } from './drops.js';
import type { Series } from './series.js';

export { dailyLevels };

/**
 * Slow degradation (throttling) of a services-axis signal: the signal settles well below its long-run
 * level for days or weeks — not a sudden fall to nothing, which the drop detector finds.
 *
 * On UTC days: the day's level is the mean of its points when at least 75 % of them have data (a day with
 * less is a gap, never a low day); with a weekly cycle each day is divided by its weekday's usual share
 * (the median over the long-run span), so weekends are not read as drops.
 * - long-run level `L`: median day level over `longRun` (28 d) ending where the recent span starts (needs
 *   three quarters of its days);
 * - recent level `R`: median day level over the last `recent` (7 d) days (needs five of seven).
 * A degradation is confirmed on the first day `R < below × L` (default 0.8: 20 % below). It starts on the
 * first day of the run of days, up to that one, whose level is under the midpoint between `L` and `R`; `L`
 * is frozen while it lasts (the degraded days never become the long-run level). It ends when `R` is back at
 * or above `below × L` (at the day after its last low day), or after `maxDuration` (90 d), when the lower
 * level has become the new normal. Its loss is 1 − median(day level over the episode) / L.
 */

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Valid values of `a` in [from, to) (indices clipped), skipping excluded days. */
function valid(a: Float64Array, from: number, to: number, excluded?: Uint8Array): number[] {
  const out: number[] = [];
  for (let d = Math.max(0, from); d < Math.min(a.length, to); d++) {
    const v = a[d]!;
    if (v === v && !(excluded && excluded[d] === 1)) out.push(v);
  }
  return out;
}

export function detectDegradation(
  series: Series,
  rule: DegradationRule,
  signal: string,
  target: string | null,
  weekly: boolean,
): Episode[] {
  const { day0, levels } = dailyLevels(series);
  return degradationFromLevels(day0, levels, rule, signal, target, weekly);
}

/** `detectDegradation` on day levels already computed (incremental detection keeps the day totals). */
export function degradationFromLevels(
  day0: number,
  raw: Float64Array,
  rule: DegradationRule,
  signal: string,
  target: string | null,
  weekly: boolean,
): Episode[] {
  const days = raw.length;
  const longDays = Math.max(7, Math.round(rule.longRun / DAY));
  const recentDays = Math.max(3, Math.round(rule.recent / DAY));
  const needLong = Math.ceil(0.75 * longDays);
  const needRecent = Math.ceil((5 / 7) * recentDays);
  const maxDays = Math.max(recentDays, Math.round(rule.maxDuration / DAY));
  const excluded = new Uint8Array(days);
  const out: Episode[] = [];
  // day level divided by the weekday's usual share of the long-run level (1 without a weekly cycle)
  const levelAt = (d: number, longFrom: number, longTo: number, L: number): number => {
    const v = raw[d]!;
    if (v !== v || !weekly) return v;
    const same: number[] = [];
    for (let k = d - 7 * Math.ceil((d - longFrom) / 7); k < longTo; k += 7)
      if (k >= longFrom && k >= 0 && raw[k] === raw[k] && excluded[k] !== 1) same.push(raw[k]!);
    const share = same.length >= 2 ? median(same) / L : 1;
    return share > 0 ? v / share : v;
  };
  let inEp = false;
  let epStart = 0;
  let L = NaN;
  let mid = NaN;
  let longFrom = 0;
  let longTo = 0;
  const norm = new Float64Array(days).fill(NaN);
  const close = (endDay: number, open: boolean) => {
    const inside = valid(norm, epStart, endDay);
    const lost = Math.max(0, Math.min(1, 1 - median(inside) / L));
    const startTs = day0 + epStart * DAY;
    const endTs = day0 + endDay * DAY;
    const minutes = (endTs - startTs) / 60;
    out.push({
      signal,
      class: 'degradation',
      target,
      start: startTs,
      end: endTs,
      severity: lost >= 0.5 ? 'critical' : 'warning',
      depth: lost,
      score: lost * 100 * minutes,
      lost,
      open,
    });
  };
  for (let d = 0; d < days; d++) {
    if (!inEp) {
      longTo = d - recentDays + 1;
      longFrom = longTo - longDays;
      const longVals = valid(raw, longFrom, longTo, excluded);
      if (longVals.length < needLong) continue;
      L = median(longVals);
      if (!(L > 0)) continue;
    }
    for (let k = Math.max(0, d - recentDays + 1); k <= d; k++) if (norm[k] !== norm[k]) norm[k] = levelAt(k, longFrom, longTo, L);
    const recent = valid(norm, d - recentDays + 1, d + 1);
    if (recent.length < needRecent) continue;
    const R = median(recent);
    if (!inEp) {
      if (R < rule.below * L) {
        const m = (L + R) / 2;
        // the start: first day of the run of low days ending today (gaps do not break the run); none when the
        // latest days with a level are not low (the episode would have no day to measure: it waits for one)
        let first = -1;
        for (let k = d; k >= Math.max(0, d - recentDays + 1); k--) {
          const v = norm[k]!;
          if (v !== v) continue;
          if (v < m) first = k;
          else break;
        }
        if (first >= 0) {
          inEp = true;
          mid = m;
          epStart = first;
        }
      }
    } else if (R >= rule.below * L) {
      let lastLow = epStart;
      for (let k = epStart; k <= d; k++) if (norm[k]! < mid) lastLow = k;
      for (let k = epStart; k <= lastLow; k++) excluded[k] = 1;
      close(lastLow + 1, false);
      inEp = false;
    } else if (d - epStart + 1 >= maxDays) {
      // the lower level has lasted: it is the new normal
      close(d + 1, false);
      inEp = false;
    }
  }
  if (inEp) {
    let lastData = epStart;
    for (let k = epStart; k < days; k++) if (raw[k] === raw[k]) lastData = k;
    close(lastData + 1, true);
  }
  return out;
}
