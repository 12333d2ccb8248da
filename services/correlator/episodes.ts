/**
 * The correlator's view of an outage: an interval with a kind, from the detector (`outages`), from a
 * source's own declaration, or from a published reference list. Pure helpers over arrays.
 */
import type { ConnectivityVerdict, Onset, OnsetPrecision, Scope, ServicesVerdict, SubnationalEpisode, Verdict } from './model.js';
import { isNational, verdictLabel } from './model.js';
import { isoUtc } from '../../core/time.js';

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
  /** how much of the country it covers: from the entity type (detected) or the list's scope (reference) */
  scope?: Scope;
  /** the scope text as the list wrote it (reference outages) */
  scopeRaw?: string | null;
  /** the area a reference outage names (a province, a city), or the unit's name for a detected one */
  area?: string | null;
  /** the signal that dropped first (detected) */
  firstSignal?: string | null;
  /** step of the data behind the start, seconds (reference lists: 86400) */
  step?: number | null;
  /** share of normal lost on level signals, percent (detected; null when only rates rose or for a list) */
  lostPercent?: number | null;
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

const HOUR = 3600;
const DAYS = 86400;

/** The precision an onset can claim from the step of its data. */
export function precisionOf(step: number | null | undefined): OnsetPrecision {
  if (step === null || step === undefined) return 'hour';
  if (step >= DAYS) return 'day';
  if (step >= HOUR) return 'hour';
  return 'minute';
}

export interface VerdictContext {
  /** event start (onset seconds are counted from it); omit for a range */
  eventStart?: number;
  /** country code (the national entity of a majority onset) */
  country?: string;
  /** per sub-national entity type (`county`, `region`), how many units of the country have data */
  units?: Record<string, number>;
  /** share of units that must be down at once to make a national picture (default: more than half) */
  majority?: number;
}

/** Minimum number of units of a type before "most of them down at once" can stand for the country. */
export const MIN_UNITS_FOR_MAJORITY = 5;

const scopeOf = (e: Episode): Scope => e.scope ?? 'national';

/**
 * The earliest instant at which more than `majority` of a country's units of one type (counties, regions) are in
 * a connectivity episode at the same time, with those units; null when it never happens. ASes are not
 * geographic units and never make a national picture.
 */
