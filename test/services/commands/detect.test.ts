import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertEvent } from '../../../db/calendar.js';
import { openRepositories } from '../../../db/open.js';
import { parseSeed, readSeedText } from '../../../services/calendar/seed.js';
import { iranStore } from '../detector/iran-store.js';
import { usePostgres } from '../../pg.js';
import { runCli as cli } from '../../cli.js';

const pgt = usePostgres({ database: false });

/** The outage changes (alert history) a database holds, without row ids and the wall-clock time they were written. */
async function changes(where: string) {
  const r = await openRepositories(where);
  try {
    return (await r.alerts.listChanges({ limit: 100_000 })).map(({ id: _id, createdAt: _c, ...c }) => c);
  } finally {
    await r.close();
  }
}

describe.skipIf(!pgt.enabled)('`detect` on PostgreSQL gives what it gives on SQLite (issue 23)', () => {
  // The real Iranian county series (Monash IP Observatory, November 2019) and one SYNTHETIC drop in Kazakhstan,
  // and the calendar's Iranian fuel protests, loaded and not yet detected, copied into PostgreSQL with `outagewatch db copy`; then the same commands on each.
  let t: Awaited<ReturnType<typeof iranStore>>;
  let url: string;
  beforeAll(async () => {
    t = await iranStore({ detect: false });
    // the fuel protests of November 2019 make Iran (and its counties) watched: alerts record their outages' changes
    upsertEvent(
      t.store.db,
      parseSeed(readSeedText()).find((e) => e.id === 'ir-2019-11-15-fuel-protests')!,
      0,
    );
    t.store.close();
    url = await pgt.createDatabase();
    const copy = await cli(['db', 'copy', t.path, url]);
    expect(copy.code, copy.err).toBe(0);
  });
  afterAll(() => t.cleanup());

  it('detect --json, then outages --json and the alert changes recorded: the same on both', async () => {
    const a = await cli(['--db', t.path, 'detect', '--json']);
    const b = await cli(['--db', url, 'detect', '--json']);
    expect([a.code, b.code], b.err).toEqual([0, 0]);
    const da = JSON.parse(a.out) as { entities: number; outages: unknown[] };
    expect(da.entities).toBe(75);
    expect(da.outages.length).toBeGreaterThan(100);
    expect(JSON.parse(b.out)).toEqual(da);
    const la = await cli(['--db', t.path, 'outages', '--json']);
    const lb = await cli(['--db', url, 'outages', '--json']);
    expect(lb.out).toBe(la.out);
    const ca = await changes(t.path);
    expect(ca.length).toBeGreaterThan(0);
    expect(await changes(url)).toEqual(ca);
  });

  it('alert changes stored on SQLite with their outage shared (migration 0109) read the same once copied into PostgreSQL', async () => {
    // SQLite stores an ended change's outage once, in its started change's row; PostgreSQL writes whole payloads.
    // A database detected on SQLite (above) and then copied keeps SQLite's form, and PostgreSQL reads it back the same
    const db = new Database(t.path, { readonly: true });
    try {
      expect((db.prepare('SELECT count(*) AS n FROM outage_changes WHERE body_of IS NOT NULL').get() as { n: number }).n).toBeGreaterThan(
        0,
      );
    } finally {
      db.close();
    }
    const url2 = await pgt.createDatabase();
    const copy = await cli(['db', 'copy', t.path, url2]);
    expect(copy.code, copy.err).toBe(0);
    const ca = await changes(t.path);
    expect(ca.length).toBeGreaterThan(0);
    expect(await changes(url2)).toEqual(ca);
  });

  it('a window detected again (as after a collection) goes on from the stored state and keeps every unchanged outage and its id', async () => {
    const before = await cli(['--db', url, 'outages', '--json']);
    const args = ['detect', '--entity', 'country:IR', '--from', '2019-11-19', '--until', '2019-11-21'];
    const a = await cli(['--db', t.path, ...args]);
    const b = await cli(['--db', url, ...args]);
    expect([a.code, b.code], b.err).toEqual([0, 0]);
    expect(b.out).toBe(a.out);
    expect(b.out).toMatch(/^country:IR +connectivity +critical +2019-11-16T17:30:00Z/m);
    expect(b.out).not.toContain('detected again from the start');
    expect((await cli(['--db', url, 'outages', '--json'])).out).toBe(before.out);
    // ids included: rows not rewritten
    const ids = (s: string) => (JSON.parse(s) as Array<{ id: number }>).map((o) => o.id);
    expect(ids((await cli(['--db', url, 'outages', '--json'])).out)).toEqual(ids(before.out));
  });
});
