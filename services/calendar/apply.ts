export { type ImportStage } from '../../db/calendar.js';
import { CONTENT_FIELDS, type ProtestEvent } from '../../core/calendar.js';

/** What writing one validated event would do to the calendar. */
export interface PlannedChange {
  action: 'insert' | 'update' | 'unchanged' | 'kept' | 'conflict';
  event: ProtestEvent;
  /** The stored event it matched (by id or by country + start + title). */
  existing: ProtestEvent | null;
}

/** Same content (title, country, places, start, end, tz, allDay, kind, sources, notes, tags)? */
export function sameContent(a: ProtestEvent, b: ProtestEvent): boolean {
  return CONTENT_FIELDS.every((f) => JSON.stringify(norm(a[f])) === JSON.stringify(norm(b[f])));
}

function norm(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(norm);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    // places: absent optional fields and null are the same
    return { name: o.name, admin1: o.admin1 ?? null, lat: o.lat ?? null, lon: o.lon ?? null };
  }
  return v ?? null;
}

/** What planning reads of the stored calendar: a repository, or an import's transaction. */
export interface CalendarReader {
  getEvent(id: string): Promise<ProtestEvent | null>;
  findByNaturalKey(country: string, start: number, title: string): Promise<ProtestEvent | null>;
}

/** `planChanges` for one event through a repository (either backend): insert, update, unchanged or conflict. */
export async function planChange(r: CalendarReader, e: ProtestEvent): Promise<PlannedChange> {
  const existing = (await r.getEvent(e.id)) ?? (await r.findByNaturalKey(e.country, e.start, e.title));
  // nothing holds the id or the natural key: an insert (no other event can hold its key)
  if (!existing) return { action: 'insert', event: e, existing: null };
  const event = existing.id === e.id ? e : { ...e, id: existing.id };
  if (sameContent(existing, event)) return { action: 'unchanged', event, existing };
  const h = await r.findByNaturalKey(event.country, event.start, event.title);
  return { action: h && h.id !== event.id ? 'conflict' : 'update', event, existing };
}

/**
 * `planChange` from what is already read: the stored rows under the event's id and under its natural key (the
 * calendar repository's `writeEvent` reads both inside its write transaction). Insert, update, unchanged or conflict.
 */
export function planFromStored(found: { byId: ProtestEvent | null; byKey: ProtestEvent | null }, e: ProtestEvent): PlannedChange {
  const existing = found.byId ?? found.byKey;
  if (!existing) return { action: 'insert', event: e, existing: null };
  const event = existing.id === e.id ? e : { ...e, id: existing.id };
  if (sameContent(existing, event)) return { action: 'unchanged', event, existing };
  // the natural key is the event's own (an id taken over keeps the event's country, start and title)
  const h = found.byKey;
  return { action: h && h.id !== event.id ? 'conflict' : 'update', event, existing };
}

/** `planChanges` through a repository (either backend): every event planned against the calendar as stored now. */
export async function planChangesIn(
  r: CalendarReader,
  events: readonly ProtestEvent[],
  protect: (existing: ProtestEvent) => boolean = () => false,
): Promise<PlannedChange[]> {
  const out: PlannedChange[] = [];
  for (const e of events) {
    const existing = (await r.getEvent(e.id)) ?? (await r.findByNaturalKey(e.country, e.start, e.title));
    if (!existing) out.push({ action: 'insert', event: e, existing: null });
    else if (protect(existing)) out.push({ action: 'kept', event: existing, existing });
    else {
      const event = existing.id === e.id ? e : { ...e, id: existing.id };
      if (sameContent(existing, event)) out.push({ action: 'unchanged', event, existing });
      else {
        const h = await r.findByNaturalKey(event.country, event.start, event.title);
        out.push({ action: h && h.id !== event.id ? 'conflict' : 'update', event, existing });
      }
    }
  }
  return out;
}
