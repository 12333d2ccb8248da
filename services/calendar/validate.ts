import { z } from 'zod';
import { EVENT_KINDS, type EventKind, type EventOrigin, type Place, type ProtestEvent } from '../../core/calendar.js';
import { normaliseCountry } from './countries.js';
import { canonicalZone, primaryZone } from './zones.js';
import { ID_MAX, ID_RE, eventId } from './slug.js';
import {
  TimeValueError,
  allDayRange,
  isLocalDayStart,
  localDate,
  localDayStart,
  localToInstant,
  nextDate,
  parseTimeValue,
  previousDate,
  type TimeValue,
} from './time.js';

/**
 * The ONE validation step every way into the calendar goes through (seed, `calendar add`, the ACLED,
 * CSV, JSON and iCalendar importers, the API): a loosely typed row in, a ProtestEvent or the list of
 * what is wrong with it (field and reason) out.
 */

/** A row as an importer read it: strings mostly, not yet trusted. */
export interface RawEvent {
  id?: unknown;
  title?: unknown;
  country?: unknown;
  places?: unknown;
  start?: unknown;
  end?: unknown;
  tz?: unknown;
  allDay?: unknown;
  kind?: unknown;
  sources?: unknown;
  notes?: unknown;
  tags?: unknown;
}

export type RawField = keyof RawEvent;

export interface Candidate {
  /** 1-based physical line where the row starts (header = line 1). */
  line: number;
  raw: RawEvent;
  /** The input's own name for a field, used in messages (`{ start: 'event_date' }`). */
  fieldNames?: Partial<Record<RawField, string>>;
}

export interface RowError {
  file: string;
  line: number;
  field: string;
  reason: string;
}

/** `FILE:LINE: field: reason` (DESIGN.md, imports). */
export function formatRowError(e: RowError): string {
  return `${e.file}:${e.line}: ${e.field}: ${e.reason}`;
}

export interface ValidateOptions {
  /** The file named in errors and kept as the event's origin (null for manual entries). */
  file: string | null;
  origin: EventOrigin;
  /** Zone used when the row gives none (default: the country's primary zone). */
  defaultTz?: string;
  /** Kind used when the row gives none (default `other`). */
  defaultKind?: EventKind;
}

export type Validated = { ok: true; event: ProtestEvent } | { ok: false; errors: RowError[] };

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v === null ? undefined : v);
/** ANSI escape sequences (colour, cursor moves, OSC titles) and other control characters: never stored, never printed raw to a terminal. */
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
export const stripControls = (s: string): string => s.replace(ANSI, '').replace(CONTROL, '');
const asText = (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? stripControls(v).trim() : v;

const requiredText = z.preprocess(
  (v) => blankToUndefined(asText(v)),
  z.string({ error: (iss) => (iss.input === undefined ? 'missing' : `expected text, got ${typeof iss.input}`) }),
);
const optionalText = z.preprocess(
  (v) => blankToUndefined(asText(v)),
  z.string({ error: (iss) => `expected text, got ${typeof iss.input}` }).optional(),
);

/** A list given as an array or as one string split on `sep`. */
const list = (sep: RegExp) =>
  z.preprocess(
    (v) => {
      if (v === undefined || v === null || v === '') return [];
      if (typeof v === 'string')
        return v
          .split(sep)
          .map((s) => s.trim())
          .filter(Boolean);
      if (Array.isArray(v)) return v.map((s) => (typeof s === 'string' ? s.trim() : s)).filter((s) => s !== '');
      return v;
    },
    z.array(z.string({ error: 'expected a list of text' }), { error: 'expected a list' }),
  );

const sourceUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
    } catch {
      return false;
    }
  },
  { error: (iss) => `not an http(s) URL "${String(iss.input)}"` },
);

const coordinate = (min: number, max: number, what: string) =>
  z.preprocess(
    (v) => {
      const b = blankToUndefined(v);
      if (typeof b === 'string') return Number(b);
      return b;
    },
    z
      .number({ error: `${what} is not a number` })
      .refine((n) => Number.isFinite(n) && n >= min && n <= max, { error: `${what} must be within ${min}..${max}` })
      .nullable()
      .optional(),
  );

const placeSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { name: v } : v),
  z.object({
    name: requiredText.pipe(z.string().max(200, { error: 'place name longer than 200 characters' })),
    admin1: optionalText.nullable(),
    lat: coordinate(-90, 90, 'latitude'),
    lon: coordinate(-180, 180, 'longitude'),
  }),
);

const placesSchema = z.preprocess(
  (v) => {
    if (v === undefined || v === null || v === '') return [];
    if (typeof v === 'string')
      return v
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean);
    return v;
  },
  z.array(placeSchema, { error: 'expected a list of places' }),
);

const booleanSchema = z.preprocess(
  (v) => {
    const b = blankToUndefined(v);
    if (typeof b === 'string') {
      const s = b.trim().toLowerCase();
      if (['true', '1', 'yes', 'y'].includes(s)) return true;
      if (['false', '0', 'no', 'n'].includes(s)) return false;
    }
    if (b === 1) return true;
    if (b === 0) return false;
    return b;
  },
  z.boolean({ error: (iss) => `expected true or false, got "${String(iss.input)}"` }).optional(),
);

const RawSchema = z.object({
  id: optionalText.pipe(
    z
      .string()
      .max(ID_MAX, { error: `longer than ${ID_MAX} characters` })
      .regex(ID_RE, { error: 'expected a slug of lower-case letters, digits and single hyphens (kz-2016-05-21-land-protests)' })
      .optional(),
  ),
  title: requiredText.pipe(z.string().max(300, { error: 'longer than 300 characters' })),
  country: requiredText,
  places: placesSchema,
  start: requiredText,
  end: optionalText,
  tz: optionalText,
  allDay: booleanSchema,
  kind: optionalText.pipe(
    z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.enum(EVENT_KINDS, { error: (iss) => `unknown kind "${String(iss.input)}" (expected ${EVENT_KINDS.join(', ')})` }))
      .optional(),
  ),
  sources: list(/[\s;|]+/).pipe(z.array(sourceUrl)),
  notes: optionalText.pipe(z.string().max(20_000, { error: 'longer than 20000 characters' }).optional()),
  tags: list(/[,;]+/).pipe(z.array(z.string().max(60, { error: 'tag longer than 60 characters' }))),
});

