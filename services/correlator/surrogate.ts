/**
 * Surrogate tests for a calendar against an outage series that keep the outage process (methods.md §4.2):
 * the calendar stays fixed and the outage series is moved. Pure, seeded.
 *
 * - `circular-shift`: the outage series (outage days, onsets and the days with data, together) is rotated
 *   by a multiple of 7 days, so weekday structure, clustering and autocorrelation are kept exactly except at
 *   the wrap point. Shifts shorter than the longest window are left out. When there are no more distinct
 *   shifts than B, every shift is used once (an exact test) and B is the number of shifts.
 * - `block-permutation`: the series is cut into blocks of `blockDays` and the blocks are shuffled (evaluated
 *   block by block on the original prefix sums, so a surrogate costs O(windows + blocks), not O(steps)).
 *
 * Steps may be days (`stepsPerDay` 1, the default) or hours (24): shifts and blocks are whole days either way.
 *
 * Statistics: the trigger and precursor coincidence rates; ties between equal rates are broken by the number
 * of outage days inside the event windows (a finer measure of the same thing), so the test is not made
 * conservative by a discrete statistic. p = (1 + #{S_b ≥ S_obs}) / (B + 1); the smallest attainable p is
 * 1 / (B + 1).
 */
import { neededValid, prefix, type DailyOutages, type DayWindow } from './eca.js';
import { seededRandom } from '../util/random.js';

export type SurrogateMethod = 'circular-shift' | 'block-permutation';

export interface SurrogateOptions {
  method?: SurrogateMethod;
  /** number of surrogates (default 9,999) */
  B?: number;
  seed?: number;
  /** block length for block permutation (default 14 days) */
  blockDays?: number;
  /** shift step for circular shifts (default 7 days) */
  shiftStepDays?: number;
  /** steps per day of the series (1 for daily series, 24 for hourly) */
  stepsPerDay?: number;
  /** share of a window's steps that must have data for it to count (default 1: all) */
  minValid?: number;
}

export interface SurrogateStat {
  observed: number | null;
  p: number | null;
  /** mean of the surrogate rates: the rate expected when outages keep their process but not their dates */
  nullMean: number | null;
}

export interface SurrogateResult {
  method: SurrogateMethod;
  B: number;
  seed: number;
  /** true when every distinct circular shift was used once */
  exhaustive: boolean;
  smallestAttainableP: number;
  trigger: SurrogateStat;
  precursor: SurrogateStat;
}

const EPS = 1e-12;

interface Win {
  from: number;
  until: number;
  width: number;
  need: number;
}

interface Stats {
  trigger: number | null;
  precursor: number | null;
  /** outage days inside windows / (total window days + 1), in [0, 1) */
  tie: number;
}

/** ≥ in the (rate, tie) order. */
const atLeast = (x: number, xt: number, obs: number, obsT: number) => x > obs + EPS || (x >= obs - EPS && xt >= obsT - EPS);

