import ICAL from 'ical.js';
import { EVENT_KINDS, type EventKind } from '../../../core/calendar.js';
import { previousDate } from '../time.js';
import type { Candidate, RawEvent } from '../validate.js';
import type { ImporterOptions, ParsedInput } from './types.js';

/**
 * iCalendar (.ics): each VEVENT becomes an event. DTSTART/DTEND as DATE (all-day; DTEND exclusive),
 * as UTC (`…Z`), with a TZID (an IANA zone), or floating (read in the event's zone). DURATION is
 * used when DTEND is missing. The country comes from X-OUTAGEWATCH-COUNTRY or `--country`; the zone
 * from X-OUTAGEWATCH-TZ, the DTSTART TZID, `--tz` or the country's primary zone.
 */
export function parseIcs(text: string, opts: ImporterOptions): ParsedInput {
  const file = opts.file;
  const out: ParsedInput = { rows: 0, skipped: 0, candidates: [], errors: [] };
  let root: ICAL.Component;
  try {
    root = new ICAL.Component(ICAL.parse(text));
  } catch (e) {
    const msg = (e as Error).message;
    out.errors.push({
      file,
      line: icsErrorLine(text, msg),
      field: 'file',
      reason: `not valid iCalendar: ${msg.replace(/^invalid /, '').replace(/\s+/g, ' ')}`,
    });
    return out;
  }
  // ical.js keeps no positions: the n-th VEVENT is the n-th BEGIN:VEVENT line.
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (/^BEGIN:VEVENT\s*$/i.test(l)) lines.push(i + 1);
  });
  const vevents = root.name === 'vevent' ? [root] : root.getAllSubcomponents('vevent');
  vevents.forEach((ev, i) => {
    out.rows++;
    const line = lines[i] ?? 1;
    try {
      out.candidates.push(readVevent(ev, line, opts));
    } catch (e) {
      // a rejected row is reported and never imported
      out.errors.push({ file, line, field: e instanceof RowRejected ? e.field : 'VEVENT', reason: (e as Error).message });
    }
  });
  return out;
}

function text(ev: ICAL.Component, name: string): string | undefined {
  const v = ev.getFirstPropertyValue(name);
  return v === null || v === undefined ? undefined : String(v);
}

class RowRejected extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** The line an ical.js parse error is about: the quoted text it names, found in the file (1 when it names none). */
function icsErrorLine(text: string, message: string): number {
  // ical.js quotes the offending line last (`invalid line (no token ";" or ":") "THE LINE"`)
  const quoted = [...message.matchAll(/"([^"]{1,200})"/g)].at(-1)?.[1];
  if (quoted) {
    const at = text.indexOf(quoted);
    if (at >= 0) return text.slice(0, at).split('\n').length;
  }
  return 1;
}

function readVevent(ev: ICAL.Component, line: number, opts: ImporterOptions): Candidate {
  const country = text(ev, 'x-outagewatch-country') ?? opts.country;
  const dtstart = ev.getFirstProperty('dtstart');
  const tzid = dtstart?.getParameter('tzid');
  const tzidText = typeof tzid === 'string' ? tzid : undefined;
  const tz = text(ev, 'x-outagewatch-tz') ?? tzidText ?? opts.tz;

  const start = dtstart ? timeText(dtstart.getFirstValue() as ICAL.Time, 'start') : undefined;
  let end: string | undefined;
  const dtend = ev.getFirstProperty('dtend');
  if (dtend) end = timeText(dtend.getFirstValue() as ICAL.Time, 'end');
  else {
    const dur = ev.getFirstPropertyValue('duration') as ICAL.Duration | null;
    const st = dtstart?.getFirstValue() as ICAL.Time | undefined;
    if (dur && st) {
      const e = st.clone();
      e.addDuration(dur);
      end = timeText(e, 'end');
    }
  }
  const categories = ev.getAllProperties('categories').flatMap((p) => p.getValues().map(String));
  const kindX = text(ev, 'x-outagewatch-kind');
  const kind = kindX ?? categories.find((c) => (EVENT_KINDS as readonly string[]).includes(c.toLowerCase())) ?? opts.kind;
  const placesX = text(ev, 'x-outagewatch-places');
  let places: unknown = text(ev, 'location');
  if (placesX) {
    try {
      places = JSON.parse(placesX);
    } catch {
      throw new RowRejected('X-OUTAGEWATCH-PLACES', 'not valid JSON');
    }
  } else if (typeof places === 'string') {
    const geo = ev.getFirstPropertyValue('geo') as [number, number] | null;
    const names = places
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean);
    places = names.map((name, i) => ({ name, lat: i === 0 && geo ? geo[0] : null, lon: i === 0 && geo ? geo[1] : null }));
  }
  const sourcesX = ev.getAllProperties('x-outagewatch-source').map((p) => String(p.getFirstValue()));
  const url = text(ev, 'url');
  const uid = text(ev, 'uid');
  const raw: RawEvent = {
    id: uid && /@outagewatch$/.test(uid) ? uid.replace(/@outagewatch$/, '') : undefined,
    title: text(ev, 'summary'),
    country,
    places,
    start,
    end,
    tz,
    allDay: dtstart ? (dtstart.getFirstValue() as ICAL.Time).isDate : undefined,
    kind: kind as EventKind | undefined,
    sources: sourcesX.length ? sourcesX : url ? [url] : [],
    notes: text(ev, 'description'),
    tags: categories,
  };
  return {
    line,
    raw,
    fieldNames: {
      title: 'SUMMARY',
      start: 'DTSTART',
      end: 'DTEND',
      tz: tzidText && !text(ev, 'x-outagewatch-tz') ? 'TZID' : 'X-OUTAGEWATCH-TZ',
      places: 'LOCATION',
      notes: 'DESCRIPTION',
      sources: 'URL',
      tags: 'CATEGORIES',
      kind: 'X-OUTAGEWATCH-KIND',
      country: 'X-OUTAGEWATCH-COUNTRY (or --country)',
    },
  };
}

/** An ICAL.Time as the validation step reads it: a date, a UTC instant or a local wall time. */
function timeText(t: ICAL.Time, role: 'start' | 'end'): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
  // DTEND of a DATE event is exclusive: the validation step wants the last day.
  if (t.isDate) return role === 'end' ? previousDate(date) : date;
  const wall = `${date}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
  if (t.zone?.tzid === 'UTC' || t.toString().endsWith('Z')) return `${wall}Z`;
  return wall;
}
