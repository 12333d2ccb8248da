import type { Readable } from 'node:stream';
import type { Candidate, RawEvent } from '../validate.js';
import type { OnBroken } from '../../util/csv-records.js';
import { unneutralise } from '../../util/csv-write.js';
import { CsvReadError, readCsv } from './csv-read.js';
import type { CandidateSink, ImporterOptions, ParsedInput } from './types.js';

/**
 * Plain CSV with a header row. Columns are matched to model fields by name (case-insensitive; the
 * columns `calendar export --format csv` writes import back as they are), or by `--map
 * field=column,…`. `place`, `admin1`, `lat`, `lon` describe a single place; `places` is a
 * `;`-separated list of names.
 */
export const CSV_FIELDS = [
  'id',
  'title',
  'country',
  'places',
  'place',
  'admin1',
  'lat',
  'lon',
  'start',
  'end',
  'tz',
  'allDay',
  'kind',
  'sources',
  'notes',
  'tags',
] as const;
export type CsvField = (typeof CSV_FIELDS)[number];

const ALIASES: Partial<Record<CsvField, string[]>> = {
  tz: ['tz', 'timezone', 'time_zone', 'zone'],
  allDay: ['allday', 'all_day'],
  sources: ['sources', 'source', 'url', 'urls'],
  place: ['place', 'location', 'city'],
  lat: ['lat', 'latitude'],
  lon: ['lon', 'lng', 'longitude'],
  start: ['start', 'date', 'start_date'],
  end: ['end', 'end_date'],
};

export class MapError extends Error {}

/** `start=date,country=cc` → `{ start: 'date', country: 'cc' }`; unknown fields throw MapError. */
export function parseMapSpec(spec: string | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  if (!spec) return map;
  for (const part of spec.split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const field = eq < 0 ? '' : part.slice(0, eq).trim();
    const column = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!field || !column) throw new MapError(`--map: "${part.trim()}" is not FIELD=COLUMN`);
    const known = CSV_FIELDS.find((f) => f.toLowerCase() === field.toLowerCase());
    if (!known) throw new MapError(`--map: unknown field "${field}" (fields: ${CSV_FIELDS.join(', ')})`);
    map[known] = column;
  }
  return map;
}

export async function parseCsv(input: Readable | string, opts: ImporterOptions, sink?: CandidateSink): Promise<ParsedInput> {
  const file = opts.file;
  const out: ParsedInput = { rows: 0, skipped: 0, candidates: [], errors: [] };
  const err = (line: number, field: string, reason: string) => out.errors.push({ file, line, field, reason });
  let cols: Partial<Record<CsvField, number>> | null = null;
  const names: Partial<Record<CsvField, string>> = {};
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
        if (!cols) {
          headerRow = record;
          width = record.length;
          const header = record.map((h) => h.trim());
          const index = new Map(header.map((h, i) => [h.toLowerCase(), i] as const));
          cols = {};
          let bad = false;
          for (const [field, column] of Object.entries(opts.map ?? {})) {
            const i = index.get(column.toLowerCase());
            if (i === undefined) {
              err(line, 'header', `no column "${column}" (mapped to ${field})`);
              bad = true;
            } else {
              cols[field as CsvField] = i;
              names[field as CsvField] = header[i]!;
            }
          }
          const mapped = new Set(Object.values(cols));
          for (const f of CSV_FIELDS) {
            if (cols[f] !== undefined) continue;
            for (const a of ALIASES[f] ?? [f.toLowerCase()]) {
              const i = index.get(a);
              if (i !== undefined && !mapped.has(i)) {
                cols[f] = i;
                names[f] = header[i]!;
                break;
              }
            }
          }
          for (const f of ['title', 'country', 'start'] as const) {
            if (cols[f] === undefined && !(f === 'country' && opts.country)) {
              err(line, 'header', `no column for ${f} (name one with --map ${f}=COLUMN)`);
              bad = true;
            }
          }
          if (bad) return false;
          return;
        }
        out.rows++;
        if (record.length !== width) {
          err(line, 'row', `has ${record.length} fields, the header has ${width}`);
          return;
        }
        const get = (f: CsvField): string | undefined => {
          const i = cols![f];
          return i === undefined ? undefined : unneutralise(record[i] ?? '');
        };
        const place = get('place');
        const raw: RawEvent = {
          id: get('id'),
          title: get('title'),
          country: get('country') || opts.country,
          places: get('places') ?? (place ? [{ name: place, admin1: get('admin1') ?? null, lat: get('lat'), lon: get('lon') }] : []),
          start: get('start'),
          end: get('end'),
          tz: get('tz') || opts.tz,
          allDay: get('allDay'),
          kind: get('kind') || opts.kind,
          sources: get('sources'),
          notes: get('notes'),
          tags: get('tags'),
        };
        const fieldNames: Candidate['fieldNames'] = {};
        for (const [f, n] of Object.entries(names)) if (f in raw) fieldNames[f as keyof RawEvent] = n;
        if (names.place && !names.places) fieldNames.places = names.place;
        if (sink) sink({ line, raw, fieldNames });
        else out.candidates.push({ line, raw, fieldNames });
      },
      broken,
    );
  } catch (e) {
    if (e instanceof CsvReadError) err(e.line, 'row', e.message);
    else throw e;
  }
  if (!cols && !out.errors.some((e) => e.field === 'header')) err(1, 'header', 'empty file');
  return out;
}
