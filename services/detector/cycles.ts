import type { Series } from './series.js';

/**
 * Daily and weekly cycles found in a signal's own data (not from its name): the autocorrelation at one
 * period against the autocorrelation at lags where a cycle of that period is out of phase. Pure, O(n) per lag.
 *
 * - **Daily**: r(24 h) − r(12 h), on the series less its level (each point minus the mean of the day centred on it,
 *   from four days of data on; `withoutLevel`). A daily swing makes points a day apart alike (r(24 h) near 1) and points
 *   half a day apart opposite (r(12 h) low or negative); noise gives both near 0; a trend, a random walk
 *   or a level shift (an outage) makes both high and alike. A daily cycle is there when r(24 h) ≥ 0.3 and
 *   the contrast is ≥ 0.3.
 * - **Weekly**: on the day levels (the mean of each UTC day with 75 % of it present, so the daily swing is
 *   gone), r(7 d) − max(r(3 d), r(4 d)). Days 3, 4 and 7 apart are equally alike without a weekly pattern
 *   (noise, trends, a wandering level); a weekday/weekend pattern makes 7 days apart more alike than 3 or 4.
 *   A weekly cycle is there when r(7 d) ≥ 0.3 and the contrast is ≥ 0.1.
 *
 * Only pairs where both points have data count (gaps are left out, never read as zero). The test needs
 * enough pairs: a quarter of a day's worth at 12 h and 24 h for the daily test (about 30 h of data),
 * two weeks' worth at 7 d for the weekly one (three weeks of data); before that the answer is `null` (cannot tell yet).
 */

export const DAY = 86400;
export const WEEK = 7 * DAY;

/** Thresholds of the cycle tests (documented in docs/detector.md). */
export const CYCLE_TEST = {
  minCorrelation: 0.3,
  dailyContrast: 0.3,
  weeklyContrast: 0.1,
  /** The daily test needs pairs worth this fraction of a day at both lags (a quarter: 6 hours' worth). */
  minDailyPairs: 0.25,
  /** The weekly test needs this many weeks spanned (pairs at lag 7 d over at least two weeks). */
  weeklyMinWeeks: 3,
} as const;

export interface Cycles {
  /** true/false, or null when the data cannot tell (too short, or the step too coarse for a daily cycle: then false). */
  daily: boolean | null;
  weekly: boolean | null;
  /** The autocorrelations used (NaN where not computed). */
  r: { day: number; halfDay: number; week: number; threeDays: number; fourDays: number };
}

/**
 * Pearson correlation of the pairs (x[i], x[i + lag]) with both present, and how many pairs there were.
 * NaN when fewer than 3 pairs or either side has no variance.
 */
export function lagCorrelation(x: ArrayLike<number>, lag: number): { r: number; pairs: number } {
  const n = x.length;
  let cnt = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let i = 0; i + lag < n; i++) {
    const a = x[i]!;
    const b = x[i + lag]!;
    if (a !== a || b !== b) continue;
    cnt++;
    sa += a;
    sb += b;
    saa += a * a;
    sbb += b * b;
    sab += a * b;
  }
  if (cnt < 3) return { r: NaN, pairs: cnt };
  const cov = sab - (sa * sb) / cnt;
  const va = saa - (sa * sa) / cnt;
  const vb = sbb - (sb * sb) / cnt;
  // relative tolerance: a constant series (up to rounding) has no variance, hence no cycle
  const tol = 1e-12 * (saa + sbb + 1e-300);
  if (!(va > tol) || !(vb > tol)) return { r: NaN, pairs: cnt };
  return { r: Math.max(-1, Math.min(1, cov / Math.sqrt(va * vb))), pairs: cnt };
}

/** Lag in steps for `seconds`, or 0 when the step does not divide it. */
function lagSteps(seconds: number, step: number): number {
  const k = seconds / step;
  return Number.isInteger(k) ? k : 0;
}

/**
 * The series minus its level: each point less the mean of the full day centred on it (a whole period, so a daily
 * swing averages out and stays, while a level shift — an outage of days, like Iran's of 16–20 Nov 2019 — or a trend
 * is taken out and cannot hide the swing). Points without a centred day at least 75 % present are left out. Only
 * for series of four days or more (null otherwise: the raw values are used).
 */
