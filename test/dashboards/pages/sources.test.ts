import { afterAll, describe, expect, it } from 'vitest';
import { listingsFor } from '../../../db/listings.js';
import { openPointStore } from '../../../db/open.js';
import type { PointStore } from '../../../db/repository.js';
import { tempDir } from '../../helpers.js';
import { usePostgres } from '../../pg.js';

// The demo's Monash IPOBS file gives 73 Iranian counties one row each: /sources ran to 12,000+ px listing them.
// The grouping is done in SQL (db/listings.ts), the same on SQLite and PostgreSQL.

const pgt = usePostgres({ database: false });
const dirs: Array<ReturnType<typeof tempDir>> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

const FROM = Date.UTC(2019, 10, 10, 20, 30) / 1000;
const UNTIL = Date.UTC(2019, 10, 20, 3, 30) / 1000;

const BACKENDS = [
  {
    name: 'sqlite',
    enabled: true,
    open: () => {
      const d = tempDir();
      dirs.push(d);
      return openPointStore(`${d.dir}/ow.db`);
    },
  },
  { name: 'postgres', enabled: pgt.enabled, open: async () => openPointStore(await pgt.createDatabase()) },
];

for (const b of BACKENDS) {
  describe.skipIf(!b.enabled)(`/sources coverage grouping on ${b.name}`, () => {
    it('folds many regions or counties of one country into one group, and keeps countries, networks and small sets as rows', async () => {
      const s: PointStore = await b.open();
      try {
        const counties = Array.from({ length: 73 }, (_, i) => `county:ir-${String(i).padStart(2, '0')}`);
        const countryOf: Array<[string, string | null]> = [
          ['country:IR', 'IR'],
          ['country:KZ', 'KZ'],
          ...counties.map((c) => [c, 'IR'] as [string, string]),
          ['region:1', 'KZ'],
          ['region:2', 'KZ'],
          ['asn:9198', 'KZ'],
          ['county:xx-1', null],
        ];
        for (const [entity, country] of countryOf) {
          await s.ensureEntity(entity, country === null ? {} : { country });
          await s.writeWindow({
            collector: 'csv',
            entity,
            from: FROM,
            until: UNTIL,
            series: [],
            coverage: [{ signal: 'custom.connectivity', status: 'ok' }],
          });
        }
        const l = listingsFor(s);
        const groups = await l.coverageGroups({});
        expect(groups.map((g) => [`${g.country} ${g.type}`, g.entities, g.rows, g.signals])).toEqual([
          ['IR county', 73, 73, ['csv custom.connectivity']],
        ]);
        expect(groups[0]).toMatchObject({ first: FROM, until: UNTIL, gaps: 0 });
        // two KZ regions are too few to fold; a network is a row of its own; an entity without a country stays a row
        expect(await l.countCoverage({ part: 'singles' })).toBe(6);
        const singles = await l.pageCoverage({ part: 'singles' }, { key: 'entity', dir: 'asc' }, 0, 100);
        expect(singles.map((r) => r.entity)).toEqual(['asn:9198', 'country:IR', 'country:KZ', 'county:xx-1', 'region:1', 'region:2']);
        const inGroup = await l.pageCoverage({ part: { country: 'IR', type: 'county' } }, { key: 'entity', dir: 'desc' }, 70, 100);
        expect(inGroup.map((r) => r.entity)).toEqual(['county:ir-02', 'county:ir-01', 'county:ir-00']);
        expect(await l.countCoverage({ part: { country: 'IR', type: 'county' } })).toBe(73);
      } finally {
        await s.close();
      }
    });
  });
}
