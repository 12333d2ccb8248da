import { readFileSync } from 'node:fs';
import { sqliteRepositories } from '../../db/sqlite-repositories.js';
import { afterEach, describe, expect, it } from 'vitest';
import { iodaSyntheticDemoStep, writeSyntheticIodaResponses } from '../../services/demo/ioda-synthetic.js';
import { DEMO_STEPS } from '../../services/demo/steps.js';
import { loadConfig } from '../../services/program-config.js';
import { silentLogger } from '../../core/logger.js';
import { tempDir, tempStore } from '../helpers.js';

const t0 = (iso: string) => Date.parse(iso) / 1000;

describe('demo: synthetic IODA series for Kazakhstan', () => {
  let s: ReturnType<typeof tempStore> | undefined;
  afterEach(() => s?.cleanup());

  it('is a demo step, before detection', () => {
    const names = DEMO_STEPS.map((x) => x.name);
    expect(names).toContain(iodaSyntheticDemoStep.name);
    const det = names.findIndex((n) => /detect/i.test(n));
    if (det >= 0) expect(names.indexOf(iodaSyntheticDemoStep.name)).toBeLessThan(det);
  });

  it('is seeded: the same seed gives the same files', () => {
    const a = tempDir();
    const b = tempDir();
    try {
      const fa = writeSyntheticIodaResponses(a.dir, 7);
      const fb = writeSyntheticIodaResponses(b.dir, 7);
      expect(fa.length).toBe(7);
      fa.forEach((f, i) => expect(readFileSync(f, 'utf8')).toBe(readFileSync(fb[i]!, 'utf8')));
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });

  it('goes through the IODA ingest path, flags every signal synthetic, and shows blocking in May 2016 while the network held', async () => {
    s = tempStore();
    const msg = await iodaSyntheticDemoStep.run({
      repos: sqliteRepositories(s.store),
      config: loadConfig({ env: {}, cwd: '/' }),
      log: silentLogger,
      root: '/',
    });
    expect(msg).toMatch(/SYNTHETIC/);
    const sigs = s.store.listSignals('country:KZ');
    expect(sigs.map((x) => x.name).sort()).toEqual([
      'ioda.bgp',
      'ioda.gtr:GMAIL',
      'ioda.gtr:MAPS',
      'ioda.gtr:WEB_SEARCH',
      'ioda.gtr:YOUTUBE',
      'ioda.merit-nt',
      'ioda.ping-slash24',
    ]);
    expect(sigs.every((x) => x.synthetic)).toBe(true);
    const meta = s.store.db.prepare("SELECT meta FROM signals WHERE name = 'ioda.gtr:YOUTUBE'").get() as { meta: string };
    expect(JSON.parse(meta.meta)).toMatchObject({ synthetic: true, note: expect.stringMatching(/SYNTHETIC/) });
    const mean = (name: string, from: string, until: string) => {
      const id = sigs.find((x) => x.name === name)!.id;
      const rows = s!.store.readRollup(id, 'daily', t0(from), t0(until));
      return rows.reduce((a, r) => a + (r.mean ?? 0), 0) / rows.length;
    };
    // 21 May 2016: YouTube falls far below its level a week earlier; BGP does not move
    expect(mean('ioda.gtr:YOUTUBE', '2016-05-21', '2016-05-22') / mean('ioda.gtr:YOUTUBE', '2016-05-14', '2016-05-15')).toBeLessThan(0.15);
    expect(mean('ioda.bgp', '2016-05-21', '2016-05-22') / mean('ioda.bgp', '2016-05-14', '2016-05-15')).toBeGreaterThan(0.99);
    // 6 Jan 2022: the network itself is dark
    expect(mean('ioda.ping-slash24', '2022-01-06', '2022-01-07') / mean('ioda.ping-slash24', '2021-12-29', '2021-12-30')).toBeLessThan(0.2);
    // ingesting again changes nothing (upserts)
    const n = (s.store.db.prepare('SELECT count(*) AS n FROM points').get() as { n: number }).n;
    await iodaSyntheticDemoStep.run({
      repos: sqliteRepositories(s.store),
      config: loadConfig({ env: {}, cwd: '/' }),
      log: silentLogger,
      root: '/',
    });
    expect((s.store.db.prepare('SELECT count(*) AS n FROM points').get() as { n: number }).n).toBe(n);
  });
});
