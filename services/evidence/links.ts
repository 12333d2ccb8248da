import { parseEntity } from '../../db/entities.js';
import { evidenceLinksFor, type EvidenceLink } from '../sources.js';

export type { EvidenceLink } from '../sources.js';

/**
 * Links to the sources' own views of the same entity and time range, for pages and reports; each source
 * declares its links in its collector module. Ranges are [from, until) in Unix seconds; OONI and Radar take
 * whole days (OONI's `until` is exclusive). `sources`: only these sources' links (all when absent).
 */
export function evidenceLinks(
  entity: string,
  from: number,
  until: number,
  opts: { ooniTargets?: string[]; sources?: ReadonlySet<string> } = {},
): EvidenceLink[] {
  return evidenceLinksFor(parseEntity(entity), from, until, opts);
}