export function majorityOnset(
  sub: readonly Episode[],
  units: Record<string, number>,
  majority = 0.5,
): { time: number; type: string; episodes: Episode[] } | null {
  let best: { time: number; type: string; episodes: Episode[] } | null = null;
  for (const [type, total] of Object.entries(units)) {
    if (type === 'asn' || total < MIN_UNITS_FOR_MAJORITY) continue;
    const eps = sub.filter((e) => e.entity.startsWith(`${type}:`) && axesOf(e.kind).includes('connectivity'));
    const marks = [...new Set(eps.map((e) => e.start))].sort((a, b) => a - b);
    for (const t of marks) {
      if (best && t >= best.time) break;
      const active = eps.filter((e) => e.start <= t && e.end > t);
      const n = new Set(active.map((e) => e.entity)).size;
      if (n > majority * total) {
        best = { time: t, type, episodes: active };
        break;
      }
    }
  }
  return best;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "13–15 Nov", "30 Nov – 2 Dec 2019" style day span (UTC). */
export function daySpan(from: number, until: number): string {
  const a = new Date(from * 1000);
  const b = new Date(Math.max(from, until - 1) * 1000);
  const d = (x: Date) => x.getUTCDate();
  const m = (x: Date) => MONTHS[x.getUTCMonth()]!;
  if (a.getUTCFullYear() !== b.getUTCFullYear()) return `${d(a)} ${m(a)} ${a.getUTCFullYear()} – ${d(b)} ${m(b)} ${b.getUTCFullYear()}`;
  if (a.getUTCMonth() !== b.getUTCMonth()) return `${d(a)} ${m(a)} – ${d(b)} ${m(b)}`;
  if (d(a) === d(b)) return `${d(a)} ${m(a)}`;
  return `${d(a)}–${d(b)} ${m(a)}`;
}

const PLURAL: Record<string, string> = { county: 'counties', region: 'regions', asn: 'networks (ASes)' };
const unitName = (e: Episode) => e.area ?? (e.entity.startsWith('country:') ? null : e.entity.split(':').slice(1).join(':')) ?? e.entity;

/**
 * "regional: 3 of 73 counties, 13–15 Nov; largest: Behbahan, 40 %": one line per unit type, for the sub-national
 * episodes outside any national outage (those inside it are counted in brackets).
 */
export function subnationalSummary(
  sub: readonly Episode[],
  national: readonly Episode[],
  units: Record<string, number> = {},
): string | null {
  if (sub.length === 0) return null;
  const inNational = (e: Episode) => national.some((n) => axesOf(n.kind).includes('connectivity') && e.start >= n.start && e.start < n.end);
  const groups = new Map<string, Episode[]>();
  for (const e of sub) {
    const key = e.origin === 'detected' ? e.entity.split(':')[0]! : `${scopeOf(e)} reference outages`;
    const g = groups.get(key) ?? [];
    g.push(e);
    groups.set(key, g);
  }
  const parts: string[] = [];
  for (const [key, all] of groups) {
    const outside = all.filter((e) => !inNational(e));
    const inside = all.length - outside.length;
    const eps = outside.length ? outside : all;
    const n = new Set(eps.map((e) => e.entity + (e.area ?? ''))).size;
    const total = units[key];
    const label = PLURAL[key] ?? key;
    const count = total
      ? `${n} of ${total} ${label}`
      : `${n} ${
          n === 1
            ? label
                .replace(/ies$/, 'y')
                .replace(/s$/, '')
                .replace(/ reference outage$/, ' reference outage')
            : label
        }`;
    const from = eps.reduce((m, e) => Math.min(m, e.start), Infinity);
    const until = eps.reduce((m, e) => Math.max(m, e.end), -Infinity);
    const largest = [...eps].sort((a, b) => b.depth - a.depth || a.start - b.start)[0]!;
    const name = unitName(largest);
    const depth = largest.origin === 'detected' ? `, ${Math.round(largest.depth * 100)} %` : '';
    const during =
      outside.length && inside
        ? ` (and ${new Set(all.filter(inNational).map((e) => e.entity)).size} during the national outage)`
        : !outside.length
          ? ' (all during the national outage)'
          : '';
    parts.push(`regional: ${count}, ${daySpan(from, until)}${name ? `; largest: ${name}${depth}` : ''}${during}`);
  }
  return parts.join('; ');
}

function subnationalJson(e: Episode): SubnationalEpisode {
  const scope = scopeOf(e);
  return {
    scope: scope === 'national' ? 'unknown' : scope,
    entity: e.origin === 'detected' || !e.entity.startsWith('country:') ? e.entity : null,
    area: e.area ?? null,
    start: isoUtc(e.start),
    end: isoUtc(e.end),
    depth: Math.round(e.depth * 1e4) / 1e4,
    kind: e.kind ?? 'connectivity',
    origin: e.origin,
  };
}

/**
 * The two-axis verdict with the entity hierarchy: only national evidence (a country-level episode, a national
 * or unknown-scope reference outage) sets an axis to `outage`/`blocking`, the onset and the depth. Sub-national
 * episodes go into `subnational`; together they make a national connectivity outage only when more than half of
 * the country's units of one type (at least MIN_UNITS_FOR_MAJORITY) are down at once, with the onset at the
 * instant that happens. An axis without national evidence is `normal` when some source had data for it over the
 * window and `no-data` when none did — never "nothing unusual" for lack of data. `regional-outage` is the label
 * when sub-national episodes are all there is.
 */
export function verdictFor(episodes: readonly Episode[], hasData: Record<Axis, boolean>, ctx: VerdictContext = {}): Verdict {
  const national = episodes.filter((e) => isNational(scopeOf(e)));
  const sub = episodes.filter((e) => !isNational(scopeOf(e)));
  const hit = { connectivity: false, services: false };
  for (const e of national) for (const a of axesOf(e.kind)) hit[a] = true;
  let onset: Onset | null = null;
  let depth: number | null = null;
  const onsetOf = (e: Episode): Onset => {
    const step = e.origin === 'detected' ? (e.step ?? null) : DAYS;
    return {
      time: isoUtc(e.start),
      seconds: ctx.eventStart === undefined ? null : e.start - ctx.eventStart,
      entity: e.entity,
      signal: e.firstSignal ?? e.signals[0] ?? null,
      precision: precisionOf(step),
      stepSeconds: step ?? HOUR,
      basis: 'national',
    };
  };
  if (national.length) {
    const first = [...national].sort((a, b) => a.start - b.start)[0]!;
    onset = onsetOf(first);
    depth = national.reduce((m, e) => Math.max(m, e.depth), -Infinity);
  }
  if (!hit.connectivity && ctx.units) {
    const m = majorityOnset(sub, ctx.units, ctx.majority);
    if (m) {
      hit.connectivity = true;
      const first = [...m.episodes].sort((a, b) => a.start - b.start || a.entity.localeCompare(b.entity))[0]!;
      const o = onsetOf({ ...first, start: m.time });
      const majorityOnsetJson: Onset = { ...o, entity: ctx.country ? `country:${ctx.country}` : o.entity, basis: 'subnational-majority' };
      if (!onset || m.time < Date.parse(onset.time) / 1000) onset = majorityOnsetJson;
      const d = m.episodes.reduce((s, e) => s + e.depth, 0) / m.episodes.length;
      depth = Math.max(depth ?? 0, Math.round(d * 1e4) / 1e4);
    }
  }
  const connectivity: ConnectivityVerdict = hit.connectivity ? 'outage' : hasData.connectivity ? 'normal' : 'no-data';
  const services: ServicesVerdict = hit.services ? 'blocking' : hasData.services ? 'normal' : 'no-data';
  return {
    connectivity,
    services,
    label: verdictLabel(connectivity, services, sub.length > 0),
    onset,
    depth: depth === null ? null : Math.round(depth * 1e4) / 1e4,
    subnational: [...sub].sort((a, b) => a.start - b.start || a.entity.localeCompare(b.entity)).map(subnationalJson),
    subnationalSummary: subnationalSummary(sub, national, ctx.units),
  };
}
