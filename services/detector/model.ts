/** What the detector produces (DESIGN.md, "outage"). Times are Unix seconds UTC, [start, end). */
export type OutageKind = 'connectivity' | 'service-blocking' | 'both';
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
}

export interface Outage {
  id?: number;
  entity: string;
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
}

/** Kinds of episode a single signal yields before merging. */
export type EpisodeClass = 'connectivity' | 'service';
