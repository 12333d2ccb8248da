import { csvRows } from '../util/csv-write.js';
import { eventsToIcs } from './ics.js';
import { eventToJson } from './json.js';
import type { ProtestEvent } from '../../core/calendar.js';

export const EXPORT_FORMATS = ['json', 'csv', 'ics'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The CSV columns, in order; `calendar import --format csv` reads them back without a --map. */
export const CSV_COLUMNS = [
  'id',
  'title',
  'country',
  'places',
  'start',
  'end',
  'tz',
  'allDay',
  'localStart',
  'localEnd',
  'kind',
  'sources',
  'notes',
  'tags',
  'origin',
] as const;

export function eventsToCsvRows(events: readonly ProtestEvent[]): string[][] {
  return events.map((e) => {
    const j = eventToJson(e);
    const row: Record<(typeof CSV_COLUMNS)[number], string> = {
      id: j.id,
      title: j.title,
      country: j.country,
      places: j.places.map((p) => p.name).join('; '),
      start: j.start,
      end: j.end,
      tz: j.tz,
      allDay: String(j.allDay),
      localStart: j.localStart,
      localEnd: j.localEnd,
      kind: j.kind,
      sources: j.sources.join(' '),
      notes: j.notes ?? '',
      tags: j.tags.join(', '),
      origin: j.origin.type,
    };
    // formula neutralisation is the writer's (services/util/csv-write.ts); the CSV importer undoes it
    return CSV_COLUMNS.map((c) => row[c]);
  });
}

export async function exportEvents(events: readonly ProtestEvent[], format: ExportFormat, opts: { generatedAt: number }): Promise<string> {
  switch (format) {
    case 'json':
      return `${JSON.stringify(events.map(eventToJson), null, 2)}\n`;
    case 'csv':
      return csvRows([[...CSV_COLUMNS], ...eventsToCsvRows(events)], '\n');
    case 'ics':
      return eventsToIcs(events, { generatedAt: opts.generatedAt });
  }
}
