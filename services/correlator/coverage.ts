/**
 * Which sources had data for a window, and why not (pure). The inputs are read from the store by
 * assemble.ts: per signal the UTC hours with at least one non-null point, and the collector checkpoints.
 */
import type { Axis } from './episodes.js';
import { isoUtc } from '../../core/time.js';
import { COLLECTOR_MODULES, axisOfSignal, collectorNames, eraNote, sourceOfName } from '../sources.js';

/** Every registered source, in the registry's order (collectors/registry.ts). */
export const SOURCES: readonly string[] = collectorNames();
export type CoverageSource = string;
/** The names the sources are credited by (as in their signals' provenance), from their collector modules. */
export const SOURCE_NAMES: Record<CoverageSource, string> = Object.fromEntries(COLLECTOR_MODULES.map((m) => [m.name, m.title]));

export interface SignalHours {
  signal: string;
  /** the verdict axis from the signal's provenance (default: by its name) */
  axis?: Axis;
  /** start of each UTC hour inside the window with at least one non-null point */
  hours: readonly number[];
  /** hours with data in the three days before the window (the history a baseline is built from); absent = not known */
  historyHours?: number;
}

/** History the detector needs before it judges a point (docs/detector.md): about a day; three days for a daily cycle. */
export const HISTORY_NEEDED_HOURS = { any: 24, dailyCycle: 72 } as const;

/**
 * What coverage says of signals with data in the window but too little history before it: the detector does not
 * judge such points (no outage, but no "normal" either), and a reader must be told.
 */
export function historyNote(signals: readonly SignalHours[]): string | null {
  const short = signals.filter(
    (s) => s.hours.length > 0 && s.historyHours !== undefined && s.historyHours < HISTORY_NEEDED_HOURS.dailyCycle,
  );
  if (!short.length) return null;
  const none = short.filter((s) => s.historyHours! < HISTORY_NEEDED_HOURS.any);
  const some = short.filter((s) => s.historyHours! >= HISTORY_NEEDED_HOURS.any);
  const parts: string[] = [];
  if (none.length)
    parts.push(
      `insufficient history: ${none.map((s) => `${s.signal} (${s.historyHours} h before the window)`).join(', ')} — the detector needs about a day of data before it judges a point`,
    );
  if (some.length)
    parts.push(
      `short history: ${some.map((s) => `${s.signal} (${s.historyHours} h before the window)`).join(', ')} — too short for a same-time-of-day baseline if the series has a daily cycle (three days needed)`,
    );
  return parts.join('; ');
}

export interface CheckpointSpan {
  signal: string;
  from: number;
  until: number;
  status: 'ok' | 'no-data';
}

export interface SourceInput {
  /** a built-in source (`ioda`, `ooni`, `ripestat`, `radar`) or, for any other, its provenance source name */
  source: string;
  /** the name to credit: "IODA", "Monash IP Observatory", an `ingest csv --source-name` (default: `source`) */
  name?: string;
  signals: SignalHours[];
  checkpoints: CheckpointSpan[];
  /** source events (IODA events, Radar annotations, OONI confirmed) overlapping the window */
  events: number;
}

export interface SourceCoverage {
  source: string;
  /** the source's name from the provenance of its signals ("IODA", "Monash IP Observatory") */
  name: string;
  hadData: boolean;
  /** hours of the window with data on at least one of its signals */
  hours: number;
  /** fraction of the window's hours with data on at least one signal of the source */
  fraction: number;
  axes: Axis[];
  signals: string[];
  events: number;
  reason: string | null;
}

/** The verdict axis a signal informs, as its source declares it: OONI targets and Google product traffic tell about services. */
export function signalAxis(signal: string): Axis {
  return axisOfSignal(signal);
}

/** The coverage source of a signal or collector name (`cloudflare.x` is Radar's). */
export function sourceOf(name: string): string {
  return sourceOfName(name);
}

function coveredFraction(spans: Array<{ from: number; until: number }>, from: number, until: number): number {
  const cut = spans
    .map((s) => [Math.max(from, s.from), Math.min(until, s.until)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let cur = from;
  for (const [a, b] of cut) {
    const lo = Math.max(a, cur);
    if (b > lo) {
      total += b - lo;
      cur = b;
    }
  }
  return until > from ? total / (until - from) : 0;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/**
 * One source's coverage of [from, until). A source counts as having data when at least `minFraction` of the
 * window's hours hold data on one of its signals; an events-only source (Radar annotations) counts when an
 * `ok` checkpoint covers that much of the window.
 */
export function sourceCoverage(input: SourceInput, entity: string, from: number, until: number, minFraction = 0.5): SourceCoverage {
  const hourSet = new Set<number>();
  const axisHours: Record<Axis, Set<number>> = { connectivity: new Set(), services: new Set() };
  const withData: string[] = [];
  const first = Math.floor(from / 3600) * 3600;
  for (const s of input.signals) {
    if (s.hours.length > 0) withData.push(s.signal);
    for (const h of s.hours) {
      if (h < first || h >= until) continue;
      hourSet.add(h);
      axisHours[s.axis ?? signalAxis(s.signal)].add(h);
    }
  }
  const windowHours = Math.max(1, Math.ceil((until - first) / 3600));
  const fraction = Math.min(1, hourSet.size / windowHours);
  const ok = coveredFraction(
    input.checkpoints.filter((c) => c.status === 'ok'),
    from,
    until,
  );
  const noData = coveredFraction(
    input.checkpoints.filter((c) => c.status === 'no-data'),
    from,
    until,
  );
  const eventsOnly = input.signals.length === 0 && input.checkpoints.some((c) => c.signal === '*');
  const axes = new Set<Axis>();
  for (const a of ['connectivity', 'services'] as const) if (axisHours[a].size / windowHours >= minFraction) axes.add(a);
  if (axes.size === 0 && eventsOnly && ok >= minFraction) axes.add(input.source === 'ooni' ? 'services' : 'connectivity');
  const hadData = axes.size > 0;
  let reason: string | null = null;
  if (!hadData) {
    const era = eraNote(input.source, until);
    let why: string;
    if (input.checkpoints.length === 0 && input.signals.length === 0) why = `the ${input.source} collector never ran for ${entity}`;
    else if (noData > 0) why = `${input.source} answered that it has no data for ${pct(noData)} of this window`;
    else if (ok === 0 && fraction === 0) {
      const spans = input.checkpoints;
      const lo = spans.reduce((m, c) => Math.min(m, c.from), Infinity);
      const hi = spans.reduce((m, c) => Math.max(m, c.until), -Infinity);
      why = spans.length ? `not collected for this window (collected ${isoUtc(lo)} to ${isoUtc(hi)})` : 'not collected for this window';
    } else if (fraction === 0) why = 'collected, but no data points in the window';
    else why = `only ${pct(fraction)} of the window's hours have data`;
    reason = era ? `${era}; ${why}` : why;
  } else {
    reason = historyNote(input.signals);
  }
  return {
    source: input.source,
    name: input.name ?? input.source,
    hadData,
    hours: hourSet.size,
    fraction: Math.round(fraction * 1000) / 1000,
    axes: [...axes].sort(),
    signals: withData.sort(),
    events: input.events,
    reason,
  };
}

/** Whether each verdict axis had data from some source. */
export function axisData(cov: readonly SourceCoverage[]): Record<Axis, boolean> {
  return {
    connectivity: cov.some((c) => c.hadData && c.axes.includes('connectivity')),
    services: cov.some((c) => c.hadData && c.axes.includes('services')),
  };
}
