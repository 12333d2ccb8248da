import { resolveBaseline, type ResolvedBaseline } from './baselines.js';
import type { SignalRule } from './config.js';
import { IndexedMedian } from './median.js';
import type { EpisodeClass, Severity } from '../../core/outage.js';
import { tsAt, type Series } from './series.js';

/** Per-point status: the signal could not be judged there (gap, no baseline, baseline under the floor). */
export const UNKNOWN = -1;
export const NORMAL = 0;
export const WARNING = 1;
export const CRITICAL = 2;

export interface DropAnalysis {
  /** The expected value at each point (NaN: "no data" — too little history, warm-up). */
  baseline: Float64Array;
  /** value / baseline (NaN where unknown). */
  ratio: Float64Array;
  status: Int8Array;
  /** 1 where the value was kept out of the history (its prediction stood in). */
  inpainted: Uint8Array;
  /** The baseline used (for `baseline: auto`, chosen from the cycles in the data). */
  resolved: ResolvedBaseline;
}

/** One signal's episode, before episodes of an entity are merged into outages. */
export interface Episode {
  signal: string;
  class: EpisodeClass;
  /** OONI target or Google product, for service episodes. */
  target: string | null;
  start: number;
  end: number;
  severity: Severity;
  /** Fraction of the baseline lost at the deepest point (OONI: the anomaly-rate rise). */
  depth: number;
  /** Alert area: drop% × minutes. */
  score: number;
  /** Mean fraction lost over the abnormal points (null for rate signals: OONI). */
  lost?: number | null;
  /** Still abnormal at the last point with data. */
  open: boolean;
  /** Rate signals (OONI): the anomaly rate at the deepest point and what was normal there (0..1; null = no baseline). */
  rate?: number;
  normalRate?: number | null;
}

/**
 * The history a baseline is computed from: a moving window, or the same time of day on past days.
 * Items are point indices; their values are `hist[i]` (the actual value, or the prediction that stood in).
 * Two classes, one loop each way (the analysis calls only one of them per signal).
 */
interface History {
  /** Before point i is judged: drops what fell out of the window; writes the baseline for point i (NaN when too
   * little of the window is present) to `out[o]` (written, not returned: a double returned from a call the loop
   * cannot inline is a heap allocation per point). */
  predict(i: number, out: Float64Array, o: number): void;
  /** After point i was judged, `hist[i]` set (NaN: a gap, not added). */
  commit(i: number): void;
  /** Is point k (k < i) still inside the history used from point i on? */
  holds(k: number, i: number): boolean;
  /** Replaces point k's value in the history by `value`. */
  replace(k: number, value: number): void;
}

/**
 * Work arrays kept from one analysis to the next (a thread judging signal after signal): an analysis of a million
 * points allocates ~40 MB of arrays, and fresh memory is paid for page by page when first written (about a tenth of
 * the analysis). An analysis given one writes into these instead; its result's arrays are then views of them, valid
 * until the next analysis with the same scratch (`judgeSignal` uses them up before it returns).
 */
export class DropScratch {
  private readonly buffers: ArrayBuffer[] = [];

  /** A view of `length` items over slot `slot`'s buffer (grown when too small), zeroed when asked. */
  take<T extends Float64Array | Int32Array | Int8Array | Uint8Array>(
    slot: number,
    kind: { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number },
    length: number,
    zero = false,
  ): T {
    const bytes = length * kind.BYTES_PER_ELEMENT;
    let buf = this.buffers[slot];
    if (!buf || buf.byteLength < bytes) this.buffers[slot] = buf = new ArrayBuffer(Math.ceil(bytes * 1.25) + 64);
    const view = new kind(buf, 0, length);
    if (zero) view.fill(0);
    return view;
  }
}

/** New arrays, or views of a scratch's (slot numbers: one per array of an analysis). */
function workArray<T extends Float64Array | Int32Array | Int8Array | Uint8Array>(
  scratch: DropScratch | null,
  slot: number,
  kind: { new (length: number): T; new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number },
  length: number,
  zero = false,
): T {
  return scratch ? scratch.take(slot, kind, length, zero) : new kind(length);
}

