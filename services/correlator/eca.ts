/**
 * Event coincidence analysis (Donges et al. 2016) on daily series, following CoinCalc's conventions
 * (methods.md §4.1). Pure functions, no I/O.
 *
 * A = outages, B = protest events. Series are arrays of 0/1 per time step; `null` marks a missing step,
 * and (as CoinCalc does) a step missing in either series is blanked in both, so collector gaps never
 * count as "no outage".
 */
import { binomialUpperTail, poissonBinomialUpperTail } from './stats.js';

export type Binary = 0 | 1 | null;

export interface EcaOptions {
  /** tolerance ΔT in steps (the window holds ΔT + 1 steps) */
  deltaT: number;
  /** lag τ ≥ 0 in steps */
  tau?: number;
  /** CoinCalc `sym = TRUE`: |t_A − τ − t_B| ≤ ΔT */
  sym?: boolean;
}

export interface EcaRate {
  /** coincidences K */
  k: number;
  /** events that could coincide (denominator) */
  n: number;
  rate: number | null;
  /** expected rate under the Poisson null: 1 − (1 − p)^N_other */
  expected: number | null;
  /** analytic Poisson-null p-value P(K* ≥ K) */
  p: number | null;
}

export interface EcaResult {
  /** non-missing steps */
  T: number;
  nA: number;
  nB: number;
  /** probability that one step-window holds a given event: (ΔT+1)/(T−τ), or (2ΔT+1)/T symmetric */
  windowProbability: number;
  precursor: EcaRate;
  trigger: EcaRate;
}

function rate(k: number, n: number, nOther: number, pw: number): EcaRate {
  if (n === 0) return { k, n, rate: null, expected: null, p: null };
  const q = 1 - Math.pow(1 - Math.min(1, pw), nOther);
  return { k, n, rate: k / n, expected: q, p: binomialUpperTail(k, n, q) };
}

/**
 * CoinCalc `CC.eca.ts` for two binary series of equal length.
 * Precursor: fraction of A events with a B event in [t_A − τ − ΔT, t_A − τ].
 * Trigger: fraction of B events followed by an A event in [t_B + τ, t_B + τ + ΔT].
 */
export function ecaSeries(a: readonly Binary[], b: readonly Binary[], opts: EcaOptions): EcaResult {
  if (a.length !== b.length) throw new Error('ECA: series must have the same length');
  const tau = opts.tau ?? 0;
  const dT = opts.deltaT;
  if (!(dT >= 0) || !(tau >= 0)) throw new Error('ECA: ΔT and τ must be ≥ 0');
  const len = a.length;
  const A = new Uint8Array(len);
  const B = new Uint8Array(len);
  let T = 0;
  for (let i = 0; i < len; i++) {
    const x = a[i];
    const y = b[i];
    if (x === null || y === null || x === undefined || y === undefined) continue;
    T++;
    A[i] = x;
    B[i] = y;
  }
  let nA = 0;
  let nB = 0;
  let kp = 0;
  let kt = 0;
  for (let i = 0; i < len; i++) {
    if (A[i]) {
      nA++;
      const lo = opts.sym ? i - tau - dT : i - tau - dT;
      const hi = opts.sym ? i - tau + dT : i - tau;
      for (let j = Math.max(0, lo); j <= Math.min(len - 1, hi); j++) {
        if (B[j]) {
          kp++;
          break;
        }
      }
    }
    if (B[i]) {
      nB++;
      const lo = opts.sym ? i + tau - dT : i + tau;
      const hi = i + tau + dT;
      for (let j = Math.max(0, lo); j <= Math.min(len - 1, hi); j++) {
        if (A[j]) {
          kt++;
          break;
        }
      }
    }
  }
  const pw = opts.sym ? (2 * dT + 1) / T : (dT + 1) / (T - tau);
  return { T, nA, nB, windowProbability: pw, precursor: rate(kp, nA, nB, pw), trigger: rate(kt, nB, nA, pw) };
}

/** A calendar event as day indices into the daily series: its window [from, until] inclusive. */
export interface DayWindow {
  from: number;
  until: number;
}

/** Daily outage series of one entity (or a reference list) over T days. */
export interface DailyOutages {
  /** 1 if the day overlaps an outage of the tested kind */
  active: Uint8Array;
  /** 1 if an outage of the tested kind begins that day */
  onset: Uint8Array;
  /** 1 if the day had data (a day without data is neither outage nor normal) */
  valid: Uint8Array;
}