export function withoutLevel(values: ArrayLike<number>, perDay: number): Float64Array | null {
  const n = values.length;
  if (n < 4 * perDay) return null;
  const sum = new Float64Array(n + 1);
  const cnt = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const ok = v === v;
    sum[i + 1] = sum[i]! + (ok ? v : 0);
    cnt[i + 1] = cnt[i]! + (ok ? 1 : 0);
  }
  const half = perDay / 2;
  const out = new Float64Array(n).fill(NaN);
  for (let i = half; i + half <= n; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    const c = cnt[i + half]! - cnt[i - half]!;
    if (c < 0.75 * perDay) continue;
    out[i] = v - (sum[i + half]! - sum[i - half]!) / c;
  }
  return out;
}

function dailyTest(x: ArrayLike<number>, perDay: number): { daily: boolean | null; day: number; halfDay: number } {
  const d = lagCorrelation(x, perDay);
  const h = lagCorrelation(x, perDay / 2);
  const enough = d.pairs >= CYCLE_TEST.minDailyPairs * perDay && h.pairs >= CYCLE_TEST.minDailyPairs * perDay;
  let daily: boolean | null;
  if (d.pairs >= 3 && Number.isNaN(d.r))
    daily = false; // constant
  else if (!enough || Number.isNaN(d.r) || Number.isNaN(h.r)) daily = null;
  else daily = d.r >= CYCLE_TEST.minCorrelation && d.r - h.r >= CYCLE_TEST.dailyContrast;
  return { daily, day: d.r, halfDay: h.r };
}

export function detectCycles(series: Series): Cycles {
  const { values, step } = series;
  const r = { day: NaN, halfDay: NaN, week: NaN, threeDays: NaN, fourDays: NaN };
  let daily: boolean | null = false;
  const perDay = lagSteps(DAY, step);
  // a daily cycle needs at least 4 points a day to be seen, and a lag of half a day on the grid
  if (perDay >= 4 && perDay % 2 === 0) {
    const level = withoutLevel(values, perDay);
    // less its level where that leaves enough pairs (gaps can eat the centred days), else the raw values
    let t = level ? dailyTest(level, perDay) : null;
    if (!t || t.daily === null) t = dailyTest(values, perDay);
    daily = t.daily;
    r.day = t.day;
    r.halfDay = t.halfDay;
  }
  let weekly: boolean | null = null;
  if (step <= DAY && DAY % step === 0) {
    const days = step === DAY ? values : dailyLevels(series).levels;
    const w = lagCorrelation(days, 7);
    const t3 = lagCorrelation(days, 3);
    const t4 = lagCorrelation(days, 4);
    r.week = w.r;
    r.threeDays = t3.r;
    r.fourDays = t4.r;
    const enough = w.pairs >= 0.75 * (CYCLE_TEST.weeklyMinWeeks - 1) * 7;
    if (w.pairs >= 3 && Number.isNaN(w.r)) weekly = false;
    else if (!enough || Number.isNaN(w.r) || Number.isNaN(t3.r) || Number.isNaN(t4.r)) weekly = null;
    else weekly = w.r >= CYCLE_TEST.minCorrelation && w.r - Math.max(t3.r, t4.r) >= CYCLE_TEST.weeklyContrast;
  }
  return { daily, weekly, r };
}

const MIN_DAY_COVERAGE = 0.75;

/** Mean of each UTC day's points, NaN where under 75 % of the day has data. Day 0 starts at `day0`. */
export function dailyLevels(series: Series): { day0: number; levels: Float64Array } {
  const { start, step, values } = series;
  const day0 = Math.floor(start / DAY) * DAY;
  if (values.length === 0 || step > DAY) return { day0, levels: new Float64Array(0) };
  const perDay = Math.max(1, Math.round(DAY / step));
  const last = Math.floor((start + (values.length - 1) * step) / DAY) * DAY;
  const days = (last - day0) / DAY + 1;
  const sum = new Float64Array(days);
  const cnt = new Float64Array(days);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    const d = Math.floor((start + i * step - day0) / DAY);
    sum[d]! += v;
    cnt[d]! += 1;
  }
  const levels = new Float64Array(days);
  for (let d = 0; d < days; d++) levels[d] = cnt[d]! >= MIN_DAY_COVERAGE * perDay ? sum[d]! / cnt[d]! : NaN;
  return { day0, levels };
}
