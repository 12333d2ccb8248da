/** What the detector produces (DESIGN.md, "outage"). Times are Unix seconds UTC, [start, end). */
export type OutageKind = 'connectivity' | 'service-blocking' | 'both' | 'degradation';
export const OUTAGE_KINDS: readonly OutageKind[] = ['connectivity', 'service-blocking', 'both', 'degradation'];
export type Severity = 'warning' | 'critical';

export interface OutageSignal {
  /** `source.metric[:target]` */
  signal: string;
  start: number;
  end: number;
  severity: Severity;
  /** Fraction of baseline lost at the deepest point (0..1); for OONI, the anomaly-rate rise. */
  depth: number;
  /** IODA-style alert area: drop% × minutes. */
  score: number;
  /** Mean fraction of normal lost over the abnormal points (0..1); absent for OONI rates and rows stored before it existed. */
  lost?: number;
  /** OONI rates: the anomaly rate at the deepest point and the normal rate there (0..1; null = no baseline). */
  rate?: number;
  normalRate?: number | null;
}

export interface Outage {
  id?: number;
  entity: string;
  /** The entity this one belongs to (`country:IR` for `county:ir-behbahan`); null for countries and unknown ones. */
  parent?: string | null;
  start: number;
  end: number;
  kind: OutageKind;
  severity: Severity;
  score: number;
  signals: OutageSignal[];
  /** Blocked OONI targets / Google products. */
  targets: string[];
  evidence: Array<{ label: string; url: string }>;
  /** Still going at the end of the data detection saw (its `end` is the last abnormal step's end). */
  open?: boolean;
  /** Percent of normal lost (the largest of its level signals' mean loss); null when only rates (OONI) fell. */
  lostPercent?: number | null;
  /** How long, in hours. */
  hours?: number;
  /** Some contributing signal is synthetic (demo/test data). */
  synthetic?: boolean;
}

/** Kinds of episode a single signal yields before merging. */
export type EpisodeClass = 'connectivity' | 'service' | 'degradation';
