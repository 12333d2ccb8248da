/** The protest calendar's model (DESIGN.md, "protest event"). Instants are Unix seconds UTC; `tz` is the IANA zone. */
export const EVENT_KINDS = ['protest', 'election', 'unrest', 'anniversary', 'other'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface Place {
  name: string;
  admin1?: string | null;
  lat?: number | null;
  lon?: number | null;
}

export type EventOrigin = 'seed' | 'import' | 'manual';

export interface ProtestEvent {
  /** slug, e.g. kz-2016-05-21-land-protests */
  id: string;
  title: string;
  /** ISO 3166-1 alpha-2 */
  country: string;
  places: Place[];
  /** [start, end) in Unix seconds UTC; an all-day event covers its whole local day(s) in `tz`. */
  start: number;
  end: number;
  tz: string;
  allDay: boolean;
  kind: EventKind;
  sources: string[];
  notes: string | null;
  tags: string[];
  origin: EventOrigin;
  originFile: string | null;
  originLine: number | null;
  /** Unix seconds; set by the database (absent on events not stored yet). */
  createdAt?: number;
  updatedAt?: number;
}

/** The fields that make up an event's content (what an import compares to decide "unchanged"). */
export const CONTENT_FIELDS = ['title', 'country', 'places', 'start', 'end', 'tz', 'allDay', 'kind', 'sources', 'notes', 'tags'] as const;
