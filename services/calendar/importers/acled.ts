import type { Readable } from 'node:stream';
import { countryName, numericToAlpha2 } from '../countries.js';
import type { EventKind, Place, ProtestEvent } from '../model.js';
import { allDayRange, localDate } from '../time.js';
import type { Candidate, RowError } from '../validate.js';
import { primaryZone, zoneForPlace } from '../zones.js';
import { CsvReadError, readCsv } from './csv-read.js';
import type { CandidateSink, Combiner, ImporterOptions, ParsedInput } from './types.js';

/**
 * ACLED CSV exports (31 columns: event_id_cnty, event_date, year, time_precision, disorder_type,
 * event_type, sub_event_type, actor1, …, iso, region, country, admin1, admin2, admin3, location,
 * latitude, longitude, geo_precision, source, source_scale, notes, fatalities, tags, timestamp).
 * Rows whose event_type is Protests or Riots become events; `iso` is ISO 3166 numeric; event_date is
 * `2016-05-21` (API) or `21 May 2016` (web export); `timestamp` is the upload time and is ignored.
 */
export const ACLED_COLUMNS = [
  'event_id_cnty', 'event_date', 'year', 'time_precision', 'disorder_type', 'event_type', 'sub_event_type', 'actor1',
  'assoc_actor_1', 'inter1', 'actor2', 'assoc_actor_2', 'inter2', 'interaction', 'civilian_targeting', 'iso', 'region',
  'country', 'admin1', 'admin2', 'admin3', 'location', 'latitude', 'longitude', 'geo_precision', 'source', 'source_scale',
  'notes', 'fatalities', 'tags', 'timestamp',
] as const;

/** Columns the importer reads; an export without them is not an ACLED export. */
const REQUIRED = ['event_id_cnty', 'event_date', 'event_type', 'sub_event_type', 'iso', 'admin1', 'location', 'latitude', 'longitude', 'source', 'notes'] as const;

export const ACLED_SOURCE_URL = 'https://acleddata.com/';
const EVENT_KINDS: Record<string, EventKind> = { protests: 'protest', riots: 'unrest' };
const NOTES_MAX = 20_000;
const FIELD_NAMES: Candidate['fieldNames'] = { id: 'event_id_cnty', title: 'location', start: 'event_date', country: 'iso', places: 'location', tz: 'tz' };

