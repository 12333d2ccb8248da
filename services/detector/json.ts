import { isoUtc } from '../../core/time.js';
import type { Outage, OutageKind, OutageSignal, Severity } from '../../core/outage.js';

/** One outage as `outagewatch outages --json` and `/api/outages` show it (documented in docs/detector.md). */
export interface OutageJson {
  id: number | null;
  entity: string;
  /** The entity this one belongs to (`country:IR` for a county), null for countries and unknown ones. */
  parent: string | null;
  kind: OutageKind;
  severity: Severity;
  start: string;
  end: string;
  durationSeconds: number;
  /** IODA-style overall score: product over datasources of each datasource's largest alert area. */
  score: number;
  /** Percent of normal lost (mean over the abnormal points of its deepest-falling level signal); null when only rates (OONI) rose. */
  lostPercent: number | null;
  /** Duration in hours. */
  hours: number;
  /** Some contributing signal is synthetic (demo or test data). */
  synthetic: boolean;
  /** Still going at the end of the data the detector saw. */
  open: boolean;
  signals: Array<{
    signal: string;
    start: string;
    end: string;
    severity: Severity;
    depth: number;
    score: number;
    lost: number | null;
    rate: number | null;
    normalRate: number | null;
  }>;
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
    parent: o.parent ?? null,
    kind: o.kind,
    severity: o.severity,
    start: isoUtc(o.start),
    end: isoUtc(o.end),
    durationSeconds: o.end - o.start,
    score: round(o.score, 2),
    lostPercent: o.lostPercent === undefined || o.lostPercent === null ? null : round(o.lostPercent, 1),
    hours: round(o.hours ?? (o.end - o.start) / 3600, 2),
    synthetic: o.synthetic ?? false,
    open: o.open ?? false,
    signals: o.signals.map((s) => ({
      signal: s.signal,
      start: isoUtc(s.start),
      end: isoUtc(s.end),
      severity: s.severity,
      depth: round(s.depth, 4),
      score: round(s.score, 2),
      lost: s.lost === undefined ? null : round(s.lost, 4),
      rate: s.rate === undefined ? null : round(s.rate, 4),
      normalRate: s.normalRate === undefined || s.normalRate === null ? null : round(s.normalRate, 4),
    })),
    targets: [...o.targets],
    evidence: o.evidence.map((e) => ({ label: e.label, url: e.url })),
  };
}

/** "anomalies in 93 % of measurements (normally 5 %)" */
export function rateText(percent: number, normalPercent: number | null): string {
  return `anomalies in ${Math.round(percent)} % of measurements${normalPercent === null ? '' : ` (normally ${Math.round(normalPercent)} %)`}`;
}

/** Hours for a reader: "45 min", "6 h", "82 h", "19 days" past a week. */
export function hoursText(hours: number): string {
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  if (hours < 10) return `${Math.round(hours * 10) / 10} h`;
  if (hours < 7 * 24) return `${Math.round(hours)} h`;
  return `${Math.round(hours / 24)} days`;
}

/**
 * What an outage cost, in words instead of the IODA-style score: "lost 92 % of normal for 82 h". Outages where
 * only rates rose (OONI) say how far the anomaly rate rose; degradations say "ran 30 % below normal".
 */
export function lossText(o: Pick<Outage, 'kind' | 'start' | 'end' | 'signals' | 'lostPercent' | 'hours'>): string {
  const hours = hoursText(o.hours ?? (o.end - o.start) / 3600);
  const lost = o.lostPercent;
  if (lost === null || lost === undefined) {
    // rate signals (OONI): how often measurements were anomalous at the peak, and how often normally
    const peak = o.signals.reduce<OutageSignal | null>(
      (m, s) => (typeof s.rate === 'number' && (m === null || s.rate > m.rate!) ? s : m),
      null,
    );
    if (peak) return `${rateText(peak.rate! * 100, typeof peak.normalRate === 'number' ? peak.normalRate * 100 : null)} for ${hours}`;
    const rise = o.signals.length ? o.signals.reduce((m, s) => Math.max(m, s.depth), -Infinity) : null;
    return rise === null ? `for ${hours}` : `anomaly rate up ${Math.round(rise * 100)} points for ${hours}`;
  }
  const pct = lost >= 10 ? Math.round(lost) : Math.round(lost * 10) / 10;
  if (o.kind === 'degradation') return `ran ${pct} % below normal for ${hours}`;
  return `lost ${pct} % of normal for ${hours}`;
}
