import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { tempStore } from '../../helpers.js';
import { iranStore } from '../detector/iran-store.js';
import { usePostgres } from '../../pg.js';
import { runCli as cli } from '../../cli.js';

const pgt = usePostgres({ database: false });

describe('`outages` on the real Iranian county series (Monash IP Observatory, Nov 2019)', () => {
  let t: ReturnType<typeof tempStore>;
  beforeAll(async () => {
    t = await iranStore();
    t.store.close();
  });
  afterAll(() => t.cleanup());

  it('--json keeps one row per episode with its entity and parent, the loss in numbers and the synthetic flag', async () => {
    const r = await cli(['--db', t.path, 'outages', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out) as Array<{
      entity: string;
      parent: string | null;
      start: string;
      kind: string;
      lostPercent: number | null;
      hours: number;
      score: number;
      synthetic: boolean;
    }>;
    const national = list.filter((o) => o.entity === 'country:IR');
    expect(national).toHaveLength(1);
    expect(national[0]).toMatchObject({ parent: null, kind: 'connectivity', start: '2019-11-16T17:30:00Z', synthetic: false, hours: 82 });
    const counties = list.filter((o) => o.entity.startsWith('county:'));
    expect(new Set(counties.map((o) => o.entity)).size).toBe(73);
    expect(counties.every((o) => o.parent === 'country:IR')).toBe(true);
    expect(counties.find((o) => o.entity === 'county:ir-behbahan')).toBeDefined();
    // the IODA-style score stays in JSON beside the new numbers
    expect(national[0]!.score).toBeGreaterThan(1000);
    const kz = list.filter((o) => o.entity === 'country:KZ');
    expect(kz).toHaveLength(1);
    expect(kz[0]).toMatchObject({ synthetic: true, hours: 6, lostPercent: 90 });
  });

  it('the table says "lost X % of normal for Y h", marks synthetic rows and counts sub-national rows per parent', async () => {
    const r = await cli(['--db', t.path, 'outages']);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/\d\.\d+e[+-]\d/);
    expect(r.out).not.toMatch(/\bscore\b/);
    expect(r.out).toMatch(/country:IR +connectivity +critical +2019-11-16T17:30:00Z .* lost 9\d % of normal for 82 h/);
    expect(r.out).toMatch(/country:KZ SYNTHETIC .* lost 90 % of normal for 6 h/);
    expect(r.out).toMatch(/^country:IR: \d+ sub-national outages in 73 county units, 2019-11-1\d to 2019-11-20$/m);
    // the national rows come first, the county block after its count line
    expect(r.out.indexOf('country:IR: ')).toBeGreaterThan(r.out.indexOf('country:KZ SYNTHETIC'));
    expect(r.out).toContain('1 of ');
  });
});

describe.skipIf(!pgt.enabled)('`outages` on PostgreSQL gives what it gives on SQLite (issue 23)', () => {
  // The same detections on both backends: the Iranian county database above, copied into PostgreSQL with
  // `outagewatch db copy` (outages included), then listed with the same filters on each.
  let t: ReturnType<typeof tempStore>;
  let url: string;
  beforeAll(async () => {
    t = await iranStore();
    t.store.close();
    url = await pgt.createDatabase();
    // outages (and the detector's state) are copied
    const copy = await cli(['db', 'copy', t.path, url]);
    expect(copy.code, copy.err).toBe(0);
  });
  afterAll(() => t.cleanup());

  it.each([
    [[]],
    [['--country', 'IR']],
    [['--entity', 'country:KZ']],
    [['--country', 'ir', '--from', '2019-11-17', '--until', '2019-11-18']],
    [['--kind', 'connectivity']],
  ])('outages --json %j: the same list', async (filter: string[]) => {
    const a = await cli(['--db', t.path, 'outages', '--json', ...filter]);
    const b = await cli(['--db', url, 'outages', '--json', ...filter]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const la = JSON.parse(a.out) as unknown[];
    expect(la.length).toBeGreaterThan(0);
    expect(JSON.parse(b.out)).toEqual(la);
  });

  it('the table too, with its sub-national summary lines', async () => {
    const a = await cli(['--db', t.path, 'outages']);
    const b = await cli(['--db', url, 'outages']);
    expect(b.code).toBe(0);
    expect(b.out).toBe(a.out);
    expect(b.out).toMatch(/^country:IR: \d+ sub-national outages in 73 county units/m);
  });
});
