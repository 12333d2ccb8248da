import type { ResolvedBaseline } from './baselines.js';
import type { Episode, EpisodeBuilder } from './drops.js';
import type { SignalState } from './resume.js';

/**
 * A signal's detector state as stored (`detector_signal_state`): JSON for the scalars, one packed buffer for the
 * arrays (float64 values stay exact: the resumed run must compute what a run over all the data computes).
 */
export interface StoredSignalState {
  signal: string;
  checkpoint: number;
  state: string;
  data: Uint8Array | null;
}

interface StateJson {
  v: 1;
  signal: string;
  anchor: number;
  step: number;
  next: number;
  resolved: ResolvedBaseline;
  builder: EpisodeBuilder;
  /** Lengths of the packed arrays: tail (0: none), days (-1: none). */
  tail: number;
  runStart: number;
  days: number;
  day0: number;
}

const numOrNaN = (x: unknown): number => (typeof x === 'number' ? x : NaN);

export function encodeState(s: SignalState): StoredSignalState {
  const t = s.tail?.values.length ?? 0;
  const d = s.days ? s.days.sum.length : -1;
  const json: StateJson = {
    v: 1,
    signal: s.signal,
    anchor: s.anchor,
    step: s.step,
    next: s.next,
    resolved: s.resolved,
    builder: s.builder,
    tail: t,
    runStart: s.tail?.runStart ?? -1,
    days: d,
    day0: s.days?.day0 ?? 0,
  };
  const f64 = new Float64Array(2 * t + 2 * Math.max(0, d));
  if (s.tail) {
    f64.set(s.tail.values, 0);
    f64.set(s.tail.hist, t);
  }
  if (s.days) {
    f64.set(s.days.sum, 2 * t);
    f64.set(s.days.cnt, 2 * t + d);
  }
  const bytes = new Uint8Array(f64.byteLength + t);
  bytes.set(new Uint8Array(f64.buffer), 0);
  if (s.tail) bytes.set(s.tail.inpainted, f64.byteLength);
  return { signal: s.signal, checkpoint: s.anchor + s.next * s.step, state: JSON.stringify(json), data: bytes };
}

export function decodeState(row: StoredSignalState): SignalState | null {
  const j = JSON.parse(row.state) as StateJson;
  if (j.v !== 1) return null;
  const t = j.tail;
  const d = j.days;
  const nf = 2 * t + 2 * Math.max(0, d);
  const raw = row.data ?? new Uint8Array(0);
  if (raw.byteLength !== nf * 8 + t) return null;
  // a copy: the driver's buffer may not be aligned for float64
  const copy = new Uint8Array(raw);
  const f64 = new Float64Array(copy.buffer, 0, nf);
  const c = j.resolved.cycles;
  const resolved: ResolvedBaseline = {
    ...j.resolved,
    cycles: c && {
      daily: c.daily,
      weekly: c.weekly,
      r: {
        day: numOrNaN(c.r.day),
        halfDay: numOrNaN(c.r.halfDay),
        week: numOrNaN(c.r.week),
        threeDays: numOrNaN(c.r.threeDays),
        fourDays: numOrNaN(c.r.fourDays),
      },
    },
  };
  return {
    signal: j.signal,
    anchor: j.anchor,
    step: j.step,
    next: j.next,
    resolved,
    tail:
      t > 0
        ? {
            values: f64.slice(0, t),
            hist: f64.slice(t, 2 * t),
            inpainted: copy.slice(nf * 8, nf * 8 + t),
            runStart: j.runStart,
          }
        : null,
    builder: j.builder,
    days: d >= 0 ? { day0: j.day0, sum: f64.slice(2 * t, 2 * t + d), cnt: f64.slice(2 * t + d, 2 * t + 2 * d) } : null,
  };
}

/** Episodes as stored (JSON per episode); `open` is always false for a final one. */
export function encodeEpisode(e: Episode): { signal: string; start: number; end: number; episode: string } {
  return { signal: e.signal, start: e.start, end: e.end, episode: JSON.stringify(e) };
}

export function decodeEpisode(text: string): Episode {
  return JSON.parse(text) as Episode;
}
