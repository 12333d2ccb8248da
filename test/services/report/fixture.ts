import { upsertEvent } from '../../../db/calendar.js';
import { replaceOutages } from '../../../db/outages.js';
import type { SqliteStore } from '../../../db/store.js';
import type { ProtestEvent } from '../../../core/calendar.js';

/** A small, fully deterministic database: one event, three signals, one detected outage. */
export const EVENT_START = Date.UTC(2016, 4, 20, 18) / 1000; // 21 May 2016 00:00 Asia/Almaty
export const HOSTILE_TITLE = '<img src=x onerror=alert(1)> | =HYPERLINK("x")';

export function buildReportFixture(store: SqliteStore, opts: { title?: string; bgpDipValue?: number } = {}): ProtestEvent {
  const event: ProtestEvent = {
    id: 'kz-2016-05-21-test',
    title: opts.title ?? 'Land-reform protests (test)',
    country: 'KZ',
    places: [{ name: 'Almaty' }, { name: 'Atyrau', admin1: 'Atyrau Region' }],
    start: EVENT_START,
    end: EVENT_START + 86400,
    tz: 'Asia/Almaty',
    allDay: true,
    kind: 'protest',
    sources: ['https://www.rferl.org/a/kazakhstan-protests/27748591.html'],
    notes: 'test fixture',
    tags: [],
    origin: 'manual',
    originFile: null,
    originLine: null,
  };
  upsertEvent(store.db, event, 1_700_000_000);
  const step = 3600;
  const from = EVENT_START - 20 * 86400;
  const until = EVENT_START + 10 * 86400;
  const bgp: Array<[number, number | null]> = [];
  const yt: Array<[number, number | null]> = [];
  for (let ts = from, i = 0; ts < until; ts += step, i++) {
    const inDip = ts >= EVENT_START + 6 * 3600 && ts < EVENT_START + 12 * 3600;
    bgp.push([ts, inDip ? (opts.bgpDipValue ?? 400) : 1000 + (i % 3)]);
    const hour = (ts / 3600) % 24;
    const diurnal = 1000 + 500 * Math.sin((hour / 24) * 2 * Math.PI);
    yt.push([ts, ts >= EVENT_START - 15 * 3600 && ts < EVENT_START + 30 * 3600 ? diurnal * 0.1 : i === 30 ? null : diurnal]);
  }
  store.writeWindow({
    collector: 'ioda',
    entity: 'country:KZ',
    from,
    until,
    series: [
      { signal: { name: 'ioda.bgp', step }, points: bgp },
      { signal: { name: 'ioda.gtr:YOUTUBE', step }, points: yt },
    ],
  });
  replaceOutages(
    store.db,
    'country:KZ',
    from,
    until,
    [
      {
        entity: 'country:KZ',
        start: EVENT_START + 6 * 3600,
        end: EVENT_START + 12 * 3600,
        kind: 'connectivity',
        severity: 'critical',
        score: 216,
        signals: [
          { signal: 'ioda.bgp', start: EVENT_START + 6 * 3600, end: EVENT_START + 12 * 3600, severity: 'critical', depth: 0.6, score: 216 },
        ],
        targets: [],
        evidence: [],
      },
      {
        entity: 'country:KZ',
        start: EVENT_START - 15 * 3600,
        end: EVENT_START + 30 * 3600,
        kind: 'service-blocking',
        severity: 'critical',
        score: 2430,
        signals: [
          {
            signal: 'ioda.gtr:YOUTUBE',
            start: EVENT_START - 15 * 3600,
            end: EVENT_START + 30 * 3600,
            severity: 'critical',
            depth: 0.9,
            score: 2430,
          },
        ],
        targets: ['YOUTUBE'],
        evidence: [],
      },
    ],
    1_700_000_000,
  );
  return event;
}
