import { describe, expect, it } from 'vitest';
import type { Episode } from '../../../services/detector/drops.js';
import { mergeEpisodes } from '../../../services/detector/merge.js';
import { outageToJson } from '../../../services/detector/json.js';

const ep = (signal: string, start: number, end: number, score: number, extra: Partial<Episode> = {}): Episode => ({
  signal,
  class: signal.startsWith('ooni.') || signal.startsWith('ioda.gtr') ? 'service' : 'connectivity',
  target: signal.includes(':') ? signal.split(':')[1]! : null,
  start,
  end,
  severity: 'warning',
  depth: 0.5,
  score,
  open: false,
  ...extra,
});

describe('merging episodes into outages', () => {
  it('merges overlapping episodes; the score is the product of each datasource’s largest alert area', () => {
    const out = mergeEpisodes('country:KZ', [
      ep('ioda.bgp', 1000, 5000, 10),
      ep('ioda.ping-slash24', 2000, 6000, 30, { severity: 'critical' }),
      ep('ioda.ping-slash24', 5500, 7000, 50),
      ep('ioda.bgp', 9000, 9600, 4),
    ]);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ start: 1000, end: 7000, kind: 'connectivity', severity: 'critical', score: 10 * 50 });
    expect(out[0]!.signals).toHaveLength(3);
    expect(out[1]).toMatchObject({ start: 9000, end: 9600, score: 4 });
  });

  it('Google traffic falling with the network is connectivity; falling while it holds is service blocking', () => {
    const dark = mergeEpisodes('country:IR', [ep('ioda.bgp', 0, 10_000, 5), ep('ioda.gtr:YOUTUBE', 600, 9000, 7)]);
    expect(dark[0]).toMatchObject({ kind: 'connectivity', targets: [] });
    const blocked = mergeEpisodes('country:KZ', [ep('ioda.gtr:YOUTUBE', 0, 86400, 7), ep('ioda.gtr:FACEBOOK', 0, 86400, 9)]);
    expect(blocked[0]).toMatchObject({ kind: 'service-blocking', targets: ['FACEBOOK', 'YOUTUBE'], score: 9 });
    const both = mergeEpisodes('country:KZ', [ep('ioda.bgp', 0, 3600, 5), ep('ooni.anomaly_rate:facebook.com', 0, 86400, 2)]);
    expect(both[0]).toMatchObject({ kind: 'both', targets: ['facebook.com'], score: 10 });
  });

  it('degradations merge only with each other: a blocking inside one stays its own outage', () => {
    const deg = ep('custom.traffic:youtube.com', 0, 30 * 86400, 1000, { class: 'degradation', lost: 0.3 });
    const block = ep('custom.traffic:youtube.com', 10 * 86400, 10 * 86400 + 3600, 50, { class: 'service', lost: 0.9 });
    const out = mergeEpisodes('country:RU', [deg, block]);
    expect(out.map((o) => [o.kind, o.lostPercent])).toEqual([
      ['degradation', 30],
      ['service-blocking', 90],
    ]);
    expect(out[0]!.targets).toEqual(['youtube.com']);
  });

  it('renders the JSON shape of `outages --json` and the API', () => {
    const [o] = mergeEpisodes('country:KZ', [ep('ioda.bgp', 1463716800, 1463720400, 12.345678, { lost: 0.41234 })], new Set(['ioda.bgp']));
    expect(outageToJson({ ...o!, id: 7 })).toEqual({
      id: 7,
      entity: 'country:KZ',
      parent: null,
      kind: 'connectivity',
      severity: 'warning',
      start: '2016-05-20T04:00:00Z',
      end: '2016-05-20T05:00:00Z',
      durationSeconds: 3600,
      score: 12.35,
      lostPercent: 41.2,
      hours: 1,
      synthetic: true,
      open: false,
      signals: [
        {
          signal: 'ioda.bgp',
          start: '2016-05-20T04:00:00Z',
          end: '2016-05-20T05:00:00Z',
          severity: 'warning',
          depth: 0.5,
          score: 12.35,
          lost: 0.4123,
          rate: null,
          normalRate: null,
        },
      ],
      targets: [],
      evidence: [
        { label: 'IODA dashboard: country KZ', url: 'https://ioda.inetintel.cc.gatech.edu/country/KZ?from=1463695200&until=1463742000' },
      ],
    });
  });
});
