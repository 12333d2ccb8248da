import type { Logger } from 'pino';
import type { Db } from '../../db/connection.js';
import { queueDelivery, recordChange, startedChanges } from '../../db/alerts.js';
import { outageToJson, type OutageJson } from '../detector/json.js';
import type { Outage } from '../../core/outage.js';
import { isoUtc } from '../../core/time.js';
import type { AlertEvent, Webhook } from './config.js';

/** The calendar event an outage falls in, as alerts name it. */
export interface CalendarRef {
  id: string;
  title: string;
  start: string;
  end: string;
  tz: string;
}

/** What is POSTed to a webhook (one JSON document per change). */
export interface AlertPayload {
  event: AlertEvent;
  entity: string;
  /** ISO UTC time of the change: the outage's start, or its end. */
  at: string;
  text: string;
  outage: OutageJson;
  calendarEvent: CalendarRef | null;
}

export interface AlertChange {
  key: string;
  event: AlertEvent;
  entity: string;
  at: number;
  announced: boolean;
  payload: AlertPayload;
}

export interface ChangeOptions {
  now: number;
  /** Changes older than this (seconds) are recorded silently: a backfill must not flood webhooks. */
  maxAge: number;
  webhooks: Webhook[];
  watched: (entity: string) => boolean;
  findEvent?: (entity: string, start: number, end: number) => CalendarRef | null;
  log?: Logger;
}

/** How far back an earlier announcement of the same (overlapping) outage is looked for. */
const SAME_OUTAGE_LOOKBACK = 7 * 86400;

function describe(event: AlertEvent, o: Outage, cal: CalendarRef | null): string {
  const what =
    o.kind === 'service-blocking'
      ? `service blocking${o.targets.length ? ` (${o.targets.join(', ')})` : ''}`
      : o.kind === 'degradation'
        ? `service degradation${o.targets.length ? ` (${o.targets.join(', ')})` : ''}`
        : o.kind === 'both'
          ? `connectivity outage and service blocking`
          : 'connectivity outage';
  const when = event === 'outage.started' ? `started ${isoUtc(o.start)}` : `ended ${isoUtc(o.end)} (began ${isoUtc(o.start)})`;
  return `${o.entity}: ${what}, ${o.severity}, ${when}${cal ? `, during calendar event "${cal.title}" (${cal.id})` : ''}`;
}

/**
 * Records each start and end of the given (stored) outages once, keyed by entity and the start first announced
 * (an overlapping re-detection whose start moved is the same outage), so that re-detection does not repeat them. New, recent changes of watched entities are logged and queued
 * for every webhook that asked for that event. Returns the changes seen for the first time.
 */
export function recordOutageChanges(db: Db, outages: readonly Outage[], opts: ChangeOptions): AlertChange[] {
  const out: AlertChange[] = [];
  for (const o of outages) {
    if (!opts.watched(o.entity)) continue;
    const events: Array<[AlertEvent, number]> = [['outage.started', o.start]];
    if (!o.open) events.push(['outage.ended', o.end]);
    // the same outage re-detected with a start moved by late data keeps the identity of its first announcement:
    // an earlier 'started' change of this entity whose outage overlaps this one
    const prior = startedChanges(db, o.entity, o.start - SAME_OUTAGE_LOOKBACK, o.end).find((c) => c.at === o.start || (c.outageEnd !== null && c.outageEnd >= o.start && c.at < o.end));
    const identity = prior?.at ?? o.start;
    for (const [event, at] of events) {
      const key = `${event === 'outage.started' ? 'started' : 'ended'}:${o.entity}:${identity}`;
      const announced = at >= opts.now - opts.maxAge;
      const cal = opts.findEvent?.(o.entity, o.start, o.end) ?? null;
      const payload: AlertPayload = { event, entity: o.entity, at: isoUtc(at), text: describe(event, o, cal), outage: outageToJson(o), calendarEvent: cal };
      const row = recordChange(db, { key, entity: o.entity, change: event === 'outage.started' ? 'started' : 'ended', at, payload, announced, now: opts.now });
      if (!row) continue;
      if (announced) {
        opts.log?.info({ event, entity: o.entity, at: payload.at, kind: o.kind, severity: o.severity, calendarEvent: cal?.id ?? null }, payload.text);
        for (const w of opts.webhooks) if (w.events.includes(event)) queueDelivery(db, row.id, w.url, opts.now);
      }
      out.push({ key, event, entity: o.entity, at, announced, payload });
    }
  }
  return out;
}
