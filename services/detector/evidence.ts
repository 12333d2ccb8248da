import { evidenceLinks } from '../evidence/links.js';

/**
 * Links a researcher can follow to check an outage at its sources (services/evidence/links.ts), limited
 * to the sources whose signals took part, over the outage padded by 6 hours.
 */
export function evidenceFor(
  entity: string,
  start: number,
  end: number,
  signals: string[],
  targets: string[],
): Array<{ label: string; url: string }> {
  const sources = new Set(signals.map((s) => s.split('.')[0]!));
  const pad = 6 * 3600;
  const ooniTargets = targets.filter(() => sources.has('ooni'));
  // only the sources that took part are asked (an outage of IODA signals formats no other source's dates)
  return evidenceLinks(entity, start - pad, end + pad, { ooniTargets, sources })
    .filter((l) => sources.has(l.source) || (l.source === 'ioda' && signals.some((s) => s.startsWith('ioda.'))))
    .filter((l) => !(l.source === 'ooni' && ooniTargets.length > 0 && !targets.some((t) => l.label.endsWith(t))))
    .map((l) => ({ label: l.label, url: l.url }));
}
