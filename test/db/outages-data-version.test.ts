import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyDatabase } from '../../db/copy.js';
import { listOutages, replaceOutages, syncOutages } from '../../db/outages.js';
import { SqliteStore } from '../../db/store.js';
import { tempDir, tempStore } from '../helpers.js';
import { H, outage, T0 } from './outage-fixture.js';

// Cached correlation results (the dashboard's event and country pages) are keyed by the data version: a user who
// re-detects outages must see correlations computed from the new outages, never a cached page from the old ones.
// On SQLite the version is moved once per write of outages by the writers themselves (migration 0108 dropped the
// row triggers that moved it once per row), so every writer is held to it here.
describe('the correlation data version and writes of outages (SQLite)', () => {
  let t: { cleanup(): void } | undefined;
  afterEach(() => t?.cleanup());

  it('syncOutages moves it once per write that changed rows, and not when nothing changed', () => {
    const s = tempStore();
    t = s;
    const v = () => s.store.dataVersion();
    const v0 = v();
    const outs = [outage(T0, 2), outage(T0 + 10 * H, 3), outage(T0 + 20 * H, 1)];
    syncOutages(s.store.db, 'country:KZ', outs, 100);
    // three rows inserted: moved, once for the transaction (not once per row)
    expect(v()).toBe(v0 + 1);
    // the same detection again: nothing written, cached results stay valid
    syncOutages(s.store.db, 'country:KZ', outs, 200);
    expect(v()).toBe(v0 + 1);
    // one outage gone (a delete only)
    syncOutages(s.store.db, 'country:KZ', outs.slice(0, 2), 300);
    expect(v()).toBe(v0 + 2);
    expect(listOutages(s.store.db, { entity: 'country:KZ' })).toHaveLength(2);
    // one outage changed (a delete and an insert)
    syncOutages(s.store.db, 'country:KZ', [outs[0]!, outage(T0 + 10 * H, 4)], 400);
    expect(v()).toBe(v0 + 3);
  });

  it('replaceOutages moves it when it deleted or inserted rows; an empty range replaced by nothing leaves it', () => {
    const s = tempStore();
    t = s;
    const v = () => s.store.dataVersion();
    const v0 = v();
    replaceOutages(s.store.db, 'country:KZ', T0, T0 + 86400, [outage(T0, 2)], 100);
    expect(v()).toBe(v0 + 1);
    // the same outage again: deleted and inserted anew (a new id), so moved
    replaceOutages(s.store.db, 'country:KZ', T0, T0 + 86400, [outage(T0, 2)], 200);
    expect(v()).toBe(v0 + 2);
    replaceOutages(s.store.db, 'country:KZ', T0 + 10 * 86400, T0 + 11 * 86400, [], 300);
    expect(v()).toBe(v0 + 2);
    replaceOutages(s.store.db, 'country:KZ', T0, T0 + 86400, [], 400);
    expect(v()).toBe(v0 + 3);
    expect(listOutages(s.store.db, { entity: 'country:KZ' })).toEqual([]);
  });

  it('a copy into a SQLite database moves the target’s version when it writes outages', async () => {
    const d = tempDir();
    t = d;
    const from = SqliteStore.open(join(d.dir, 'from.db'));
    replaceOutages(from.db, 'country:KZ', T0, T0 + 86400, [outage(T0, 2)], 100);
    from.close();
    const toPath = join(d.dir, 'to.db');
    const to0 = SqliteStore.open(toPath);
    const v0 = to0.dataVersion();
    to0.close();
    await copyDatabase({ backend: 'sqlite', path: join(d.dir, 'from.db') }, { backend: 'sqlite', path: toPath });
    const to = SqliteStore.open(toPath);
    try {
      expect(listOutages(to.db, { entity: 'country:KZ' })).toHaveLength(1);
      expect(to.dataVersion()).toBeGreaterThan(v0);
    } finally {
      to.close();
    }
  });

  it('no outage row triggers are left, the other tables keep theirs, and only the writers above write outages', () => {
    const s = tempStore();
    t = s;
    const triggers = s.store.db
      .prepare<[], { tbl_name: string }>("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dv_%'")
      .all()
      .map((r) => r.tbl_name);
    expect(triggers).not.toContain('outages');
    for (const table of ['points_daily', 'protest_events', 'reference_outages', 'source_events', 'checkpoints', 'reference_lists'])
      expect(triggers).toContain(table);
    // every SQLite module writing the outages table by name is db/outages.ts (whose writers are tested above): a new
    // writer elsewhere must move the version too, and be added here with its test; the copy writes any table by its spec and is tested above; PostgreSQL keeps statement triggers (migration 0030)
    const dbDir = join(import.meta.dirname, '../../db');
    const writes = /\b(INSERT\s+(OR\s+\w+\s+)?INTO|DELETE\s+FROM|UPDATE|REPLACE\s+INTO)\s+"?outages"?[\s(]/i;
    const writers = readdirSync(dbDir)
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => writes.test(readFileSync(join(dbDir, f), 'utf8')));
    expect(writers).toEqual(['outages.ts']);
  });
});