/** Validates one row; never throws for bad input. */
export function validateEvent(c: Candidate, opts: ValidateOptions): Validated {
  const file = opts.file ?? '(input)';
  const errors: RowError[] = [];
  const name = (f: string) => c.fieldNames?.[f as RawField] ?? f;
  const reported = new Set<string>();
  const fail = (field: string, reason: string) => {
    const key = `${name(field)}\u0000${reason}`;
    if (reported.has(key)) return; // two fields read from one column report once
    reported.add(key);
    errors.push({ file, line: c.line, field: name(field), reason });
  };

  const parsed = RawSchema.safeParse(c.raw);
  if (!parsed.success) {
    for (const iss of parsed.error.issues) fail(String(iss.path[0] ?? 'row'), iss.message);
  }
  // Keep checking what can be checked, so one report names every problem of the row.
  const r = parsed.success ? parsed.data : null;
  const rawText = (v: unknown) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');

  const countryIn = r?.country ?? rawText(c.raw.country);
  let country: string | null = null;
  if (countryIn) {
    country = normaliseCountry(countryIn);
    if (!country) fail('country', `unknown country "${countryIn}" (expected an ISO 3166-1 alpha-2 code such as KZ)`);
  }

  const tzIn = r ? r.tz : rawText(c.raw.tz) || undefined;
  let tz: string | null = null;
  if (tzIn) {
    tz = canonicalZone(tzIn);
    if (!tz) fail('tz', `unknown time zone "${tzIn}" (expected an IANA zone such as Asia/Almaty)`);
  } else if (opts.defaultTz) {
    tz = canonicalZone(opts.defaultTz);
    if (!tz) fail('tz', `unknown time zone "${opts.defaultTz}"`);
  } else if (country) {
    tz = primaryZone(country);
    if (!tz) fail('tz', `missing, and no zone is known for country ${country}`);
  }

  const readTime = (field: 'start' | 'end', v: string | undefined): TimeValue | null => {
    if (v === undefined) return null;
    try {
      return parseTimeValue(v);
    } catch (e) {
      if (e instanceof TimeValueError) {
        fail(field, e.message);
        return null;
      }
      throw e;
    }
  };
  const startIn = r?.start ?? (rawText(c.raw.start) || undefined);
  const endIn = r ? r.end : rawText(c.raw.end) || undefined;
  const startV = readTime('start', startIn);
  const endV = readTime('end', endIn);

  if (!country || !tz || !startV || (endIn !== undefined && !endV)) return { ok: false, errors };
  const allDayIn = r ? r.allDay : typeof c.raw.allDay === 'boolean' ? c.raw.allDay : undefined;
  const allDay = allDayIn ?? startV.type === 'date';
  const range = timeRange(startV, endV, allDay, tz, fail, `${startIn}`, `${endIn}`);
  if (errors.length > 0 || !r || !range) return { ok: false, errors };
  const [start, end] = range;

  const title = r.title.replace(/\s+/g, ' ');
  const places: Place[] = r.places.map((p) => ({
    name: p.name.replace(/\s+/g, ' '),
    admin1: p.admin1 ?? null,
    lat: p.lat ?? null,
    lon: p.lon ?? null,
  }));
  const event: ProtestEvent = {
    id: r.id ?? eventId(country, localDate(start, tz), title),
    title,
    country,
    places,
    start,
    end,
    tz,
    allDay,
    kind: r.kind ?? opts.defaultKind ?? 'other',
    sources: unique(r.sources),
    notes: r.notes ?? null,
    tags: unique(r.tags),
    origin: opts.origin,
    originFile: opts.file,
    originLine: opts.origin === 'manual' ? null : c.line,
  };
  return { ok: true, event };
}

/** [start, end) in Unix seconds, or null after reporting why not. */
function timeRange(
  startV: TimeValue,
  endV: TimeValue | null,
  allDay: boolean,
  tz: string,
  fail: (f: string, r: string) => void,
  startIn: string,
  endIn: string,
): [number, number] | null {
  if (allDay) {
    const first = dayOf(startV, tz, 'start', fail);
    if (first === null) return null;
    let last = first;
    if (endV) {
      const e = endV.type === 'date' ? endV.date : dayOf(endV, tz, 'end', fail);
      if (e === null) return null;
      // A date is the last day (inclusive); an instant or 00:00 wall time is the exclusive end.
      last = endV.type === 'date' ? e : previousDate(e);
    }
    if (last < first) {
      fail('end', `ends before it starts (${endIn} is before ${startIn})`);
      return null;
    }
    return allDayRange(first, last, tz);
  }
  const start =
    startV.type === 'date' ? localDayStart(startV.date, tz) : startV.type === 'local' ? localToInstant(startV.dt, tz) : startV.ts;
  let end: number;
  if (!endV) end = localDayStart(nextDate(localDate(start, tz)), tz);
  else end = endV.type === 'date' ? localDayStart(nextDate(endV.date), tz) : endV.type === 'local' ? localToInstant(endV.dt, tz) : endV.ts;
  if (end <= start) {
    fail(
      'end',
      end === start ? `equals the start (${endIn}); an event must last` : `ends before it starts (${endIn} is before ${startIn})`,
    );
    return null;
  }
  return [start, end];
}

/** The local day an all-day start/end names; a time other than local midnight is an error. */
function dayOf(v: TimeValue, tz: string, field: string, fail: (f: string, r: string) => void): string | null {
  if (v.type === 'date') return v.date;
  const ts = v.type === 'local' ? localToInstant(v.dt, tz) : v.ts;
  if (!isLocalDayStart(ts, tz)) {
    fail(field, `an all-day event must ${field === 'start' ? 'start' : 'end'} at local midnight in ${tz}`);
    return null;
  }
  return localDate(ts, tz);
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