export function surrogateTest(series: DailyOutages, windows: readonly DayWindow[], opts: SurrogateOptions = {}): SurrogateResult {
  const method = opts.method ?? 'circular-shift';
  const Bmax = Math.max(1, Math.floor(opts.B ?? 9999));
  const seed = opts.seed ?? 1;
  const rnd = seededRandom(seed);
  const len = series.valid.length;
  const ws: Win[] = windows
    .filter((w) => w.from >= 0 && w.until < len && w.until >= w.from)
    .map((w) => ({ from: w.from, until: w.until, width: w.until - w.from + 1, need: neededValid(w.until - w.from + 1, opts.minValid) }));
  const spd = Math.max(1, Math.round(opts.stepsPerDay ?? 1));
  const union = new Uint8Array(len);
  let totalWidth = 0;
  for (const w of ws) {
    totalWidth += w.width;
    for (let d = w.from; d <= w.until; d++) union[d] = 1;
  }

  /** windows evaluated on prefix sums at an offset (the shifted series over [f, u] = original over [f + off, u + off]) */
  const windowStats = (sA: Int32Array, sV: Int32Array, off: number): [number, number, number] => {
    let k = 0;
    let n = 0;
    let overlap = 0;
    for (const w of ws) {
      const f = w.from + off;
      const u = w.until + off;
      if (sV[u + 1]! - sV[f]! < w.need) continue;
      n++;
      const a = sA[u + 1]! - sA[f]!;
      overlap += a;
      if (a > 0) k++;
    }
    return [k, n, overlap];
  };
  const mk = (k: number, n: number, overlap: number, kp: number, np: number): Stats => ({
    trigger: n ? k / n : null,
    precursor: np ? kp / np : null,
    tie: overlap / (totalWidth + 1),
  });

  // observed
  const onsets: number[] = [];
  for (let i = 0; i < len; i++) if (series.onset[i] && series.valid[i]) onsets.push(i);
  const [k0, n0, ov0] = windowStats(prefix(series.active), prefix(series.valid), 0);
  let kp0 = 0;
  for (const o of onsets) if (union[o]) kp0++;
  const obs = mk(k0, n0, ov0, kp0, onsets.length);

  let geT = 0;
  let geP = 0;
  let cntT = 0;
  let cntP = 0;
  let sumT = 0;
  let sumP = 0;
  let B = 0;
  let exhaustive = false;
  const tally = (s: Stats) => {
    B++;
    if (s.trigger !== null) {
      cntT++;
      sumT += s.trigger;
      if (obs.trigger !== null && atLeast(s.trigger, s.tie, obs.trigger, obs.tie)) geT++;
    }
    if (s.precursor !== null) {
      cntP++;
      sumP += s.precursor;
      if (obs.precursor !== null && atLeast(s.precursor, s.tie, obs.precursor, obs.tie)) geP++;
    }
  };

  if (method === 'circular-shift') {
    const step = (opts.shiftStepDays ?? 7) * spd;
    const maxWidth = ws.reduce((m, w) => Math.max(m, w.width), 1);
    const shifts: number[] = [];
    for (let k = step; k < len; k += step) if (Math.min(k, len - k) >= maxWidth) shifts.push(k);
    const dbl = (x: Uint8Array) => {
      const d = new Uint8Array(2 * len);
      d.set(x, 0);
      d.set(x, len);
      return prefix(d);
    };
    const sA = dbl(series.active);
    const sV = dbl(series.valid);
    const evalShift = (k: number) => {
      const [kt, n, ov] = windowStats(sA, sV, len - k);
      let kp = 0;
      for (const o of onsets) if (union[(o + k) % len]) kp++;
      tally(mk(kt, n, ov, kp, onsets.length));
    };
    if (shifts.length > 0 && shifts.length <= Bmax) {
      exhaustive = true;
      for (const k of shifts) evalShift(k);
    } else if (shifts.length > 0) {
      for (let b = 0; b < Bmax; b++) evalShift(shifts[Math.floor(rnd() * shifts.length)]!);
    }
  } else {
    const L = Math.max(1, Math.floor(opts.blockDays ?? 14)) * spd;
    const nBlocks = Math.ceil(len / L);
    const order = Array.from({ length: nBlocks }, (_, i) => i);
    const blockLen = (blk: number) => Math.min(len, blk * L + L) - blk * L;
    const sA = prefix(series.active);
    const sV = prefix(series.valid);
    // windows sorted by start, so one pass walks the permuted blocks forward
    const sorted = [...ws].sort((x, y) => x.from - y.from);
    const posStart = new Int32Array(nBlocks + 1);
    const rankOf = new Int32Array(nBlocks);
    const onsetSrc = onsets;
    for (let b = 0; b < Bmax; b++) {
      for (let i = nBlocks - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
      for (let i = 0; i < nBlocks; i++) {
        posStart[i + 1] = posStart[i]! + blockLen(order[i]!);
        rankOf[order[i]!] = i;
      }
      let k = 0;
      let n = 0;
      let overlap = 0;
      let bi = 0;
      for (const w of sorted) {
        while (posStart[bi + 1]! <= w.from) bi++;
        let a = 0;
        let v = 0;
        for (let j = bi; j < nBlocks && posStart[j]! <= w.until; j++) {
          const lo = Math.max(w.from, posStart[j]!);
          const hi = Math.min(w.until, posStart[j + 1]! - 1);
          const src = order[j]! * L - posStart[j]!;
          a += sA[hi + src + 1]! - sA[lo + src]!;
          v += sV[hi + src + 1]! - sV[lo + src]!;
        }
        if (v < w.need) continue;
        n++;
        overlap += a;
        if (a > 0) k++;
      }
      let kp = 0;
      for (const o of onsetSrc) {
        const blk = Math.floor(o / L);
        if (union[posStart[rankOf[blk]!]! + (o - blk * L)]) kp++;
      }
      tally(mk(k, n, overlap, kp, onsetSrc.length));
    }
  }
  const stat = (o: number | null, ge: number, cnt: number, sum: number): SurrogateStat => ({
    observed: o,
    p: o === null || cnt === 0 ? null : (1 + ge) / (cnt + 1),
    nullMean: cnt ? sum / cnt : null,
  });
  return {
    method,
    B,
    seed,
    exhaustive,
    smallestAttainableP: 1 / (B + 1),
    trigger: stat(obs.trigger, geT, cntT, sumT),
    precursor: stat(obs.precursor, geP, cntP, sumP),
  };
}
