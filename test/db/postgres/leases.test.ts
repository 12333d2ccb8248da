import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgWindowLeases } from '../../../db/postgres/leases.js';
import { PgPointStore } from '../../../db/postgres/store.js';
import type { WindowKey } from '../../../db/leases.js';
import { usePostgres } from '../../pg.js';

// Lease pruning (issue 23): collect_leases keeps a row per window a collector ever claimed; rows nobody holds and
// nobody touched for the horizon go, a live claim never does. Windows stand for IODA day windows of a backfill.

const pgt = usePostgres({ database: false });
const DAY = 86400;
const D0 = Date.UTC(2024, 0, 1) / 1000;
const win = (d: number, entity = 'country:IR'): WindowKey => ({
  collector: 'ioda',
  entity,
  group: 'bgp',
  from: D0 + d * DAY,
  until: D0 + (d + 1) * DAY,
});

describe.skipIf(!pgt.enabled)('lease pruning on PostgreSQL', () => {
  let store: PgPointStore;
  let url: string;
  beforeAll(async () => {
    url = await pgt.createDatabase();
    store = await PgPointStore.open(url);
  });
  afterAll(async () => {
    await store?.close();
  });

  const age = (w: WindowKey, days: number, expiredDays: number | null = null) =>
    store.pool.query(
      `UPDATE collect_leases SET touched_at = clock_timestamp() - make_interval(days => $6)${expiredDays === null ? '' : ', expires_at = clock_timestamp() - make_interval(days => $7)'} ` +
        'WHERE collector = $1 AND entity = $2 AND grp = $3 AND from_ts = $4 AND until_ts = $5',
      [w.collector, w.entity, w.group, w.from, w.until, days, ...(expiredDays === null ? [] : [expiredDays])],
    );
  const rows = async () =>
    (
      await store.pool.query<{ from_ts: number; entity: string }>('SELECT entity, from_ts FROM collect_leases ORDER BY entity, from_ts')
    ).rows.map((r) => `${r.entity}@${(r.from_ts - D0) / DAY}`);

  it('deletes finished, released and long-lapsed rows past the horizon; keeps recent ones and every live claim', async () => {
    const a = new PgWindowLeases(store.pool, { host: 'a', pid: 1, started: 1 });
    const b = new PgWindowLeases(store.pool, { host: 'b', pid: 2, started: 2 });
    await a.begin();
    for (let d = 0; d < 6; d++) expect(await a.claim(win(d))).toBe('claimed');
    await a.finish(win(0)); // finished 8 days ago: pruned
    await a.finish(win(1)); // finished an hour ago: kept
    await a.release(win(2)); // released 8 days ago: pruned
    // win(3): a's claim, its holder died 8 days ago (never renewed since): pruned
    // win(4): a's live claim (renewed now) although the row is old by the clock of a test: kept
    // win(5): a's claim lapsed a minute ago: kept (within the horizon another process may still be finishing it)
    await age(win(0), 8);
    await age(win(1), 0);
    await age(win(2), 8);
    await age(win(3), 8, 8);
    await age(win(4), 8);
    await age(win(5), 8);
    await store.pool.query("UPDATE collect_leases SET expires_at = clock_timestamp() - interval '1 minute' WHERE from_ts = $1", [
      win(5).from,
    ]);
    expect(await b.prune()).toBe(2 + 1);
    expect(await rows()).toEqual(['country:IR@1', 'country:IR@4', 'country:IR@5']);
    // the live claim is still a's: b cannot take it, a can renew it
    await b.begin();
    expect(await b.claim(win(4))).toBe('leased');
    expect(await a.renew(win(4))).toBe(true);
    // a pruned window is simply never claimed: the next round takes it
    expect(await b.claim(win(0))).toBe('claimed');
    await b.finish(win(0));
  });

  it('begin() prunes; a row a claimer is taking this instant is skipped, not waited on', async () => {
    const c = new PgWindowLeases(store.pool, { host: 'c', pid: 3, started: 3 }, 60, 3600);
    await c.begin();
    expect(await c.claim(win(0, 'country:BY'))).toBe('claimed');
    await c.finish(win(0, 'country:BY'));
    expect(await c.claim(win(1, 'country:BY'))).toBe('claimed');
    await c.finish(win(1, 'country:BY'));
    await age(win(0, 'country:BY'), 1);
    await age(win(1, 'country:BY'), 1);
    // another session holds win(1)'s row locked (a claim in progress)
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query("SELECT 1 FROM collect_leases WHERE entity = 'country:BY' AND from_ts = $1 FOR UPDATE", [win(1).from]);
      await c.begin(); // prunes with its horizon of an hour
      const left = await rows();
      expect(left).not.toContain('country:BY@0');
      expect(left).toContain('country:BY@1');
      await other.query('ROLLBACK');
    } finally {
      await other.end();
    }
    expect(await c.prune()).toBe(1);
    expect(await rows()).not.toContain('country:BY@1');
  });
});
