import type { Outage } from '../../core/outage.js';

/** 5 January 2022 (Kazakhstan's shutdown week), whole hours from it. */
export const T0 = Date.UTC(2022, 0, 5) / 1000;
export const H = 3600;

/** A stored-outage-shaped connectivity outage of country:KZ seen on `ioda.bgp` (the tests' own, not detected). */
export function outage(start: number, hours: number, extra: Partial<Outage> = {}): Outage {
  return {
    entity: 'country:KZ',
    start,
    end: start + hours * H,
    kind: 'connectivity',
    severity: 'critical',
    score: 12.5,
    signals: [{ signal: 'ioda.bgp', start, end: start + hours * H, severity: 'critical', depth: 0.9, score: 12.5, lost: 0.8 }],
    targets: [],
    evidence: [{ label: 'IODA "country" view', url: 'https://ioda.inetintel.cc.gatech.edu/country/KZ' }],
    open: false,
    ...extra,
  };
}
