import ICAL from 'ical.js';
import type { ProtestEvent } from '../../core/calendar.js';
import { localDate, nextDate } from './time.js';

/**
 * iCalendar export a calendar app can subscribe to. All-day events are DATE values (the local days,
 * DTEND exclusive as RFC 5545 says); timed events are UTC instants, so no VTIMEZONE is needed. The
 * zone, country, kind, every source and the places (with coordinates) ride along as X-OUTAGEWATCH-*
 * properties, so that importing the export gives the same events back.
 */
export function eventsToIcs(events: readonly ProtestEvent[], opts: { generatedAt: number; name?: string }): string {
  const cal = new ICAL.Component(['vcalendar', [], []]);
  cal.addPropertyWithValue('prodid', '-//outagewatch//protest calendar//EN');
  cal.addPropertyWithValue('version', '2.0');
  cal.addPropertyWithValue('calscale', 'GREGORIAN');
  cal.addPropertyWithValue('x-wr-calname', opts.name ?? 'outagewatch protest calendar');
  const stamp = utcTime(opts.generatedAt);
  for (const e of events) {
    const ev = new ICAL.Component('vevent');
    ev.addPropertyWithValue('uid', `${e.id}@outagewatch`);
    ev.addPropertyWithValue('dtstamp', stamp);
    if (e.allDay) {
      ev.addPropertyWithValue('dtstart', dateValue(localDate(e.start, e.tz)));
      ev.addPropertyWithValue('dtend', dateValue(nextDate(localDate(e.end - 1, e.tz))));
    } else {
      ev.addPropertyWithValue('dtstart', utcTime(e.start));
      ev.addPropertyWithValue('dtend', utcTime(e.end));
    }
    ev.addPropertyWithValue('summary', e.title);
    if (e.notes) ev.addPropertyWithValue('description', e.notes);
    if (e.places.length) ev.addPropertyWithValue('location', e.places.map((p) => p.name).join('; '));
    const geo = e.places.find((p) => typeof p.lat === 'number' && typeof p.lon === 'number');
    if (geo) ev.addPropertyWithValue('geo', [geo.lat!, geo.lon!]);
    if (e.sources[0]) ev.addPropertyWithValue('url', e.sources[0]);
    if (e.tags.length) {
      const c = new ICAL.Property('categories');
      c.setValues([...e.tags]);
      ev.addProperty(c);
    }
    ev.addPropertyWithValue('x-outagewatch-country', e.country);
    ev.addPropertyWithValue('x-outagewatch-tz', e.tz);
    ev.addPropertyWithValue('x-outagewatch-kind', e.kind);
    for (const s of e.sources) ev.addPropertyWithValue('x-outagewatch-source', s);
    if (e.places.length)
      ev.addPropertyWithValue(
        'x-outagewatch-places',
        JSON.stringify(e.places.map((p) => ({ name: p.name, admin1: p.admin1 ?? null, lat: p.lat ?? null, lon: p.lon ?? null }))),
      );
    cal.addSubcomponent(ev);
  }
  return foldLines(cal.toString());
}

/**
 * RFC 5545 line folding by octets: content lines of at most 75 octets, continuations starting with
 * one space, never splitting a UTF-8 character (ical.js folds by characters, one too long).
 */
export function foldLines(text: string): string {
  const unfolded = text
    .replace(/\r?\n[ \t]/g, '')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  const out: string[] = [];
  for (const line of unfolded) {
    let chunk = '';
    let bytes = 0;
    let limit = 75;
    for (const ch of line) {
      const b = Buffer.byteLength(ch);
      if (bytes + b > limit) {
        out.push(limit === 75 ? chunk : ` ${chunk}`);
        chunk = '';
        bytes = 0;
        limit = 74;
      }
      chunk += ch;
      bytes += b;
    }
    out.push(limit === 75 ? chunk : ` ${chunk}`);
  }
  return `${out.join('\r\n')}\r\n`;
}

function utcTime(ts: number): ICAL.Time {
  const d = new Date(ts * 1000);
  return ICAL.Time.fromData(
    {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    },
    ICAL.Timezone.utcTimezone,
  );
}

function dateValue(date: string): ICAL.Time {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return ICAL.Time.fromData({ year: y, month: m, day: d, isDate: true });
}
