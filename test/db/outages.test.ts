import { afterEach, describe, expect, it } from 'vitest';
import { listOutages, syncOutages } from '../../db/outages.js';
import { tempStore } from '../helpers.js';
import { H, outage, T0 } from './outage-fixture.js';

// What a re-detection after a collection writes: every outage detected again, of which most are stored already.
// A user notices ids (links to /outages/:id) and detection times that stay put for unchanged outages, and no
// outage kept that a new detection no longer gives.
describe('syncOutages', () => {
  let t: ReturnType<typeof tempStore>;
  afterEach(() => t?.cleanup());

  it('keeps the rows (id, detection time) of unchanged outages, replaces changed ones, drops the gone, duplicates included', () => {
    t = tempStore();
    const db = t.store.db;
    const first = [
      outage(T0, 2),
      outage(T0, 2), // the same outage twice (two rows, matched one to one)
      outage(T0 + 10 * H, 3, { lostPercent: null }),
      outage(T0 + 20 * H, 1),
      outage(T0 + 30 * H, 1, { open: true }),
    ];
    const a = syncOutages(db, 'country:KZ', first, 1000);
    expect(a.inserted).toHaveLength(5);
    const ids = a.all.map((o) => o.id!);
    // again: one of the duplicates is gone, one outage changed in a JSON column only (evidence), one in a flag, one new
    const again = [
      outage(T0, 2),
      outage(T0 + 10 * H, 3, { lostPercent: null }),
      outage(T0 + 20 * H, 1, { evidence: [] }),
      outage(T0 + 30 * H, 1, { open: false }),
      outage(T0 + 40 * H, 1),
    ];
    const b = syncOutages(db, 'country:KZ', again, 2000);
    expect(b.all.map((o) => o.id)).toEqual([ids[0], ids[2], b.inserted[0]!.id, b.inserted[1]!.id, b.inserted[2]!.id]);
    expect(b.inserted.map((o) => o.start)).toEqual([T0 + 20 * H, T0 + 30 * H, T0 + 40 * H]);
    const stored = listOutages(db, { entity: 'country:KZ' });
    expect(stored.map((o) => o.id!).sort((x, y) => x - y)).toEqual(b.all.map((o) => o.id!).sort((x, y) => x - y));
    const detectedAt = db.prepare('SELECT id, detected_at FROM outages ORDER BY id').all() as Array<{ id: number; detected_at: number }>;
    expect(detectedAt.filter((r) => r.detected_at === 1000).map((r) => r.id)).toEqual([ids[0], ids[2]]);
    // and once more, nothing changed: nothing written
    const c = syncOutages(db, 'country:KZ', again, 3000);
    expect(c.inserted).toEqual([]);
    expect(c.all.map((o) => o.id)).toEqual(b.all.map((o) => o.id));
  });

  it('a lost percent that is not a finite number compares as the NULL it is stored as', () => {
    t = tempStore();
    const db = t.store.db;
    const a = syncOutages(db, 'country:KZ', [outage(T0, 2, { lostPercent: NaN })], 1000);
    const b = syncOutages(db, 'country:KZ', [outage(T0, 2, { lostPercent: NaN })], 2000);
    expect(b.inserted).toEqual([]);
    expect(b.all[0]!.id).toBe(a.all[0]!.id);
  });
});