/**
 * Moving median of the last `windowSteps` points. Between two points one item leaves and one enters: done in one
 * step (`IndexedMedian.replace`) when point i is committed, so that point i + 1 finds the window [i + 1 − W, i].
 */
class MovingHistory implements History {
  private readonly med: IndexedMedian;
  constructor(
    private readonly hist: Float64Array,
    private readonly windowSteps: number,
    private readonly need: number,
    off: number,
    scratch: DropScratch | null,
  ) {
    const n = hist.length;
    // the heap positions (written before read) and sides (0: not held, so zeroed) of every point
    const pos = workArray(scratch, 6, Int32Array, n);
    const side = workArray(scratch, 7, Int8Array, n, true);
    this.med = new IndexedMedian(hist, pos, side, Math.min(n, windowSteps + 1) + 1);
    // the history as it stood before the first new point: the window's values
    for (let k = Math.max(0, off - windowSteps); k < off; k++) if (hist[k] === hist[k]) this.med.add(k);
  }
  predict(_i: number, out: Float64Array, o: number): void {
    this.med.medianInto(out, o, this.need);
  }
  commit(i: number): void {
    const j = i - this.windowSteps;
    const h = this.hist[i]!;
    if (h === h) {
      if (j >= 0) this.med.replace(j, i);
      else this.med.add(i);
    } else if (j >= 0) this.med.remove(j);
  }
  holds(k: number, i: number): boolean {
    return k >= i - this.windowSteps;
  }
  replace(k: number, value: number): void {
    this.med.remove(k);
    this.hist[k] = value;
    this.med.add(k);
  }
}

/**
 * Median of the same time of day (or week) on the last `seasons` periods: at most seasons + 1 values per time of
 * day, kept sorted in a small block of one flat array per slot (an insertion moves a few numbers; no heap).
 */
class SeasonalHistory implements History {
  private readonly cap: number;
  private readonly span: number;
  private readonly v: Float64Array;
  private readonly ids: Int32Array;
  private readonly cnt: Int32Array;
  constructor(
    private readonly hist: Float64Array,
    private readonly periodSteps: number,
    seasons: number,
    private readonly need: number,
    off: number,
  ) {
    this.cap = seasons + 2;
    this.span = (seasons + 1) * periodSteps;
    this.v = new Float64Array(periodSteps * this.cap);
    this.ids = new Int32Array(periodSteps * this.cap);
    this.cnt = new Int32Array(periodSteps);
    for (let k = Math.max(0, off - this.span); k < off; k++) if (hist[k] === hist[k]) this.add(k);
  }
  predict(i: number, out: Float64Array, o: number): void {
    const s = i % this.periodSteps;
    const j = i - this.span;
    if (j >= 0) this.drop(s, j);
    const n = this.cnt[s]!;
    if (n < this.need || n === 0) {
      out[o] = NaN;
      return;
    }
    const base = s * this.cap;
    const h = n >> 1;
    out[o] = (n & 1) === 1 ? this.v[base + h]! : (this.v[base + h - 1]! + this.v[base + h]!) / 2;
  }
  commit(i: number): void {
    if (this.hist[i] === this.hist[i]) this.add(i);
  }
  holds(k: number, i: number): boolean {
    return k > i - this.span;
  }
  replace(k: number, value: number): void {
    const s = k % this.periodSteps;
    this.drop(s, k);
    this.hist[k] = value;
    this.add(k);
  }
  private add(i: number): void {
    const s = i % this.periodSteps;
    const n = this.cnt[s]!;
    if (n === this.cap) throw new Error(`seasonal history: more than ${this.cap} values for one time of day`);
    const base = s * this.cap;
    const x = this.hist[i]!;
    const v = this.v;
    const ids = this.ids;
    let p = base + n;
    while (p > base && v[p - 1]! > x) {
      v[p] = v[p - 1]!;
      ids[p] = ids[p - 1]!;
      p--;
    }
    v[p] = x;
    ids[p] = i;
    this.cnt[s] = n + 1;
  }
  /** Removes item `id` from slot s (nothing when it is not there: a gap). */
  private drop(s: number, id: number): void {
    const base = s * this.cap;
    const end = base + this.cnt[s]!;
    const v = this.v;
    const ids = this.ids;
    let p = base;
    while (p < end && ids[p] !== id) p++;
    if (p === end) return;
    for (; p + 1 < end; p++) {
      v[p] = v[p + 1]!;
      ids[p] = ids[p + 1]!;
    }
    this.cnt[s] = end - base - 1;
  }
}