export async function parseAcled(input: Readable | string, opts: ImporterOptions, sink?: CandidateSink): Promise<ParsedInput> {
  const file = opts.file;
  const out: ParsedInput = { rows: 0, skipped: 0, candidates: [], errors: [] };
  const err = (line: number, field: string, reason: string) => out.errors.push({ file, line, field, reason });
  let col: Record<string, number> | null = null;
  let width = 0;
  try {
    await readCsv(input, (record, line) => {
      if (!col) {
        col = {};
        record.forEach((h, i) => (col![h.trim().toLowerCase()] = i));
        width = record.length;
        const missing = REQUIRED.filter((c) => col![c] === undefined);
        if (missing.length) {
          err(line, 'header', `not an ACLED export: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
          return false;
        }
        return;
      }
      out.rows++;
      if (record.length !== width) {
        err(line, 'row', `has ${record.length} fields, the header has ${width}`);
        return;
      }
      const get = (c: string) => (record[col![c]!] ?? '').trim();
      const type = get('event_type').toLowerCase();
      const kind = EVENT_KINDS[type];
      if (!kind) {
        out.skipped++;
        return;
      }
      const iso = get('iso');
      const cc = numericToAlpha2(iso);
      if (!cc) {
        err(line, 'iso', iso ? `unknown ISO 3166 numeric country code "${iso}"` : 'missing');
        return;
      }
      const lat = get('latitude') === '' ? null : Number(get('latitude'));
      const lon = get('longitude') === '' ? null : Number(get('longitude'));
      const tz = opts.tz ?? zoneForPlace(cc, Number.isFinite(lat) ? lat : null, Number.isFinite(lon) ? lon : null) ?? undefined;
      const eventId = get('event_id_cnty');
      const location = get('location');
      const sub = get('sub_event_type') || get('event_type');
      const srcNames = get('source');
      const candidate: Candidate = {
        line,
        raw: {
          id: eventId ? `${cc.toLowerCase()}-acled-${eventId.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}` : undefined,
          title: location ? `${sub} in ${location}${eventId ? ` (ACLED ${eventId})` : ''}` : '',
          country: cc,
          places: [{ name: location, admin1: get('admin1') || null, lat: get('latitude'), lon: get('longitude') }],
          start: get('event_date'),
          tz,
          allDay: true,
          kind,
          sources: [ACLED_SOURCE_URL],
          notes: `${eventId || `line ${line}`}${srcNames ? ` [${srcNames}]` : ''}: ${get('notes')}`.trim(),
          tags: ['acled', sub.toLowerCase()],
        },
        fieldNames: FIELD_NAMES,
      };
      if (sink) sink(candidate);
      else out.candidates.push(candidate);
    });
  } catch (e) {
    if (e instanceof CsvReadError) err(e.line, 'row', e.message);
    else throw e;
  }
  if (!col) err(1, 'header', 'empty file');
  if (opts.merge ?? true) out.combiner = countryDayMerger;
  return out;
}

interface Group {
  first: ProtestEvent;
  date: string;
  rows: number;
  zones: Map<string, number>;
  places: Map<string, Place>;
  riots: boolean;
  notes: string[];
  notesLength: number;
  dropped: number;
  sources: Set<string>;
  tags: Set<string>;
}

/**
 * One event per country and local day: all places, all rows' notes (event id, sources, text), kind
 * `unrest` when any row was a riot. The zone is the one most rows had (ties: the country's primary
 * zone, else the first row's). Its id `<cc>-<date>-acled` stays the same when a newer export adds
 * rows for that day.
 */
export function countryDayMerger(): Combiner {
  const groups = new Map<string, Group>();
  return {
    add(e) {
      const date = localDate(e.start, e.tz);
      const key = `${e.country}|${date}`;
      let g = groups.get(key);
      if (!g) {
        g = { first: e, date, rows: 0, zones: new Map(), places: new Map(), riots: false, notes: [], notesLength: 0, dropped: 0, sources: new Set(), tags: new Set() };
        groups.set(key, g);
      }
      g.rows++;
      g.zones.set(e.tz, (g.zones.get(e.tz) ?? 0) + 1);
      for (const p of e.places) {
        const k = `${p.name}|${p.admin1 ?? ''}`;
        if (!g.places.has(k)) g.places.set(k, p);
      }
      if (e.kind === 'unrest') g.riots = true;
      const n = e.notes ?? '';
      if (g.dropped === 0 && g.notesLength + n.length + 1 <= NOTES_MAX - 40) {
        g.notes.push(n);
        g.notesLength += n.length + 1;
      } else g.dropped++;
      for (const s of e.sources) g.sources.add(s);
      for (const t of e.tags) g.tags.add(t);
    },
    finish() {
      return [...groups.values()].map(mergedEvent);
    },
  };
}

function mergedEvent(g: Group): ProtestEvent {
  const first = g.first;
  let tz = first.tz;
  for (const [z, n] of g.zones) if (n > (g.zones.get(tz) ?? 0)) tz = z;
  const primary = primaryZone(first.country);
  if (primary && primary !== tz && g.zones.get(primary) === g.zones.get(tz)) tz = primary;
  const [start, end] = allDayRange(g.date, g.date, tz);
  const places = [...g.places.values()];
  const names = places.slice(0, 3).map((p) => p.name);
  const extra = places.length - 3;
  const more = extra > 0 ? ` and ${extra} more place${extra > 1 ? 's' : ''}` : '';
  const title = `${g.riots ? 'Protests and riots' : 'Protests'} in ${countryName(first.country)}: ${names.join(', ')}${more} (ACLED, ${g.rows} event${g.rows > 1 ? 's' : ''})`;
  return {
    ...first,
    id: `${first.country.toLowerCase()}-${g.date}-acled`,
    title,
    places,
    start,
    end,
    tz,
    allDay: true,
    kind: g.riots ? 'unrest' : 'protest',
    sources: [...g.sources],
    notes: g.notes.join('\n') + (g.dropped ? `\n… and ${g.dropped} more rows` : ''),
    tags: [...g.tags],
  };
}

/** The same merge over a list (tests, small inputs). */
export function mergeByCountryDay(events: ProtestEvent[]): ProtestEvent[] {
  const m = countryDayMerger();
  for (const e of events) m.add(e);
  return m.finish();
}

export type { RowError };
