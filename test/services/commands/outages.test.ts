import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../services/cli.js';
import type { tempStore } from '../../helpers.js';
import { iranStore } from '../detector/iran-store.js';

async function cli(args: string[]) {
  let out = '';
  const io = {
    stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: () => true } as unknown as NodeJS.WritableStream,
  };
  const code = await main(['--log-level', 'silent', ...args], io);
  return { code, out };
}

describe('`outages` on the real Iranian county series (Monash IP Observatory, Nov 2019)', () => {
  let t: ReturnType<typeof tempStore>;
  beforeAll(() => {
    t = iranStore();
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
