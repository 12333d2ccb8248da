import { describe, expect, it } from 'vitest';
import type { CoverageJson } from '../../../dashboards/api/sources.js';
import { groupCoverage } from '../../../dashboards/pages/sources.js';

// The demo's Monash IPOBS file gives 73 Iranian counties one row each: /sources ran to 12,000+ px listing them.
const row = (entity: string): CoverageJson => ({
  collector: 'csv',
  entity,
  signal: 'custom.connectivity',
  first: '2019-11-10T20:30:00Z',
  until: '2019-11-20T03:30:00Z',
  okSeconds: 800_000,
  noDataSeconds: 0,
  gaps: [],
  updatedAt: '2026-11-27T12:00:00Z',
});

describe('/sources coverage grouping', () => {
  it('folds many regions or counties of one country into one group, and keeps countries, networks and small sets as rows', () => {
    const counties = Array.from({ length: 73 }, (_, i) => `county:ir-${String(i).padStart(2, '0')}`);
    const rows = [
      row('country:IR'),
      row('country:KZ'),
      ...counties.map(row),
      row('region:kz-1'),
      row('region:kz-2'),
      row('asn:9198'),
      row('county:xx-1'),
    ];
    const countryOf = new Map<string, string | null>([
      ['country:IR', 'IR'],
      ['country:KZ', 'KZ'],
      ...counties.map((c) => [c, 'IR'] as [string, string]),
      ['region:kz-1', 'KZ'],
      ['region:kz-2', 'KZ'],
      ['asn:9198', 'KZ'],
      ['county:xx-1', null],
    ]);
    const g = groupCoverage(rows, countryOf);
    expect(g.groups.map((x) => [x.key, x.rows.length])).toEqual([['IR county', 73]]);
    // two KZ regions are too few to fold; a network is a row of its own; an entity without a country stays a row
    expect(g.single.map((r) => r.entity).sort()).toEqual([
      'asn:9198',
      'country:IR',
      'country:KZ',
      'county:xx-1',
      'region:kz-1',
      'region:kz-2',
    ]);
  });
});