/** The history a resumed analysis starts from: the last grid points before the new ones (see `tailSteps`). */
export interface DropTail {
  /** The original values (NaN = gap). */
  values: Float64Array;
  /** The values the history held (the value, or the prediction that stood in for it; NaN = none). */
  hist: Float64Array;
  /** 1 where the value was kept out of the history. */
  inpainted: Uint8Array;
  /** Start of the run of kept-out values still going at the end of the tail, as an index into it (−1: none). */
  runStart: number;
}

/**
 * How many grid points before the next one a resumed analysis needs: the baseline's history window (the moving
 * window and one point, or every season of the same time of day/week and one), and the longest run of kept-out
 * values whose originals may still be put back (`maxInpaint`).
 */
export function tailSteps(rule: SignalRule, step: number): number {
  const span =
    rule.baseline === 'seasonal'
      ? (rule.seasons + 1) * Math.max(1, Math.round(rule.period / step))
      : Math.max(1, Math.round(rule.window / step)) + 1;
  return Math.max(span, Math.ceil(rule.maxInpaint / step) + 2);
}

/**
 * Baseline and per-point status of one signal, after IODA's moving-median detector: the history holds
 * the actual values, except values outside [inpaintBelow, inpaintAbove] × baseline, for which the
 * prediction stands in — for at most `maxInpaint` seconds, after which the kept-out originals replace
 * the predictions (a level shift becomes the new normal). Gaps stay gaps; a baseline needs
 * `minCoverage` of its window present; baselines under `minBaseline` raise no alerts.
 *
 * Resumable (incremental detection): given `resolved` (the baseline chosen earlier) and `resume` (the tail of the
 * history as it stood before the first point of `series`), the result for `series` is the one a run over the whole
 * series would give for those points — the medians depend only on which values the window holds. `checkpoint` (an
 * index into `series`, 0..n) asks for the tail as it stands before that point (`snapshot`).
 */
