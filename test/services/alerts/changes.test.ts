import { afterEach, describe, expect, it } from 'vitest';
import { dueDeliveries, listChanges, payloadText, queueDelivery } from '../../../db/alerts.js';
import { sqliteAlertLedger } from '../../../db/detection.js';
import { recordOutageChanges } from '../../../services/alerts/changes.js';
import type { Outage } from '../../../core/outage.js';
import { silentLogger } from '../../../core/logger.js';
import { tempStore } from '../../helpers.js';

const H = 3600;
const T0 = Date.UTC(2022, 0, 5, 10) / 1000;

function outage(start: number, end: number, open = false): Outage {
  return {
    entity: 'country:KZ',
    start,
    end,
    kind: 'connectivity',
    severity: 'critical',
    score: 1,
    signals: [],
    targets: [],
    evidence: [],
    open,
  };
}

describe('alert changes', () => {
  let t: ReturnType<typeof tempStore>;
  afterEach(() => t?.cleanup());
  const opts = {
    now: T0 + 10 * H,
    maxAge: 2 * 86400,
    webhooks: [{ url: 'http://127.0.0.1:9/hook', events: ['outage.started' as const, 'outage.ended' as const] }],
    watched: () => true,
    log: silentLogger,
  };

  it('an outage whose start moved with late data is the same outage: its start is not announced twice', () => {
    t = tempStore();
    expect(recordOutageChanges(sqliteAlertLedger(t.store.db), [outage(T0, T0 + 5 * H, true)], opts).map((c) => c.event)).toEqual([
      'outage.started',
    ]);
    // late data moves the start 30 minutes earlier, and the outage has now ended
    const again = recordOutageChanges(sqliteAlertLedger(t.store.db), [outage(T0 - 1800, T0 + 6 * H)], { ...opts, now: T0 + 12 * H });
    expect(again.map((c) => c.event)).toEqual(['outage.ended']);
    // and once more, unchanged: nothing new
    expect(recordOutageChanges(sqliteAlertLedger(t.store.db), [outage(T0 - 1800, T0 + 6 * H)], { ...opts, now: T0 + 13 * H })).toEqual([]);
    expect(
      listChanges(t.store.db)
        .map((c) => c.change)
        .sort(),
    ).toEqual(['ended', 'started']);
  });

  it('a separate later outage of the same entity is announced', () => {
    t = tempStore();
    recordOutageChanges(sqliteAlertLedger(t.store.db), [outage(T0, T0 + 2 * H)], opts);
    const next = recordOutageChanges(sqliteAlertLedger(t.store.db), [outage(T0, T0 + 2 * H), outage(T0 + 4 * H, T0 + 5 * H, true)], {
      ...opts,
      now: T0 + 6 * H,
    });
    expect(next.map((c) => [c.event, c.at])).toEqual([['outage.started', T0 + 4 * H]]);
  });

  it('stores each payload as exactly the JSON of the payload returned (the text is built once per outage)', () => {
    t = tempStore();
    // a detected outage as the detector gives it: signals, a Google product target, evidence, quotes in a label
    const o: Outage = {
      ...outage(T0, T0 + 5 * H),
      kind: 'both',
      signals: [
        { signal: 'ioda.bgp', start: T0, end: T0 + 5 * H, severity: 'critical', depth: 0.91234, score: 2.5, lost: 0.8 },
        { signal: 'ioda.gtr:YOUTUBE', start: T0 + H, end: T0 + 4 * H, severity: 'warning', depth: 0.4, score: 1 },
      ],
      targets: ['YOUTUBE'],
      evidence: [{ label: 'IODA "signals" view', url: 'https://ioda.inetintel.cc.gatech.edu/country/KZ' }],
      lostPercent: 80,
      hours: 5,
    };
    const cal = { id: 'e1', title: 'Protest "Jan"', start: '2022-01-05T00:00:00Z', end: '2022-01-06T00:00:00Z', tz: 'Asia/Almaty' };
    const changes = recordOutageChanges(sqliteAlertLedger(t.store.db), [o], { ...opts, findEvent: () => cal });
    expect(changes.map((c) => c.event)).toEqual(['outage.started', 'outage.ended']);
    const stored = t.store.db
      .prepare(
        'SELECT c.key, c.payload, c.body_of, b.payload AS body FROM outage_changes c LEFT JOIN outage_changes b ON b.id = c.body_of ORDER BY c.id',
      )
      .all() as Array<{ key: string; payload: string; body_of: number | null; body: string | null }>;
    expect(stored.map((r) => r.key)).toEqual(changes.map((c) => c.key));
    stored.forEach((r, i) => expect(payloadText(r.payload, r.body)).toBe(JSON.stringify(changes[i]!.payload)));
    expect(changes[1]!.payload.calendarEvent).toEqual(cal);
    // the outage and calendar event are stored once (a ten-year backfill records thousands of these pairs): the end's
    // row holds only its own head, and names the start's row
    expect(stored[0]!.body_of).toBeNull();
    expect(stored[1]!.body_of).not.toBeNull();
    expect(stored[1]!.payload).toBe(
      JSON.stringify({ event: 'outage.ended', entity: o.entity, at: changes[1]!.payload.at, text: changes[1]!.payload.text }),
    );
    // and every reader gives the whole payload back: the listing, and a delivery's body
    expect(listChanges(t.store.db, { limit: 10 }).map((c) => JSON.stringify(c.payload))).toEqual(
      [...changes].reverse().map((c) => JSON.stringify(c.payload)),
    );
    const endedId = listChanges(t.store.db, { limit: 10 })[0]!.id;
    queueDelivery(t.store.db, endedId, 'https://hooks.example.org/x', T0);
    expect(JSON.stringify(dueDeliveries(t.store.db, T0 + 1)[0]!.payload)).toBe(JSON.stringify(changes[1]!.payload));
  });
});
