import type { Readable } from 'node:stream';
import { countryName, numericToAlpha2 } from '../countries.js';
import type { EventKind, Place, ProtestEvent } from '../model.js';
import { allDayRange, localDate } from '../time.js';
import type { Candidate, RowError } from '../validate.js';
import { primaryZone, zoneForPlace } from '../zones.js';
import { CsvReadError, csvRecords } from './csv-read.js';
import type { ImporterOptions, ParsedInput } from './types.js';

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

export async function parseAcled(input: Readable | string, opts: ImporterOptions): Promise<ParsedInput> {
  const file = opts.file;
  const out: ParsedInput = { rows: 0, skipped: 0, candidates: [], errors: [] };
  const err = (line: number, field: string, reason: string) => out.errors.push({ file, line, field, reason });
  let col: Record<string, number> | null = null;
  let width = 0;
  try {
    for await (const { record, line } of csvRecords(input)) {
      if (!col) {
        col = {};
        record.forEach((h, i) => (col![h.trim().toLowerCase()] = i));
        width = record.length;
        const missing = REQUIRED.filter((c) => col![c] === undefined);
        if (missing.length) {
          err(line, 'header', `not an ACLED export: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
          return out;
        }
        continue;
      }
      out.rows++;
      if (record.length !== width) {
        err(line, 'row', `has ${record.length} fields, the header has ${width}`);
        continue;
      }
      const get = (c: string) => (record[col![c]!] ?? '').trim();
      const type = get('event_type').toLowerCase();
      const kind = EVENT_KINDS[type];
      if (!kind) {
        out.skipped++;
        continue;
      }
      const iso = get('iso');
      const cc = numericToAlpha2(iso);
      if (!cc) {
        err(line, 'iso', iso ? `unknown ISO 3166 numeric country code "${iso}"` : 'missing');
        continue;
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
        fieldNames: { id: 'event_id_cnty', title: 'location', start: 'event_date', country: 'iso', places: 'location', tz: 'tz' },
      };
      out.candidates.push(candidate);
    }
  } catch (e) {
    if (e instanceof CsvReadError) err(e.line, 'row', e.message);
    else throw e;
  }
  if (!col) err(1, 'header', 'empty file');
  if (opts.merge ?? true) out.combine = mergeByCountryDay;
  return out;
}

/**
 * One event per country and local day: all places, all rows' notes (event id, sources, text), kind
 * `unrest` when any row was a riot. The zone is the one most rows had (ties: the country's primary zone, else the first row's).
 * Its id `<cc>-<date>-acled` stays the same when a newer export adds rows for that day.
 */
export function mergeByCountryDay(events: ProtestEvent[]): ProtestEvent[] {
  const groups = new Map<string, ProtestEvent[]>();
  for (const e of events) {
    const key = `${e.country}|${localDate(e.start, e.tz)}`;
    const g = groups.get(key);
    if (g) g.push(e);
    else groups.set(key, [e]);
  }
  const merged: ProtestEvent[] = [];
  for (const [key, g] of groups) {
    const first = g[0]!;
    const date = key.slice(3);
    const zoneCount = new Map<string, number>();
    for (const e of g) zoneCount.set(e.tz, (zoneCount.get(e.tz) ?? 0) + 1);
    let tz = first.tz;
    for (const [z, n] of zoneCount) if (n > (zoneCount.get(tz) ?? 0)) tz = z;
    const primary = primaryZone(first.country);
    if (primary && primary !== tz && zoneCount.get(primary) === zoneCount.get(tz)) tz = primary;
    const [start, end] = allDayRange(date, date, tz);
    const places: Place[] = [];
    const seen = new Set<string>();
    for (const e of g)
      for (const p of e.places) {
        const k = `${p.name}|${p.admin1 ?? ''}`;
        if (!seen.has(k)) {
          seen.add(k);
          places.push(p);
        }
      }
    const riots = g.some((e) => e.kind === 'unrest');
    const names = places.slice(0, 3).map((p) => p.name);
    const more = places.length > 3 ? ` and ${places.length - 3} more place${places.length - 3 > 1 ? 's' : ''}` : '';
    const title = `${riots ? 'Protests and riots' : 'Protests'} in ${countryName(first.country)}: ${names.join(', ')}${more} (ACLED, ${g.length} event${g.length > 1 ? 's' : ''})`;
    let notes = '';
    let i = 0;
    for (; i < g.length; i++) {
      const n = g[i]!.notes ?? '';
      if (notes.length + n.length + 1 > NOTES_MAX - 40) break;
      notes += (notes ? '\n' : '') + n;
    }
    if (i < g.length) notes += `\n… and ${g.length - i} more rows`;
    merged.push({
      ...first,
      id: `${first.country.toLowerCase()}-${date}-acled`,
      title,
      places,
      start,
      end,
      tz,
      allDay: true,
      kind: riots ? 'unrest' : 'protest',
      sources: [...new Set(g.flatMap((e) => e.sources))],
      notes,
      tags: [...new Set(g.flatMap((e) => e.tags))],
    });
  }
  return merged;
}

export type { RowError };
