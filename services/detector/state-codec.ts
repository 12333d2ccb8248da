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

/** The keys of an episode as `episodesFromStatus` builds it, in its order (the only kind stored as final). */
const EPISODE_KEYS = ['signal', 'class', 'target', 'start', 'end', 'severity', 'depth', 'score', 'lost', 'open'] as const;

/** A final episode as stored: its signal, start and end (the row's columns) and the rest as JSON (`episode`). */
export interface EncodedEpisode {
  signal: string;
  start: number;
  end: number;
  episode: string;
}

/**
 * Episodes as stored (JSON per episode; `open` is always false for a final one). The usual episode is written
 * compactly, its values without the keys and without signal, start and end (the row's columns hold them):
 * `["connectivity",null,"critical",0.93,412.5,0.71,false]`; any other shape as its whole JSON object.
 */
export function encodeEpisode(e: Episode): EncodedEpisode {
  const keys = Object.keys(e);
  const usual = keys.length === EPISODE_KEYS.length && keys.every((k, i) => k === EPISODE_KEYS[i]);
  const episode = usual ? JSON.stringify([e.class, e.target, e.severity, e.depth, e.score, e.lost, e.open]) : JSON.stringify(e);
  return { signal: e.signal, start: e.start, end: e.end, episode };
}

/** An episode from its stored row (either form): what `JSON.parse(JSON.stringify(e))` gives, keys in the same order. */
export function decodeEpisode(row: EncodedEpisode): Episode {
  const text = row.episode;
  if (text.charCodeAt(0) !== 91 /* [ */) return JSON.parse(text) as Episode;
  const [cls, target, severity, depth, score, lost, open] = JSON.parse(text) as [
    Episode['class'],
    string | null,
    Episode['severity'],
    number,
    number,
    number | null,
    boolean,
  ];
  return { signal: row.signal, class: cls, target, start: row.start, end: row.end, severity, depth, score, lost, open };
}
