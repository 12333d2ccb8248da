import { formatEntity, parseEntity } from '../../db/entities.js';
import type { Repositories } from '../../db/repositories.js';
import type { Config } from '../../core/config.js';
import type { ProtestEvent } from '../../core/calendar.js';
import type { DetectorConfig } from '../detector/config.js';
import { parseCollectionConfig, watchedEntities } from '../scheduler/policy.js';
import { isoUtc } from '../../core/time.js';
import type { CalendarRef } from './changes.js';

const DAY = 86400;

/** The country an entity belongs to (its own code for a country; the entities table for the rest). */
async function countryLookup(repos: Pick<Repositories, 'points'>): Promise<(entity: string) => string | null> {
  const byEntity = new Map((await repos.points.listEntities()).map((e) => [e.entity, e.country]));
  return (entity) => {
    const e = parseEntity(entity);
    return e.type === 'country' ? e.code : (byEntity.get(formatEntity(e)) ?? null);
  };
}

/**
 * The calendar event an outage falls in: an event of the entity's country whose window
 * [start − 1 day, end + 2 days] (the correlator's default lead and lag) overlaps the outage; the one
 * starting nearest the outage's start when several do. The calendar is read once, here (a ten-year detection asks
 * thousands of times; the finder itself is synchronous, as the alert rules run inside the detection's transaction).
 */
export async function calendarFinder(
  repos: Pick<Repositories, 'points' | 'calendar'>,
): Promise<(entity: string, start: number, end: number) => CalendarRef | null> {
  const countryOf = await countryLookup(repos);
  const byCountry = new Map<string, ProtestEvent[]>();
  // by start, then id (as listEvents orders them)
  for (const ev of await repos.calendar.listEvents()) {
    const list = byCountry.get(ev.country);
    if (list) list.push(ev);
    else byCountry.set(ev.country, [ev]);
  }
  return (entity, start, end) => {
    const country = countryOf(entity);
    if (!country) return null;
    const all = byCountry.get(country) ?? [];
    let best: ProtestEvent | null = null;
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
export async function watchedFilter(
  repos: Pick<Repositories, 'points' | 'calendar'>,
  config: Config | undefined,
  cfg: DetectorConfig,
): Promise<(entity: string) => boolean> {
  let list: string[];
  if (cfg.watch) list = cfg.watch.map((e) => formatEntity(parseEntity(e)));
  else {
    const events = (await repos.calendar.listEvents()).map((e) => ({ id: e.id, country: e.country, start: e.start, end: e.end }));
    list = watchedEntities(events, parseCollectionConfig(config?.collection ?? {})).map((w) => w.entity);
  }
  const set = new Set(list);
  const countryOf = await countryLookup(repos);
  return (entity) => {
    if (set.has(entity)) return true;
    const cc = countryOf(entity);
    return cc !== null && set.has(`country:${cc}`);
  };
}
