/**
 * The correlator's view of an outage: an interval with a kind, from the detector (`outages`), from a
 * source's own declaration, or from a published reference list. Pure helpers over arrays.
 */
import type { ConnectivityVerdict, ServicesVerdict, Verdict } from './model.js';
import { verdictLabel } from './model.js';

export type Axis = 'connectivity' | 'services';
export const AXES: readonly Axis[] = ['connectivity', 'services'];

export interface Episode {
  id: number | string | null;
  entity: string;
  /** connectivity | service-blocking | both | throttling | null (a list without kinds: connectivity) */
  kind: string | null;
  start: number;
  /** exclusive; an open-ended reference outage gets its configured default length before it arrives here */
  end: number;
  score: number | null;
  /** fraction of baseline lost at the deepest point (0..1); 1 when the input has no depth (reference lists) */
  depth: number;
  signals: string[];
  /** where it came from: `detected`, `reference:NAME` */
  origin: string;
  /** true when the end was not given and the default length was applied */
  openEnded?: boolean;
}

/** Which verdict axes a kind counts on. Throttling degrades the network itself, so it counts as connectivity. */
export function axesOf(kind: string | null | undefined): Axis[] {
  switch (kind) {
    case 'service-blocking':
    case 'degradation': // the detector's degradations come only from services-axis signals
      return ['services'];
    case 'both':
      return ['connectivity', 'services'];
    default:
      return ['connectivity'];
  }
}

export interface TimeWindow {
  from: number;
  until: number;
}

/** `[start − lead, end + lag]`: the matching window of the SIGCOMM 2023 study with lead 1 day, lag 2 days. */
export function eventWindow(event: { start: number; end: number }, lead: number, lag: number): TimeWindow {
  return { from: event.start - lead, until: event.end + lag };
}

/** Episodes overlapping [from, until). */
export function overlapping<E extends { start: number; end: number }>(episodes: readonly E[], w: TimeWindow): E[] {
  return episodes.filter((e) => e.start < w.until && e.end > w.from);
}

/** Onset relative to the event start, seconds; negative = before. */
export function onsetSeconds(episode: { start: number }, event: { start: number }): number {
  return episode.start - event.start;
}

/**
 * The two-axis verdict: an axis with an overlapping episode of its kind is `outage`/`blocking`; otherwise it is
 * `normal` only when some source had data for it over the window, and `no-data` when none did — never
 * "nothing unusual" for lack of data.
 */
export function verdictFor(episodes: readonly Episode[], hasData: Record<Axis, boolean>): Verdict {
  const hit = { connectivity: false, services: false };
  for (const e of episodes) for (const a of axesOf(e.kind)) hit[a] = true;
  const connectivity: ConnectivityVerdict = hit.connectivity ? 'outage' : hasData.connectivity ? 'normal' : 'no-data';
  const services: ServicesVerdict = hit.services ? 'blocking' : hasData.services ? 'normal' : 'no-data';
  return { connectivity, services, label: verdictLabel(connectivity, services) };
}
