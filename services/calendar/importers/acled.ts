import type { Readable } from 'node:stream';
import { countryName, numericToAlpha2 } from '../countries.js';
import type { EventKind, Place, ProtestEvent } from '../../../core/calendar.js';
import { allDayRange, localDate } from '../time.js';
import type { Candidate, RowError } from '../validate.js';
import { primaryZone, zoneForPlace } from '../zones.js';
import type { OnBroken } from '../../util/csv-records.js';
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
  'event_id_cnty',
  'event_date',
  'year',
  'time_precision',
  'disorder_type',
  'event_type',
  'sub_event_type',
  'actor1',
  'assoc_actor_1',
  'inter1',
  'actor2',
  'assoc_actor_2',
  'inter2',
  'interaction',
  'civilian_targeting',
  'iso',
  'region',
  'country',
  'admin1',
  'admin2',
  'admin3',
  'location',
  'latitude',
  'longitude',
  'geo_precision',
  'source',
  'source_scale',
  'notes',
  'fatalities',
  'tags',
  'timestamp',
] as const;

/** Columns the importer reads; an export without them is not an ACLED export. */
const REQUIRED = [
  'event_id_cnty',
  'event_date',
  'event_type',
  'sub_event_type',
  'iso',
  'admin1',
  'location',
  'latitude',
  'longitude',
  'source',
  'notes',
] as const;

export const ACLED_SOURCE_URL = 'https://acleddata.com/';
const EVENT_KINDS: Record<string, EventKind> = { protests: 'protest', riots: 'unrest' };
const NOTES_MAX = 20_000;
const FIELD_NAMES: Candidate['fieldNames'] = {
  id: 'event_id_cnty',
  title: 'location',
  start: 'event_date',
  country: 'iso',
  places: 'location',
  tz: 'tz',
};

export async function parseAcled(input: Readable | string, opts: ImporterOptions, sink?: CandidateSink): Promise<ParsedInput> {
  const file = opts.file;
  const out: ParsedInput = { rows: 0, skipped: 0, candidates: [], errors: [] };
  const err = (line: number, field: string, reason: string) => out.errors.push({ file, line, field, reason });
  let col: Record<string, number> | null = null;
  let width = 0;
  try {
    let headerRow: string[] | null = null;
    let headerBroken = false;
    const broken: OnBroken = (b) => {
      if (!headerRow) {
        headerBroken = true;
        err(b.line, 'header', `${b.reason}: nothing was imported`);
        return;
      }
      out.rows++;
      err(
        b.line,
        (b.column !== null && headerRow[b.column]?.trim()) || 'row',
        `${b.reason} (this row is skipped; the rows after it are read)`,
      );
    };
    await readCsv(
      input,
      (record, line) => {
        if (headerBroken) return false;
        if (!col) {
          headerRow = record;
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
            id: eventId
              ? `${cc.toLowerCase()}-acled-${eventId
                  .toLowerCase()
                  .replace(/[^a-z0-9]+/g, '-')
                  .replace(/^-|-$/g, '')}`
              : undefined,
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
      },
      broken,
    );
  } catch (e) {
    if (e instanceof CsvReadError) err(e.line, 'row', e.message);
    else throw e;
  }
  if (!col && !out.errors.some((e) => e.field === 'header')) err(1, 'header', 'empty file');
  if (opts.merge ?? true) out.combiner = countryDayMerger;
  return out;
}

/** What a country-day keeps while rows stream in: small arrays (a day has a few rows), no Maps. */
interface Group {
  first: Pick<ProtestEvent, 'country' | 'tz' | 'origin' | 'originFile' | 'originLine'>;
  date: string;
  rows: number;
  /** zone, count, zone, count, … */
  zones: Array<string | number>;
  places: Place[];
  riots: boolean;
  notes: string[];
  notesLength: number;
  dropped: number;
  sources: string[];
  tags: string[];
}

const pushNew = (xs: string[], ys: readonly string[]) => {
  for (const y of ys) if (!xs.includes(y)) xs.push(y);
};

/**
 * One event per country and local day: all places, all rows' notes (event id, sources, text), kind
 * `unrest` when any row was a riot. The zone is the one most rows had (ties: the country's primary
 * zone, else the first row's). Its id `<cc>-<date>-acled` stays the same when a newer export adds
 * rows for that day.
 */
/** The merge group of an event: its country and local day (`KZ|2016-05-21`). */
export function countryDayGroup(e: Pick<ProtestEvent, 'country' | 'start' | 'tz'>): string {
  return `${e.country}|${localDate(e.start, e.tz)}`;
}

export function countryDayMerger(): Combiner {
  const groups = new Map<string, Group>();
  return {
    add(e) {
      const date = localDate(e.start, e.tz);
      const key = `${e.country}|${date}`;
      let g = groups.get(key);
      if (!g) {
        g = {
          first: { country: e.country, tz: e.tz, origin: e.origin, originFile: e.originFile, originLine: e.originLine },
          date,
          rows: 0,
          zones: [],
          places: [],
          riots: false,
          notes: [],
          notesLength: 0,
          dropped: 0,
          sources: [],
          tags: [],
        };
        groups.set(key, g);
      }
      g.rows++;
      const zi = g.zones.indexOf(e.tz);
      if (zi < 0) g.zones.push(e.tz, 1);
      else g.zones[zi + 1] = (g.zones[zi + 1] as number) + 1;
      for (const p of e.places) if (!g.places.some((q) => q.name === p.name && (q.admin1 ?? null) === (p.admin1 ?? null))) g.places.push(p);
      if (e.kind === 'unrest') g.riots = true;
      const n = e.notes ?? '';
      if (g.dropped === 0 && g.notesLength + n.length + 1 <= NOTES_MAX - 40) {
        g.notes.push(n);
        g.notesLength += n.length + 1;
      } else g.dropped++;
      pushNew(g.sources, e.sources);
      pushNew(g.tags, e.tags);
    },
    finish() {
      const out: ProtestEvent[] = [];
      for (const g of groups.values()) out.push(mergedEvent(g));
      groups.clear();
      return out;
    },
  };
}

function mergedEvent(g: Group): ProtestEvent {
  const first = g.first;
  const count = (z: string) => {
    const i = g.zones.indexOf(z);
    return i < 0 ? 0 : (g.zones[i + 1] as number);
  };
  let tz = first.tz;
  for (let i = 0; i < g.zones.length; i += 2) if ((g.zones[i + 1] as number) > count(tz)) tz = g.zones[i] as string;
  const primary = primaryZone(first.country);
  if (primary && primary !== tz && count(primary) === count(tz)) tz = primary;
  const [start, end] = allDayRange(g.date, g.date, tz);
  const names = g.places.slice(0, 3).map((p) => p.name);
  const extra = g.places.length - 3;
  const more = extra > 0 ? ` and ${extra} more place${extra > 1 ? 's' : ''}` : '';
  const title = `${g.riots ? 'Protests and riots' : 'Protests'} in ${countryName(first.country)}: ${names.join(', ')}${more} (ACLED, ${g.rows} event${g.rows > 1 ? 's' : ''})`;
  return {
    id: `${first.country.toLowerCase()}-${g.date}-acled`,
    title,
    country: first.country,
    places: g.places,
    start,
    end,
    tz,
    allDay: true,
    kind: g.riots ? 'unrest' : 'protest',
    sources: g.sources,
    notes: g.notes.join('\n') + (g.dropped ? `\n… and ${g.dropped} more rows` : ''),
    tags: g.tags,
    origin: first.origin,
    originFile: first.originFile,
    originLine: first.originLine,
  };
}

export type { RowError };
