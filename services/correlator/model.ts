import { SCOPES, normalizeScope, type Scope } from '../reference/scope.js';

/** The two-axis verdict of DESIGN.md, with the national onset and the sub-national picture beside it. */
export type ConnectivityVerdict = 'outage' | 'normal' | 'no-data';
export type ServicesVerdict = 'blocking' | 'normal' | 'no-data';
export type VerdictLabel =
  'connectivity-outage' | 'service-blocking' | 'both' | 'regional-outage' | 'nothing-unusual' | 'insufficient-data';
export const VERDICT_LABELS: readonly VerdictLabel[] = [
  'connectivity-outage',
  'service-blocking',
  'both',
  'regional-outage',
  'nothing-unusual',
  'insufficient-data',
];

/** How much of a country an outage covers (DESIGN.md "scope"): one vocabulary, read by services/reference/scope.ts. */
export { SCOPES, normalizeScope, type Scope };

/** How exactly the onset is known: the step of the data it was read from. */
export type OnsetPrecision = 'day' | 'hour' | 'minute';

export interface Onset {
  /** ISO 8601 UTC */
  time: string;
  /** seconds from the event start (negative = before); null for a range without an event */
  seconds: number | null;
  entity: string;
  /** the signal the onset was read from (null for a reference list) */
  signal: string | null;
  precision: OnsetPrecision;
  /** step of the data in seconds (86400 for a reference list's dates) */
  stepSeconds: number;
  /** `national` (a country-level episode) or `subnational-majority` (most units of the country down at once) */
  basis: 'national' | 'subnational-majority';
}

export interface SubnationalEpisode {
  scope: Exclude<Scope, 'national'>;
  /** `county:ir-behbahan`, `region:1234`, `asn:9198`; null for a reference outage that names an area only */
  entity: string | null;
  /** human name of the unit or the area of a reference outage */
  area: string | null;
  start: string;
  end: string;
  /** fraction of normal lost at the deepest point (1 for a reference outage without depth) */
  depth: number;
  kind: string;
  origin: string;
}

export interface Verdict {
  connectivity: ConnectivityVerdict;
  services: ServicesVerdict;
  label: VerdictLabel;
  /** when the national outage or blocking began (from country-level evidence only), or null */
  onset: Onset | null;
  /** deepest fraction of normal lost on country-level evidence (null: none) */
  depth: number | null;
  /** sub-national episodes (regions, counties, ASes, regional/local/AS reference outages) */
  subnational: SubnationalEpisode[];
  /** one line such as "regional: 3 of 73 counties, 13–15 Nov; largest: Behbahan, 40 %" (null when none) */
  subnationalSummary: string | null;
}

export function verdictLabel(connectivity: ConnectivityVerdict, services: ServicesVerdict, subnational = false): VerdictLabel {
  if (connectivity === 'outage' && services === 'blocking') return 'both';
  if (connectivity === 'outage') return 'connectivity-outage';
  if (services === 'blocking') return 'service-blocking';
  if (subnational) return 'regional-outage';
  if (connectivity === 'no-data' && services === 'no-data') return 'insufficient-data';
  return 'nothing-unusual';
}

/** The scope of a detected outage from its entity type: a country is national, a region regional, a county local. */
export function entityScope(entity: string): Scope {
  const type = entity.split(':')[0];
  if (type === 'country') return 'national';
  if (type === 'region') return 'regional';
  if (type === 'county') return 'local';
  if (type === 'asn') return 'asn';
  return 'unknown';
}

/** Whether an outage of this scope speaks for the whole country. A list's `unknown` counts: the list names the country. */
export const isNational = (scope: Scope) => scope === 'national' || scope === 'unknown';
