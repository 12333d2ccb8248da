import { isoUtc } from '../util/time.js';
import type { Outage, OutageKind, Severity } from './model.js';

/** One outage as `outagewatch outages --json` and `/api/outages` show it (documented in docs/detector.md). */
export interface OutageJson {
  id: number | null;
  entity: string;
  kind: OutageKind;
  severity: Severity;
  start: string;
  end: string;
  durationSeconds: number;
  /** IODA-style overall score: product over datasources of each datasource's largest alert area. */
  score: number;
  /** Still going at the end of the data the detector saw. */
  open: boolean;
  signals: Array<{ signal: string; start: string; end: string; severity: Severity; depth: number; score: number }>;
  targets: string[];
  evidence: Array<{ label: string; url: string }>;
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function outageToJson(o: Outage): OutageJson {
  return {
    id: o.id ?? null,
    entity: o.entity,
    kind: o.kind,
    severity: o.severity,
    start: isoUtc(o.start),
    end: isoUtc(o.end),
    durationSeconds: o.end - o.start,
    score: round(o.score, 2),
    open: o.open ?? false,
    signals: o.signals.map((s) => ({ signal: s.signal, start: isoUtc(s.start), end: isoUtc(s.end), severity: s.severity, depth: round(s.depth, 4), score: round(s.score, 2) })),
    targets: [...o.targets],
    evidence: o.evidence.map((e) => ({ label: e.label, url: e.url })),
  };
}
