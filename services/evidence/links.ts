import { parseEntity } from '../../db/entities.js';

export interface EvidenceLink {
  source: 'ioda' | 'ooni' | 'ripestat' | 'radar';
  label: string;
  url: string;
}

const day = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 10);

/**
 * Links to the sources' own views of the same entity and time range, for pages and reports.
 * Ranges are [from, until) in Unix seconds; OONI and Radar take whole days (OONI's `until` is exclusive).
 */
export function evidenceLinks(entity: string, from: number, until: number, opts: { ooniTargets?: string[] } = {}): EvidenceLink[] {
  const e = parseEntity(entity);
  const links: EvidenceLink[] = [];
  const iodaType = e.type === 'asn' ? 'asn' : e.type === 'region' ? 'region' : e.type === 'country' ? 'country' : null;
  if (iodaType) {
    links.push({ source: 'ioda', label: `IODA dashboard: ${iodaType} ${e.code}`, url: `https://ioda.inetintel.cc.gatech.edu/${iodaType}/${encodeURIComponent(e.code)}?from=${from}&until=${until}` });
  }
  const since = day(from);
  const untilDay = day(until + 86399);
  if (e.type === 'country' || e.type === 'asn') {
    const scope = e.type === 'country' ? `probe_cc=${e.code}` : `probe_asn=AS${e.code}`;
    links.push({ source: 'ooni', label: `OONI Explorer: measurements ${since} to ${untilDay}`, url: `https://explorer.ooni.org/search?${scope}&since=${since}&until=${untilDay}` });
    links.push({
      source: 'ooni',
      label: 'OONI Explorer: measurement aggregation chart',
      url: `https://explorer.ooni.org/chart/mat?${scope}&since=${since}&until=${untilDay}&axis_x=measurement_start_day&test_name=web_connectivity`,
    });
    for (const target of opts.ooniTargets ?? []) {
      const isDomain = target.includes('.');
      const q = isDomain ? `domain=${encodeURIComponent(target)}` : `test_name=${encodeURIComponent(target)}`;
      links.push({ source: 'ooni', label: `OONI Explorer: ${target}`, url: `https://explorer.ooni.org/search?${scope}&since=${since}&until=${untilDay}&${q}` });
    }
  }
  if (e.type === 'country' || e.type === 'asn') {
    const resource = e.type === 'country' ? e.code : `AS${e.code}`;
    links.push({ source: 'ripestat', label: `RIPEstat: ${resource}`, url: `https://stat.ripe.net/${resource}` });
    if (e.type === 'country') {
      links.push({
        source: 'ripestat',
        label: 'RIPEstat data: country-resource-stats',
        url: `https://stat.ripe.net/data/country-resource-stats/data.json?resource=${e.code}&starttime=${new Date(from * 1000).toISOString().slice(0, 19)}&endtime=${new Date(until * 1000).toISOString().slice(0, 19)}`,
      });
    }
  }
  if (e.type === 'country' && until >= Date.UTC(2020, 0, 1) / 1000) {
    links.push({ source: 'radar', label: `Cloudflare Radar: ${e.code}`, url: `https://radar.cloudflare.com/${e.code.toLowerCase()}?dateStart=${since}&dateEnd=${untilDay}` });
  }
  if (e.type === 'asn' && until >= Date.UTC(2020, 0, 1) / 1000) {
    links.push({ source: 'radar', label: `Cloudflare Radar: AS${e.code}`, url: `https://radar.cloudflare.com/as${e.code}?dateStart=${since}&dateEnd=${untilDay}` });
  }
  return links;
}
