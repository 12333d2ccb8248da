import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers.js';
import { usePostgres } from '../../pg.js';
import { openPointStore } from '../../../db/open.js';
import { runCli as cli } from '../../cli.js';

const pgt = usePostgres({ database: false });

/** Every signal's points and the source events, keyed by entity and name (ids differ between backends). */
async function pointsOf(where: string) {
  const s = await openPointStore(where);
  try {
    const out: Record<string, unknown> = {};
    for (const sig of await s.listSignals()) out[`${sig.entity} ${sig.name}`] = await s.readPoints(sig.id, -1e12, 1e12);
    // without the row id and the wall-clock second the file was read in
    out['source events'] = (await s.listSourceEvents()).map(({ id: _id, fetchedAt: _f, ...e }) => e);
    return out;
  } finally {
    await s.close();
  }
}

// three demos and six listings on two backends: ~10 s on an idle 2-core machine, over 30 s under load (stop 27's CI)
describe.skipIf(!pgt.enabled)(
  '`demo` and `ingest <source>` on PostgreSQL do what they do on SQLite (issue 23)',
  { timeout: 180_000 },
  () => {
    const t = tempDir();
    afterAll(() => t.cleanup());

    it('demo: the same steps, the same SYNTHETIC and REAL series, and the same detected outages on both backends', async () => {
      const sqlite = join(t.dir, 'demo.db');
      const url = await pgt.createDatabase();
      const a = await cli(['--db', sqlite, 'demo', '--json']);
      const b = await cli(['--db', url, 'demo', '--json']);
      expect([a.code, b.code], b.err || a.err).toEqual([0, 0]);
      const steps = JSON.parse(a.out) as Array<{ step: string; ok: boolean; message: string }>;
      expect(steps.map((s) => s.step)).toEqual([
        'calendar seed',
        'IODA Kazakhstan (SYNTHETIC)',
        'OONI Kazakhstan (SYNTHETIC)',
        'Iran November 2019 (REAL, Monash IP Observatory)',
        'detect',
      ]);
      expect(steps.every((s) => s.ok)).toBe(true);
      expect(JSON.parse(b.out)).toEqual(steps);

      // what a user then reads: the outages (each labelled SYNTHETIC where it comes from generated data)
      const la = await cli(['--db', sqlite, 'outages', '--json']);
      const lb = await cli(['--db', url, 'outages', '--json']);
      expect([la.code, lb.code]).toEqual([0, 0]);
      const outages = JSON.parse(la.out) as Array<{ entity: string; synthetic: boolean }>;
      expect(outages.some((o) => o.entity === 'country:KZ' && o.synthetic)).toBe(true);
      expect(outages.some((o) => o.entity === 'country:IR' && !o.synthetic)).toBe(true);
      expect(JSON.parse(lb.out)).toEqual(outages);
      // and the table form, as printed
      const ta = await cli(['--db', sqlite, 'outages', '--country', 'KZ']);
      const tb = await cli(['--db', url, 'outages', '--country', 'KZ']);
      expect(tb.out).toBe(ta.out);
      expect(ta.out).toMatch(/SYNTHETIC/);

      // a second demo changes nothing (the ingests upsert; detection finds the same)
      const again = await cli(['--db', url, 'demo']);
      expect(again.code, again.err).toBe(0);
      // and it names the command that serves the dashboard on this backend (`start` runs collectors and dashboard in
      // one process on SQLite only)
      expect(again.out).toMatch(/demo data ready in postgres:\/\/\S+; start the dashboard with: outagewatch serve\n$/);
      expect((await cli(['--db', url, 'outages', '--json'])).out).toBe(lb.out);
    });

    it('ingest ioda: saved responses go in on PostgreSQL as on SQLite; the ones that do not fit are rejected with file and reason', async () => {
      const sqlite = join(t.dir, 'ingest.db');
      const url = await pgt.createDatabase();
      // real IODA responses (provenance in test/fixtures/ioda/SOURCES.md); the last two are shapes the ingest refuses
      const files = [
        'signals-raw-country-KZ-bgp-20160520.json',
        'signals-raw-country-KZ-gtr-20160520.json',
        'outages-events-country-KZ-20160520.json',
        'signals-raw-asn-1299-upstream-delay-penult-asns.json',
        'outages-summary-county-2159.json',
      ].map((f) => join(process.cwd(), 'test', 'fixtures', 'ioda', f));
      const a = await cli(['--db', sqlite, 'ingest', 'ioda', ...files]);
      const b = await cli(['--db', url, 'ingest', 'ioda', ...files]);
      expect([a.code, b.code]).toEqual([1, 1]);
      expect(a.out).toMatch(/3 of 5 file\(s\) ingested: 480 points, 2 source events, 2 rejected\n$/);
      expect(b.out).toBe(a.out);
      // the same rows: what the chart API serves for each signal
      expect(await pointsOf(url)).toEqual(await pointsOf(sqlite));
      // twice changes nothing (the exit code of a rejected file is left on the process by the CLI, as it is run)
      process.exitCode = undefined;
      const again = await cli(['--db', url, 'ingest', 'ioda', '--json', ...files.slice(0, 3)]);
      expect(again.code, again.err).toBe(0);
      expect(JSON.parse(again.out)).toMatchObject({ files: 3, filesOk: 3, points: 480, events: 2, failures: [] });
      expect(await pointsOf(url)).toEqual(await pointsOf(sqlite));
    });
  },
);
