import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { upsertEvent } from '../../../db/calendar.js';
import { parseSeed, readSeedText } from '../../../services/calendar/seed.js';
import type { tempStore } from '../../helpers.js';
import { iranStore } from '../detector/iran-store.js';
import { usePostgres } from '../../pg.js';
import { runCli as cli } from '../../cli.js';

const pgt = usePostgres({ database: false });

/** Every file under `dir` (charts included), by its path relative to `dir`. */
function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

const EVENT = 'ir-2019-11-15-fuel-protests';
/** The reports' "generated at" time: the same on both runs, so whole files can be compared. */
const NOW = Date.UTC(2026, 11, 5, 6, 0, 0);

describe.skipIf(!pgt.enabled)('`report` on PostgreSQL writes what it writes on SQLite (issue 23)', () => {
  // REAL data: the Monash IP Observatory's Iranian county series of November 2019 (as the demo loads it), the
  // detector's outages over it, the seed calendar's fuel-protest event, plus the one SYNTHETIC series iranStore
  // adds (labelled as such in the reports). Copied into PostgreSQL with `outagewatch db copy`, then the same
  // `report` commands are run on each backend. The report files name no database, so every file — Markdown,
  // its SVG charts, HTML, the two CSVs, JSON and the `--full-csv` export — must be byte-identical.
  let t: ReturnType<typeof tempStore>;
  let url: string;
  beforeAll(async () => {
    t = await iranStore();
    const ev = parseSeed(readSeedText()).find((e) => e.id === EVENT)!;
    upsertEvent(t.store.db, ev, 0);
    t.store.close();
    url = await pgt.createDatabase();
    const copy = await cli(['db', 'copy', t.path, url]);
    expect(copy.code, copy.err).toBe(0);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterAll(() => {
    vi.useRealTimers();
    t.cleanup();
  });

  const both = async (args: string[]) => {
    const sqlite = join(t.dir, `out-sqlite-${args.join('_').replace(/\W+/g, '')}`);
    const pg = join(t.dir, `out-pg-${args.join('_').replace(/\W+/g, '')}`);
    const a = await cli(['--db', t.path, 'report', ...args, '--out', sqlite]);
    expect(a.code, a.err).toBe(0);
    const b = await cli(['--db', url, 'report', ...args, '--out', pg]);
    expect(b.err).toBe('');
    expect(b.code).toBe(0);
    // the same files, named in the same order
    expect(b.out.split(pg).join('DIR')).toBe(a.out.split(sqlite).join('DIR'));
    return { sqlite: files(sqlite), pg: files(pg) };
  };

  it('--event: Markdown with charts, HTML, CSV, JSON and --full-csv are identical', async () => {
    const r = await both(['--event', EVENT, '--format', 'md,html,csv,json', '--full-csv']);
    expect([...r.pg.keys()].sort()).toEqual([...r.sqlite.keys()].sort());
    expect([...r.sqlite.keys()].some((k) => k.endsWith('.svg'))).toBe(true);
    for (const [name, body] of r.sqlite) expect(r.pg.get(name)?.toString('utf8'), name).toBe(body.toString('utf8'));
    const json = JSON.parse(r.pg.get(`${EVENT}.json`)!.toString('utf8')) as {
      verdict: { label: string };
      licences: Array<{ source: string }>;
      reproducibility: { rows: number; dataHash: string };
    };
    // a real result, not an empty report: the outage, the credited source, every row hashed
    expect(json.verdict.label).toBe('connectivity-outage');
    expect(json.licences.map((l) => l.source)).toContain('Monash IP Observatory');
    expect(json.reproducibility.rows).toBeGreaterThan(300);
    const points = r.pg.get(`${EVENT}.points.csv`)!.toString('utf8').split('\r\n').filter(Boolean);
    expect(points.length).toBeGreaterThan(150); // hourly Monash points of country:IR in the displayed range
  });

  it('--country with a range: the set statistics and every file are identical', async () => {
    const r = await both([
      '--country',
      'IR',
      '--from',
      '2019-11-11',
      '--until',
      '2019-11-20',
      '--format',
      'md,html,csv,json',
      '--full-csv',
    ]);
    expect(r.sqlite.size).toBeGreaterThan(4);
    for (const [name, body] of r.sqlite) expect(r.pg.get(name)?.toString('utf8'), name).toBe(body.toString('utf8'));
  });

  it('an unknown event is exit 2 on PostgreSQL as on SQLite', async () => {
    const r = await cli(['--db', url, 'report', '--event', 'no-such-event', '--out', join(t.dir, 'none')]);
    expect(r.code).toBe(2);
    expect(r.err).toBe('outagewatch: --event: no calendar event "no-such-event" (list the ids with `outagewatch calendar list`)\n');
  });
});
