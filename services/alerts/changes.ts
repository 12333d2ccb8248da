import type { Logger } from 'pino';
import { outageEndOf } from '../../db/alerts.js';
import type { AlertLedger } from '../../db/detection.js';
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
 * Records (in `ledger`: the detection's transaction, on either backend) each start and end of the given (stored) outages once, keyed by entity and the start first announced
 * (an overlapping re-detection whose start moved is the same outage), so that re-detection does not repeat them. New, recent changes of watched entities are logged and queued
 * for every webhook that asked for that event. Returns the changes seen for the first time.
 */
export function recordOutageChanges(ledger: AlertLedger, outages: readonly Outage[], opts: ChangeOptions): AlertChange[] {
  const out: AlertChange[] = [];
  // the 'started' changes each outage's identity is looked up in, read once per entity for the whole span (a
  // ten-year re-detection has thousands of outages) and kept up to date with the changes recorded below
  const started = new Map<string, Array<{ at: number; outageEnd: number | null }>>();
  const startedOf = (entity: string) => {
    let list = started.get(entity);
    if (!list) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const o of outages) {
        if (o.entity !== entity) continue;
        lo = Math.min(lo, o.start - SAME_OUTAGE_LOOKBACK);
        hi = Math.max(hi, o.end);
      }
      list = ledger.startedChanges(entity, lo, hi);
      started.set(entity, list);
    }
    return list;
  };
  for (const o of outages) {
    if (!opts.watched(o.entity)) continue;
    const events: Array<[AlertEvent, number]> = [['outage.started', o.start]];
    if (!o.open) events.push(['outage.ended', o.end]);
    // the same outage re-detected with a start moved by late data keeps the identity of its first announcement:
    // an earlier 'started' change of this entity (at in [start − 7 d, end)) whose outage overlaps this one, the oldest
    const list = startedOf(o.entity);
    let prior: { at: number; outageEnd: number | null } | undefined;
    for (let i = firstAtOrAfter(list, o.start - SAME_OUTAGE_LOOKBACK); i < list.length && list[i]!.at < o.end; i++) {
      const c = list[i]!;
      if (c.at === o.start || (c.outageEnd !== null && c.outageEnd >= o.start && c.at < o.end)) {
        prior = c;
        break;
      }
    }
    const identity = prior?.at ?? o.start;
    // what both changes of the outage carry, built once (a first detection records thousands)
    let shared: { cal: CalendarRef | null; outage: OutageJson; tail: string } | null = null;
    // the key of this outage's change recorded just above, whose stored payload holds the outage part once
    let recordedKey: string | null = null;
    for (const [event, at] of events) {
      const key = `${event === 'outage.started' ? 'started' : 'ended'}:${o.entity}:${identity}`;
      // seen before: nothing to record or announce (checked before the payload is built)
      if (ledger.changeRecorded(key)) continue;
      const announced = at >= opts.now - opts.maxAge;
      if (!shared) {
        const outage = outageToJson(o);
        const cal = opts.findEvent?.(o.entity, o.start, o.end) ?? null;
        shared = { cal, outage, tail: `,"outage":${JSON.stringify(outage)},"calendarEvent":${JSON.stringify(cal)}}` };
      }
      const cal = shared.cal;
      const payload: AlertPayload = {
        event,
        entity: o.entity,
        at: isoUtc(at),
        text: describe(event, o, cal),
        outage: shared.outage,
        calendarEvent: cal,
      };
      // its JSON text, written as JSON.stringify writes it (keys in this order), with the outage's text made once
      const head = `{"event":${JSON.stringify(event)},"entity":${JSON.stringify(payload.entity)},"at":${JSON.stringify(payload.at)},"text":${JSON.stringify(payload.text)}`;
      const recorded = ledger.recordChange({
        key,
        entity: o.entity,
        change: event === 'outage.started' ? 'started' : 'ended',
        at,
        payload,
        payloadJson: `${head}${shared.tail}`,
        // the outage's start recorded just above carries the same outage and calendar event: stored once
        sharesOutageWith: recordedKey === null ? undefined : { key: recordedKey, head: `${head}}` },
        announced,
        now: opts.now,
      });
      if (!recorded) continue;
      recordedKey = key;
      if (event === 'outage.started') list.splice(firstAtOrAfter(list, at + 1), 0, { at, outageEnd: outageEndOf(payload.outage.end) });
      if (announced) {
        opts.log?.info(
          { event, entity: o.entity, at: payload.at, kind: o.kind, severity: o.severity, calendarEvent: cal?.id ?? null },
          payload.text,
        );
        for (const w of opts.webhooks) if (w.events.includes(event)) ledger.queueDelivery(key, w.url, opts.now);
      }
      out.push({ key, event, entity: o.entity, at, announced, payload });
    }
  }
  return out;
}

/** Index of the first item with `at >= t` in a list sorted by `at`. */
function firstAtOrAfter(list: ReadonlyArray<{ at: number }>, t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.at < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
