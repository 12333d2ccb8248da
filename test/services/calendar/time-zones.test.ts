import fc from 'fast-check';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { localDate, localToInstant } from '../../../services/calendar/time.js';
import { eventToJson } from '../../../services/calendar/json.js';
import { eventsToIcs } from '../../../services/calendar/ics.js';
import { zoneForPlace } from '../../../services/calendar/zones.js';
import { ev, iso } from './helpers.js';

const base = { title: 'Rally', country: 'KZ', sources: ['https://example.org/s'], kind: 'protest' };

describe('all-day events cover their local day in their own zone', () => {
  const savedTz = process.env.TZ;
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  it('21 May 2016 in Asia/Almaty (UTC+6 then) is 2016-05-20T18:00Z .. 2016-05-21T18:00Z', () => {
    const e = ev({ ...base, start: '2016-05-21', tz: 'Asia/Almaty' });
    expect([iso(e.start), iso(e.end), e.allDay]).toEqual(['2016-05-20T18:00:00Z', '2016-05-21T18:00:00Z', true]);
    expect(eventToJson(e).localStart).toBe('2016-05-21T00:00:00+06:00');
  });

  it('Almaty moved to UTC+5 on 1 March 2024: a day after that starts at 19:00Z, and 29 Feb 2024 lasted 25 hours', () => {
    const after = ev({ ...base, start: '2024-03-02', tz: 'Asia/Almaty' });
    expect([iso(after.start), iso(after.end)]).toEqual(['2024-03-01T19:00:00Z', '2024-03-02T19:00:00Z']);
    expect(eventToJson(after).localStart).toBe('2024-03-02T00:00:00+05:00');
    const switchDay = ev({ ...base, start: '2024-02-29', tz: 'Asia/Almaty' });
    expect([iso(switchDay.start), iso(switchDay.end)]).toEqual(['2024-02-28T18:00:00Z', '2024-02-29T19:00:00Z']);
    expect(switchDay.end - switchDay.start).toBe(25 * 3600);
  });

  it('Atyrau was UTC+5 throughout, in 2016 as in 2024', () => {
    const y2016 = ev({ ...base, start: '2016-05-21', tz: 'Asia/Atyrau' });
    const y2024 = ev({ ...base, start: '2024-05-21', tz: 'Asia/Atyrau' });
    expect([iso(y2016.start), iso(y2024.start)]).toEqual(['2016-05-20T19:00:00Z', '2024-05-20T19:00:00Z']);
    for (const tz of ['Asia/Aqtobe', 'Asia/Oral', 'Asia/Aqtau'])
      expect(iso(ev({ ...base, start: '2016-05-21', tz }).start)).toBe('2016-05-20T19:00:00Z');
  });

  it("Iran's daylight saving ended at the end of 21 Sep 2022: that local day lasted 25 hours", () => {
    const e = ev({ ...base, country: 'IR', start: '2022-09-21', tz: 'Asia/Tehran' });
    expect([iso(e.start), iso(e.end)]).toEqual(['2022-09-20T19:30:00Z', '2022-09-21T20:30:00Z']);
    const next = ev({ ...base, country: 'IR', start: '2022-09-22', tz: 'Asia/Tehran' });
    expect(eventToJson(next).localStart).toBe('2022-09-22T00:00:00+03:30');
  });

  it('an all-day event across the year boundary keeps both local days, also in the .ics export', () => {
    const e = ev({ ...base, start: '2021-12-31', end: '2022-01-01', tz: 'Asia/Almaty' });
    expect([iso(e.start), iso(e.end)]).toEqual(['2021-12-30T18:00:00Z', '2022-01-01T18:00:00Z']);
    expect(eventToJson(e).localDays).toEqual({ first: '2021-12-31', last: '2022-01-01' });
    const ics = eventsToIcs([e], { generatedAt: 0 });
    expect(ics).toContain('DTSTART;VALUE=DATE:20211231');
    expect(ics).toContain('DTEND;VALUE=DATE:20220102');
  });

  it('an event with a time of day keeps it (11:00 Almaty in 2016 = 05:00Z), whatever the machine zone', () => {
    process.env.TZ = 'America/Los_Angeles';
    const e = ev({ ...base, start: '2016-05-21T11:00', end: '2016-05-21T15:00', tz: 'Asia/Almaty' });
    expect([iso(e.start), iso(e.end), e.allDay]).toEqual(['2016-05-21T05:00:00Z', '2016-05-21T09:00:00Z', false]);
    expect(eventToJson(e).localStart).toBe('2016-05-21T11:00:00+06:00');
    process.env.TZ = 'Pacific/Kiritimati';
    expect(iso(ev({ ...base, start: '2016-05-21', tz: 'Asia/Almaty' }).start)).toBe('2016-05-20T18:00:00Z');
  });

  it('a timed event without an end runs to the end of its local day', () => {
    const e = ev({ ...base, start: '2016-05-21T11:00', tz: 'Asia/Almaty' });
    expect(iso(e.end)).toBe('2016-05-21T18:00:00Z');
  });

  it('places without a zone get the zone of the nearest reference city in their country', () => {
    expect(zoneForPlace('KZ', 47.12, 51.88)).toBe('Asia/Atyrau'); // Atyrau
    expect(zoneForPlace('KZ', 50.41, 80.25)).toBe('Asia/Almaty'); // Semey
    expect(zoneForPlace('KZ', 43.34, 52.86)).toBe('Asia/Aqtau'); // Zhanaozen
    expect(zoneForPlace('KZ', null, null)).toBe('Asia/Almaty');
    expect(zoneForPlace('MM', null, null)).toBe('Asia/Yangon');
  });
});

describe('wall-clock conversion agrees with the tz database (luxon) everywhere', () => {
  it('round-trips every instant, choosing the earlier of a repeated hour', () => {
    const zones = [
      'Asia/Almaty',
      'Asia/Tehran',
      'Europe/Minsk',
      'America/New_York',
      'Australia/Lord_Howe',
      'Africa/Cairo',
      'Asia/Qyzylorda',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1990, 0, 1) / 1000, max: Date.UTC(2030, 0, 1) / 1000 }),
        fc.constantFrom(...zones),
        (ts, tz) => {
          const t = Math.floor(ts / 60) * 60;
          const wall = DateTime.fromSeconds(t, { zone: tz });
          const back = localToInstant(wall.toFormat("yyyy-MM-dd'T'HH:mm:ss"), tz);
          // same wall time in the zone; the same instant unless that wall time occurred twice (then the earlier)
          expect(DateTime.fromSeconds(back, { zone: tz }).toFormat('yyyy-MM-dd HH:mm')).toBe(wall.toFormat('yyyy-MM-dd HH:mm'));
          expect(back <= t).toBe(true);
          expect(t - back <= 3600).toBe(true);
          expect(localDate(t, tz)).toBe(wall.toISODate());
        },
      ),
      { seed: 20160521, numRuns: 3000 },
    );
  });

  it('a wall time skipped by a forward jump moves past the gap (Tehran 22 Mar 2022 00:30 → 01:30 +04:30)', () => {
    expect(iso(localToInstant('2022-03-22T00:30', 'Asia/Tehran'))).toBe('2022-03-21T21:00:00Z');
  });
});
