import { isoUtc } from '../../core/time.js';
import type { EventKind, Place, ProtestEvent } from '../../core/calendar.js';
import { localDate, localIso } from './time.js';
import type { RawEvent } from './validate.js';

/**
 * The JSON shape of a protest event, used by `calendar list --json`, `calendar export --format json`
 * and the `/api` (documented in docs/calendar.md). Keys are always present, in this order.
 */
export interface EventJson {
  id: string;
  title: string;
  country: string;
  places: Array<{ name: string; admin1: string | null; lat: number | null; lon: number | null }>;
  /** ISO 8601 UTC, `2016-05-20T18:00:00Z` */
  start: string;
  /** ISO 8601 UTC, exclusive */
  end: string;
  /** IANA zone the event's dates are local to */
  tz: string;
  allDay: boolean;
  /** `start` in `tz` with its offset: `2016-05-21T00:00:00+06:00` */
  localStart: string;
  /** `end` in `tz` with its offset (exclusive): `2016-05-22T00:00:00+06:00` */
  localEnd: string;
  /** The local calendar days covered, inclusive: `{ first: '2016-05-21', last: '2016-05-21' }` */
  localDays: { first: string; last: string };
  kind: EventKind;
  sources: string[];
  notes: string | null;
  tags: string[];
  origin: { type: ProtestEvent['origin']; file: string | null; line: number | null };
}

export function eventToJson(e: ProtestEvent): EventJson {
  return {
    id: e.id,
    title: e.title,
    country: e.country,
    places: e.places.map(placeToJson),
    start: isoUtc(e.start),
    end: isoUtc(e.end),
    tz: e.tz,
    allDay: e.allDay,
    localStart: localIso(e.start, e.tz),
    localEnd: localIso(e.end, e.tz),
    localDays: { first: localDate(e.start, e.tz), last: localDate(e.end - 1, e.tz) },
    kind: e.kind,
    sources: [...e.sources],
    notes: e.notes,
    tags: [...e.tags],
    origin: { type: e.origin, file: e.originFile, line: e.originLine },
  };
}

function placeToJson(p: Place): EventJson['places'][number] {
  return { name: p.name, admin1: p.admin1 ?? null, lat: p.lat ?? null, lon: p.lon ?? null };
}

/**
 * An object in the JSON shape (as exported, or hand-written with only some keys) → a raw row for the
 * validation step. `start`/`end` may be UTC instants, local times or dates; `localStart`/`localEnd`
 * are ignored when `start`/`end` are present; `origin` is ignored (the importer sets it).
 */
export function rawFromJson(o: Record<string, unknown>): RawEvent {
  return {
    id: o.id,
    title: o.title,
    country: o.country,
    places: o.places,
    start: o.start ?? o.localStart,
    end: o.end ?? o.localEnd,
    tz: o.tz ?? o.timezone,
    allDay: o.allDay,
    kind: o.kind,
    sources: o.sources,
    notes: o.notes,
    tags: o.tags,
  };
}
