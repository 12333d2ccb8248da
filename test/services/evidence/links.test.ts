import { describe, expect, it } from 'vitest';
import { evidenceLinks } from '../../../services/evidence/links.js';

describe('evidence links', () => {
  it('point at the sources for the same country and range; no Radar before 2020', () => {
    const from = Date.UTC(2016, 4, 19) / 1000;
    const until = Date.UTC(2016, 4, 24) / 1000;
    const links = evidenceLinks('country:KZ', from, until, { ooniTargets: ['facebook.com', 'whatsapp'] });
    const urls = links.map((l) => l.url);
    expect(urls).toContain(`https://ioda.inetintel.cc.gatech.edu/country/KZ?from=${from}&until=${until}`);
    expect(urls).toContain('https://explorer.ooni.org/search?probe_cc=KZ&since=2016-05-19&until=2016-05-24&domain=facebook.com');
    expect(urls).toContain('https://explorer.ooni.org/search?probe_cc=KZ&since=2016-05-19&until=2016-05-24&test_name=whatsapp');
    expect(urls).toContain('https://stat.ripe.net/KZ');
    expect(links.some((l) => l.source === 'radar')).toBe(false);
    const recent = evidenceLinks('country:KZ', Date.UTC(2022, 0, 4) / 1000, Date.UTC(2022, 0, 8) / 1000);
    expect(recent.find((l) => l.source === 'radar')!.url).toBe('https://radar.cloudflare.com/kz?dateStart=2022-01-04&dateEnd=2022-01-08');
  });

  it('uses AS scopes for networks', () => {
    const links = evidenceLinks('asn:9198', 1463616000, 1463702400);
    expect(links.map((l) => l.url)).toContain('https://ioda.inetintel.cc.gatech.edu/asn/9198?from=1463616000&until=1463702400');
    expect(links.map((l) => l.url)).toContain('https://explorer.ooni.org/search?probe_asn=AS9198&since=2016-05-19&until=2016-05-20');
  });

  it('asking for some sources gives exactly their links among all (each link names the source whose module made it)', () => {
    // the detector asks only for the sources whose signals took part in an outage: that must leave every link it
    // kept before, for every kind of entity and era
    const ranges: Array<[number, number]> = [
      [Date.UTC(2016, 4, 19) / 1000, Date.UTC(2016, 4, 24) / 1000],
      [Date.UTC(2022, 0, 4) / 1000, Date.UTC(2022, 0, 8) / 1000],
    ];
    for (const entity of ['country:KZ', 'asn:9198', 'region:1234', 'county:ir-behbahan'])
      for (const [from, until] of ranges) {
        const all = evidenceLinks(entity, from, until, { ooniTargets: ['whatsapp'] });
        const names = [...new Set(all.map((l) => l.source))];
        for (const name of names) {
          const only = evidenceLinks(entity, from, until, { ooniTargets: ['whatsapp'], sources: new Set([name]) });
          expect(only).toEqual(all.filter((l) => l.source === name));
        }
        expect(evidenceLinks(entity, from, until, { sources: new Set(['ioda', 'ooni']) })).toEqual(
          evidenceLinks(entity, from, until).filter((l) => l.source === 'ioda' || l.source === 'ooni'),
        );
        expect(evidenceLinks(entity, from, until, { sources: new Set() })).toEqual([]);
      }
  });
});