export interface WindowEcaResult {
  T: number;
  /** days with an outage among valid days */
  nActiveDays: number;
  /** onsets on valid days */
  nOnsets: number;
  /** trigger: fraction of assessable events whose window holds an outage day */
  trigger: EcaRate;
  /** precursor: fraction of outage onsets that fall inside some event window */
  precursor: EcaRate;
  /** events whose window lies wholly inside valid days (the others cannot be judged) */
  assessable: number[];
}

/** Prefix sums with a leading zero: sum over [i, j] = s[j+1] − s[i]. */
export function prefix(x: Uint8Array): Int32Array {
  const s = new Int32Array(x.length + 1);
  for (let i = 0; i < x.length; i++) s[i + 1] = s[i]! + x[i]!;
  return s;
}

/** How many of a window's steps must have data for the window to be judged (1 = all of them). */
export interface WindowOptions {
  minValid?: number;
}

/** Steps of a window of `width` that must have data. */
export const neededValid = (width: number, minValid = 1) => Math.max(1, Math.ceil(width * Math.min(1, Math.max(0, minValid)) - 1e-9));

/**
 * ECA with the calendar's own windows: each event j is tested on its window [from_j, until_j] (event steps
 * plus lead and lag). An event counts only when at least `minValid` of its window's steps had data (all of them
 * by default). The analytic p-values generalise CoinCalc's to windows of unequal length w_j and outages that
 * last several steps: with N outage episodes of mean length d̄ steps, an episode overlaps window j when its
 * onset falls in w_j + d̄ − 1 steps, so q_j = 1 − (1 − (w_j + d̄ − 1)/T)^N (Poisson-binomial over events); an
 * onset on a step with data falls in the union U of all event windows with q = |U ∩ valid| / T exactly
 * (binomial over onsets). With equal one-step outages and disjoint windows these are CoinCalc's formulas.
 * They ignore clustering: an analytic approximation, the surrogate test is the calibrated one.
 */
export function ecaWindows(series: DailyOutages, windows: readonly DayWindow[], opts: WindowOptions = {}): WindowEcaResult {
  const { active, onset, valid } = series;
  const len = valid.length;
  const sA = prefix(active);
  const sV = prefix(valid);
  let T = 0;
  let nActive = 0;
  let nOnsets = 0;
  let runs = 0;
  for (let i = 0; i < len; i++) {
    if (active[i] && (i === 0 || !active[i - 1])) runs++;
    if (!valid[i]) continue;
    T++;
    if (active[i]) nActive++;
    if (onset[i]) nOnsets++;
  }
  const meanRun = runs > 0 ? nActive / runs : 1;
  const assessable: number[] = [];
  let kt = 0;
  const qs: number[] = [];
  const inUnion = new Uint8Array(len);
  windows.forEach((w, j) => {
    if (w.from < 0 || w.until >= len || w.until < w.from) return;
    const width = w.until - w.from + 1;
    for (let d = w.from; d <= w.until; d++) inUnion[d] = 1;
    if (sV[w.until + 1]! - sV[w.from]! < neededValid(width, opts.minValid)) return;
    assessable.push(j);
    if (sA[w.until + 1]! - sA[w.from]! > 0) kt++;
    qs.push(T > 0 ? 1 - Math.pow(1 - Math.min(1, (width + meanRun - 1) / T), runs) : 0);
  });
  let kp = 0;
  let unionValid = 0;
  for (let i = 0; i < len; i++) {
    if (!inUnion[i] || !valid[i]) continue;
    unionValid++;
    if (onset[i]) kp++;
  }
  const nB = assessable.length;
  const trigger: EcaRate =
    nB === 0
      ? { k: 0, n: 0, rate: null, expected: null, p: null }
      : { k: kt, n: nB, rate: kt / nB, expected: qs.reduce((a, b) => a + b, 0) / nB, p: poissonBinomialUpperTail(kt, qs) };
  const qU = T > 0 ? unionValid / T : 0;
  const precursor: EcaRate =
    nOnsets === 0 || qU === 0
      ? { k: kp, n: nOnsets, rate: nOnsets === 0 ? null : kp / nOnsets, expected: null, p: null }
      : { k: kp, n: nOnsets, rate: kp / nOnsets, expected: qU, p: binomialUpperTail(kp, nOnsets, qU) };
  return { T, nActiveDays: nActive, nOnsets, trigger, precursor, assessable };
}
