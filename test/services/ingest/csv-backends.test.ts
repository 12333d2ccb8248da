import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPointStore } from '../../../db/open.js';
import { main } from '../../../services/cli.js';
import { MONASH_CSV } from '../detector/monash.js';
import { capture, tempDir } from '../../helpers.js';
import { usePostgres } from '../../pg.js';

const pgt = usePostgres({ database: false });

/** Every signal of a database with its points, keyed by entity and name (ids may differ between backends). */
async function pointsOf(where: string) {
  const s = await openPointStore(where);
  try {
    const out: Record<string, Array<{ ts: number; value: number | null }>> = {};
    for (const sig of await s.listSignals()) out[`${sig.entity} ${sig.name}`] = await s.readPoints(sig.id, -1e12, 1e12);
    return out;
  } finally {
    await s.close();
  }
}

describe.skipIf(!pgt.enabled)('`ingest csv` on PostgreSQL stores what it stores on SQLite (issue 23)', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it('the real Monash county file (grouped, local epochs) and a file with bad rows: the same output, rejections and points', async () => {
    const bad = join(t.dir, 'bad.csv');
    // a hand-made export with the mistakes real sheets carry (a word for a time, a unit in a value, a repeated
    // time, milliseconds), standing for a researcher's own series
    writeFileSync(
      bad,
      [
        'time,value',
        '2019-11-16T00:00:00Z,97',
        'yesterday,50',
        '2019-11-16T01:00:00Z,lots',
        '2019-11-16T00:00:00Z,96',
        '2019-11-16T03:00:00Z,12',
        '1573873200000,5',
        '2019-11-16T04:00:00Z,',
      ].join('\n'),
    );
    const sqlite = join(t.dir, 'a.db');
    const url = await pgt.createDatabase();
    const runs: Array<[string[], number]> = [
      [
        [
          MONASH_CSV,
          '--entity',
          'country:IR',
          '--signal',
          'custom.connectivity',
          '--time-column',
          'time_e',
          '--value-column',
          'connectivity',
          '--tz',
          'Asia/Tehran',
          '--epoch-local',
          '--group-column',
          'name_2',
          '--group-entity-type',
          'county',
          '--source-name',
          'Monash IP Observatory',
          '--json',
        ],
        0,
      ],
      [[bad, '--entity', 'country:KZ', '--signal', 'custom.x', '--time-column', 'time', '--value-column', 'value', '--json'], 1],
    ];
    for (const [args, code] of runs) {
      const a = capture();
      const b = capture();
      expect(await main(['--log-level', 'silent', '--db', sqlite, 'ingest', 'csv', ...args], a.io), a.err).toBe(code);
      expect(await main(['--log-level', 'silent', '--db', url, 'ingest', 'csv', ...args], b.io), b.err).toBe(code);
      expect(b.out).toBe(a.out);
      expect(b.err).toBe(a.err);
    }
    // the bad rows named FILE:LINE: field: reason on both, the good rows kept
    const c = capture();
    await main(['--log-level', 'silent', '--db', url, 'ingest', 'csv', ...runs[1]![0].filter((x) => x !== '--json')], c.io);
    expect(c.err.trim().split('\n')).toEqual([
      `${bad}:3: time: "yesterday" is not an ISO 8601 time`,
      `${bad}:4: value: "lots" is not a number`,
      `${bad}:5: time: 2019-11-16T00:00:00Z repeats line 2`,
      `${bad}:7: time: "1573873200000" looks like milliseconds; Unix seconds expected`,
    ]);
    const [pa, pb] = [await pointsOf(sqlite), await pointsOf(url)];
    expect(Object.keys(pa)).toHaveLength(75);
    expect(pa['country:KZ custom.x']).toHaveLength(3);
    expect(pb).toEqual(pa);
  });
});
