import { listEvents } from '../../db/calendar.js';
import { formatEntity, parseEntity } from '../../db/entities.js';
import type { SqliteStore } from '../../db/store.js';
import type { Config } from '../../core/config.js';
import type { DetectorConfig } from '../detector/config.js';
import { parseCollectionConfig, watchedEntities } from '../scheduler/policy.js';
import { isoUtc } from '../../core/time.js';
import type { CalendarRef } from './changes.js';

const DAY = 86400;

/** The country an entity belongs to (its own code for a country; the entities table for the rest). */
function countryLookup(store: SqliteStore): (entity: string) => string | null {
  const byEntity = new Map(store.listEntities().map((e) => [e.entity, e.country]));
  return (entity) => {
    const e = parseEntity(entity);
    return e.type === 'country' ? e.code : (byEntity.get(formatEntity(e)) ?? null);
  };
}

/**
 * The calendar event an outage falls in: an event of the entity's country whose window
 * [start − 1 day, end + 2 days] (the correlator's default lead and lag) overlaps the outage; the one
 * starting nearest the outage's start when several do.
 */
export function calendarFinder(store: SqliteStore): (entity: string, start: number, end: number) => CalendarRef | null {
  const countryOf = countryLookup(store);
  // each country's events read once (by start), when its first outage asks: a ten-year detection asks thousands of times
  const byCountry = new Map<string, ReturnType<typeof listEvents>>();
  return (entity, start, end) => {
    const country = countryOf(entity);
    if (!country) return null;
    let all = byCountry.get(country);
    if (!all) byCountry.set(country, (all = listEvents(store.db, { country })));
    let best: (typeof all)[number] | null = null;
    for (const ev of all) {
      if (ev.start - DAY >= end) break;
      if (!(start < ev.end + 2 * DAY)) continue;
      if (best === null || Math.abs(ev.start - start) < Math.abs(best.start - start)) best = ev;
    }
    return best && { id: best.id, title: best.title, start: isoUtc(best.start), end: isoUtc(best.end), tz: best.tz };
  };
}

/**
 * Which entities alerts are about: `detector.watch` when set; otherwise the collection policy's
 * watched set (the calendar's countries plus `collection.entities`), an entity also counting as watched
 * when its country is.
 */
export function watchedFilter(store: SqliteStore, config: Config | undefined, cfg: DetectorConfig): (entity: string) => boolean {
  let list: string[];
  if (cfg.watch) list = cfg.watch.map((e) => formatEntity(parseEntity(e)));
  else {
    const events = listEvents(store.db).map((e) => ({ id: e.id, country: e.country, start: e.start, end: e.end }));
    list = watchedEntities(events, parseCollectionConfig(config?.collection ?? {})).map((w) => w.entity);
  }
  const set = new Set(list);
  const countryOf = countryLookup(store);
  return (entity) => {
    if (set.has(entity)) return true;
    const cc = countryOf(entity);
    return cc !== null && set.has(`country:${cc}`);
  };
}