export function analyseDrops(
  series: Series,
  input: SignalRule,
  opts: { resolved?: ResolvedBaseline; resume?: DropTail | null; checkpoint?: number; scratch?: DropScratch } = {},
): DropAnalysis & { snapshot: DropTail | null } {
  const { values: fresh, step } = series;
  const n = fresh.length;
  const scratch = opts.scratch ?? null;
  // every item of these is written below
  const baseline = workArray(scratch, 0, Float64Array, n);
  const ratio = workArray(scratch, 1, Float64Array, n);
  const status = workArray(scratch, 2, Int8Array, n);
  const resolved = opts.resolved ?? resolveBaseline(series, input);
  const rule = resolved.rule;
  if (resolved.kind === 'undetermined') {
    // too little data to tell whether the signal has a daily cycle: nothing can be judged yet
    baseline.fill(NaN);
    ratio.fill(NaN);
    status.fill(UNKNOWN);
    return { baseline, ratio, status, inpainted: new Uint8Array(n), resolved, snapshot: null };
  }
  // work arrays: the resumed tail (if any), then the new points
  const resume = opts.resume ?? null;
  const off = resume ? resume.values.length : 0;
  const total = off + n;
  let values = fresh;
  const hist = workArray(scratch, 3, Float64Array, total);
  let inpainted = workArray(scratch, 4, Uint8Array, total, true);
  if (resume) {
    values = workArray(scratch, 5, Float64Array, total);
    values.set(resume.values);
    values.set(fresh, off);
    hist.set(resume.hist);
    inpainted.set(resume.inpainted);
  }
  // the history as it stood before the first new point: the window's values (a median depends only on them)
  let history: History;
  if (rule.baseline === 'seasonal') {
    const periodSteps = Math.max(1, Math.round(rule.period / step));
    history = new SeasonalHistory(hist, periodSteps, rule.seasons, Math.max(1, Math.ceil(rule.minCoverage * rule.seasons - 1e-9)), off);
  } else {
    const windowSteps = Math.max(1, Math.round(rule.window / step));
    history = new MovingHistory(hist, windowSteps, Math.max(1, Math.ceil(rule.minCoverage * windowSteps - 1e-9)), off, scratch);
  }
  const { warning, critical, minBaseline, inpaintBelow, inpaintAbove } = rule;
  const maxInpaintSteps = rule.maxInpaint / step;
  const tailLen = tailSteps(rule, step);
  const cp = opts.checkpoint === undefined ? -1 : off + Math.max(0, Math.min(n, opts.checkpoint));
  let snapshot: DropTail | null = null;
  let runStart = resume ? resume.runStart : -1;
  for (let i = off; i <= total; i++) {
    if (i === cp) snapshot = tailAt(values, hist, inpainted, i, tailLen, runStart);
    if (i === total) break;
    const o = i - off;
    history.predict(i, baseline, o);
    const b = baseline[o]!;
    const x = values[i]!;
    let h = x;
    if (x !== x || b !== b || b < minBaseline || b <= 0) {
      ratio[o] = NaN;
      status[o] = UNKNOWN;
      if (b !== b || b < minBaseline) runStart = -1;
    } else {
      const r = x / b;
      ratio[o] = r;
      status[o] = r < critical ? CRITICAL : r < warning ? WARNING : NORMAL;
      if (r < inpaintBelow || r > inpaintAbove) {
        if (runStart < 0) runStart = i;
        if (i - runStart >= maxInpaintSteps) {
          // kept out for too long: this is the new normal, put the originals back
          putBack(history, values, inpainted, runStart, i);
          runStart = -1;
        } else {
          h = b;
          inpainted[i] = 1;
        }
      } else {
        runStart = -1;
      }
    }
    hist[i] = h;
    history.commit(i);
  }
  if (resume) inpainted = inpainted.subarray(off);
  return { baseline, ratio, status, inpainted, resolved, snapshot };
}

/**
 * The originals of the kept-out run [runStart, i) still in the history go back into it. A function of its own: the
 * analysis loop is compiled before this rare path first runs, and a method called there without type feedback
 * would throw the compiled loop away each time.
 */
function putBack(history: History, values: Float64Array, inpainted: Uint8Array, runStart: number, i: number): void {
  for (let k = runStart; k < i; k++) {
    if (inpainted[k] === 1 && history.holds(k, i)) history.replace(k, values[k]!);
  }
}

/** The last `len` points before index `i` of the work arrays (NaN / 0 before the data's start). */
function tailAt(values: Float64Array, hist: Float64Array, inpainted: Uint8Array, i: number, len: number, runStart: number): DropTail {
  const from = i - len;
  const t: DropTail = {
    values: new Float64Array(len).fill(NaN),
    hist: new Float64Array(len).fill(NaN),
    inpainted: new Uint8Array(len),
    runStart: runStart < 0 ? -1 : runStart - from,
  };
  const lo = Math.max(0, from);
  t.values.set(values.subarray(lo, i), lo - from);
  t.hist.set(hist.subarray(lo, i), lo - from);
  t.inpainted.set(inpainted.subarray(lo, i), lo - from);
  if (t.runStart < 0 && runStart >= 0) throw new Error('detector tail too short for the kept-out run');
  return t;
}

const SEVERITIES: Severity[] = ['warning', 'critical'];

/** Where episode building stands (times in seconds), so that it can go on with the next points. */
export interface EpisodeBuilder {
  open: boolean;
  /** Time of the episode's first abnormal point, of its last one, and of the first normal point after it (−1: none). */
  start: number;
  lastAbn: number;
  firstNormal: number;
  sev: number;
  depth: number;
  score: number;
  count: number;
  normals: number;
}

export const NO_EPISODE: EpisodeBuilder = {
  open: false,
  start: 0,
  lastAbn: 0,
  firstNormal: -1,
  sev: 1,
  depth: 0,
  score: 0,
  count: 0,
  normals: 0,
};

/**
 * Episodes from per-point statuses: a warning or critical point opens one; `recoverPoints` normal
 * points close it (its end is the first of them); unknown points (gaps, no baseline) neither open
 * nor close one. Episodes with fewer than `minPoints` abnormal points or shorter than `minDuration`
 * are dropped. `drop(i)` is the fraction lost at point i (for the depth and the alert area).
 *
 * Resumable: `builder` is where building stood before the first point (an episode may be open); `snapshotAt` (an
 * index, 0..n) asks where it stands before that point (`snapshot`), and `closedBefore` counts the episodes closed
 * before it (the first ones of `episodes`). The episode still open at the last point is returned as open.
 */
export function episodesFromStatus(
  series: Series,
  status: Int8Array,
  drop: (i: number) => number,
  opts: {
    minPoints: number;
    minDuration: number;
    recoverPoints: number;
    signal: string;
    class: EpisodeClass;
    target: string | null;
    rate?: boolean;
    builder?: EpisodeBuilder;
    snapshotAt?: number;
  },
): Episode[] & { snapshot?: EpisodeBuilder; closedBefore?: number } {
  const out: Episode[] & { snapshot?: EpisodeBuilder; closedBefore?: number } = [];
  const stepMinutes = series.step / 60;
  const n = status.length;
  const b0 = opts.builder ?? NO_EPISODE;
  let open = b0.open;
  let start = b0.start;
  let lastAbn = b0.lastAbn;
  let sev = b0.sev;
  let depth = b0.depth;
  let score = b0.score;
  let count = b0.count;
  let normals = b0.normals;
  let firstNormal = b0.firstNormal;
  const close = (endTs: number, stillOpen: boolean) => {
    open = false;
    const startTs = start;
    if (count >= opts.minPoints && endTs - startTs >= opts.minDuration) {
      const lost = opts.rate ? null : count > 0 ? score / (count * 100 * stepMinutes) : 0;
      out.push({
        signal: opts.signal,
        class: opts.class,
        target: opts.target,
        start: startTs,
        end: endTs,
        severity: SEVERITIES[sev - 1]!,
        depth,
        score,
        lost,
        open: stillOpen,
      });
    }
  };
  const snapAt = opts.snapshotAt ?? -1;
  for (let i = 0; i < n; i++) {
    if (i === snapAt) {
      out.snapshot = { open, start, lastAbn, firstNormal, sev, depth, score, count, normals };
      out.closedBefore = out.length;
    }
    const s = status[i]!;
    if (s === UNKNOWN) continue;
    if (s >= WARNING) {
      const d = Math.max(0, Math.min(1, drop(i)));
      if (!open) {
        open = true;
        start = tsAt(series, i);
        sev = s;
        depth = d;
        score = 0;
        count = 0;
      }
      if (s > sev) sev = s;
      if (d > depth) depth = d;
      score += d * 100 * stepMinutes;
      count++;
      lastAbn = tsAt(series, i);
      normals = 0;
      firstNormal = -1;
    } else if (open) {
      if (normals === 0) firstNormal = tsAt(series, i);
      normals++;
      if (normals >= opts.recoverPoints) {
        close(firstNormal, false);
        normals = 0;
        firstNormal = -1;
      }
    }
  }
  if (snapAt === n) {
    out.snapshot = { open, start, lastAbn, firstNormal, sev, depth, score, count, normals };
    out.closedBefore = out.length;
  }
  if (open) close(lastAbn + series.step, true);
  return out;
}

/** Connectivity-style detection of one signal: drops below the rule's thresholds. */
export function detectDrops(
  series: Series,
  rule: SignalRule,
  signal: string,
  target: string | null = null,
  cls: EpisodeClass = rule.class,
): { analysis: DropAnalysis; episodes: Episode[] } {
  const analysis = analyseDrops(series, rule);
  const { ratio } = analysis;
  const episodes = episodesFromStatus(series, analysis.status, (i) => 1 - ratio[i]!, {
    minPoints: rule.minPoints,
    minDuration: rule.minDuration,
    recoverPoints: rule.recoverPoints,
    signal,
    class: cls,
    target,
  });
  return { analysis, episodes };
}
