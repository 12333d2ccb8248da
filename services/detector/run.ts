import type { Logger } from 'pino';
import { listOutages, replaceOutages } from '../../db/outages.js';
import type { SqliteStore, SourceEventRow } from '../../db/store.js';
import { formatEntity, parseEntity } from '../../db/entities.js';
import { calendarFinder, watchedFilter } from '../alerts/context.js';
import { recordOutageChanges, type AlertChange, type CalendarRef } from '../alerts/changes.js';
import { webhooksFrom } from '../alerts/config.js';
import type { Config } from '../../core/config.js';
import { nowSeconds } from '../../core/time.js';
import { detectorConfigFrom, ruleFor, rulesHash, type DetectorConfig } from './config.js';
import { lookbackFor } from './baselines.js';
import { detectEntity, type NamedSeries, type SignalHistory } from './detect.js';
import type { Outage } from '../../core/outage.js';
import { toGrid } from './series.js';

export type ComparisonStatus = 'agree' | 'only-source' | 'only-detected';

/** A detected outage set beside the outages the sources declared themselves (IODA, Radar, OONI). */
export interface Comparison {
  entity: string;
  status: ComparisonStatus;
  outage: { start: number; end: number; kind: string } | null;
  sourceEvent: { id: number; source: string; start: number; end: number | null; title: string | null; url: string | null } | null;
}

export interface DetectOptions {
  entity?: string;
  from?: number;
  until?: number;
  config?: Config;
  log?: Logger;
  /** Clock for alerts (tests). */
  now?: number;
  /** Names the calendar event an outage falls in (alerts). */
  findEvent?: (entity: string, start: number, end: number) => CalendarRef | null;
}

export interface DetectResult {
  entities: number;
  outages: Outage[];
  /** Outage starts and ends seen for the first time (announced ones were logged and queued for webhooks). */
  changes: AlertChange[];
  comparison: Comparison[];
  /** Entities asked for a window but re-detected from the start: their rules changed since their outages were detected. */
  rerun: string[];
  /** Per entity and signal: the baseline chosen, and where data had too little history to be judged. */
  history: Array<SignalHistory & { entity: string }>;
}

/** How much history before `from` the baselines of this signal need. */
function lookback(name: string, cfg: DetectorConfig): number {
  if (name.startsWith('ooni.')) return cfg.ooni.window + 86400;
  const rule = ruleFor(name, cfg);
  if (!rule) return 0;
  return lookbackFor(rule) + 3600;
}

function compare(entity: string, outages: readonly Outage[], events: readonly SourceEventRow[]): Comparison[] {
  const out: Comparison[] = [];
  const matched = new Set<number>();
  for (const ev of events) {
    const evEnd = ev.end ?? ev.start + 3600;
    const hits = outages.map((o, i) => [o, i] as const).filter(([o]) => o.start < evEnd && ev.start < o.end);
    const sourceEvent = { id: ev.id, source: ev.source, start: ev.start, end: ev.end, title: ev.title, url: ev.url };
    if (hits.length === 0) out.push({ entity, status: 'only-source', outage: null, sourceEvent });
    for (const [o, i] of hits) {
      matched.add(i);
      out.push({ entity, status: 'agree', outage: { start: o.start, end: o.end, kind: o.kind }, sourceEvent });
      if (ev.url && !o.evidence.some((e) => e.url === ev.url))
        o.evidence.push({ label: `${ev.source} event${ev.title ? `: ${ev.title}` : ''}`, url: ev.url });
    }
  }
  outages.forEach((o, i) => {
    if (!matched.has(i))
      out.push({ entity, status: 'only-detected', outage: { start: o.start, end: o.end, kind: o.kind }, sourceEvent: null });
  });
  return out;
}

/**
 * Detection over the store: for each entity (or the one asked), reads its signals (with enough history
 * before `from` for the baselines), runs the pure detector, compares with the source events, and
 * replaces the stored detections of the range in one transaction (idempotent). A detection over all of an
 * entity's data records the hash of the rules it used; a window asked for later is detected alone while that
 * hash matches, and the entity is detected again from the start when the rules changed. New outage starts and
 * ends of watched entities are recorded once and queued for the configured webhooks.
 */
export function detectAndStore(store: SqliteStore, opts: DetectOptions = {}): DetectResult {
  const cfg = detectorConfigFrom(opts.config);
  const webhooks = webhooksFrom(opts.config);
  const watched = watchedFilter(store, opts.config, cfg);
  const findEvent = opts.findEvent ?? calendarFinder(store);
  const now = opts.now ?? nowSeconds();
  const log = opts.log;
  const entities = opts.entity ? [formatEntity(parseEntity(opts.entity))] : [...new Set(store.listSignals().map((s) => s.entity))];
  const result: DetectResult = { entities: 0, outages: [], changes: [], comparison: [], rerun: [], history: [] };
  for (const entity of entities) {
    const signals = store.listSignals(entity).filter((s) => s.name.startsWith('ooni.') || ruleFor(s.name, cfg) !== null);
    if (signals.length === 0) continue;
    result.entities++;
    // the rules the stored outages were detected with: a window is enough while they hold; otherwise everything
    // is detected again (outages outside the window would stand under the old rules)
    const hash = rulesHash(
      signals.map((s) => s.name),
      cfg,
    );
    const state = store.detectionState(entity);
    let full = opts.from === undefined && opts.until === undefined;
    if (!full && state && state.rulesHash !== hash) {
      full = true;
      result.rerun.push(entity);
      log?.info({ entity }, 'detector rules changed since the last detection: detecting again from the start');
    }
    let from = full ? -Infinity : (opts.from ?? -Infinity);
    let until = full ? Infinity : (opts.until ?? Infinity);
    // an earlier detection overlapping the range is redone whole, so it is replaced, not cut
    for (const o of listOutages(store.db, {
      entity,
      from: Number.isFinite(from) ? from : undefined,
      until: Number.isFinite(until) ? until : undefined,
    })) {
      from = Math.min(from, o.start);
      until = Math.max(until, o.end);
    }
    const named: NamedSeries[] = [];
    let dataFrom = Infinity;
    let dataUntil = -Infinity;
    for (const s of signals) {
      const readFrom = Number.isFinite(from) ? from - lookback(s.name, cfg) : -1e12;
      // columns, not objects: typed arrays filled in chunks straight from the rows (NaN = no data)
      const { ts, values: vs, length } = store.readColumns(s.id, readFrom, Number.isFinite(until) ? until : 1e12);
      if (length === 0) continue;
      const series = toGrid(ts, vs, s.step ?? undefined);
      named.push({ name: s.name, series, axis: s.provenance.axis, target: s.provenance.target ?? s.target, synthetic: s.synthetic });
      dataFrom = Math.min(dataFrom, ts[0]!);
      dataUntil = Math.max(dataUntil, ts[ts.length - 1]! + series.step);
    }
    if (named.length === 0) continue;
    const rangeFrom = Number.isFinite(from) ? from : dataFrom;
    const rangeUntil = Number.isFinite(until) ? until : dataUntil;
    const { outages: detected, history } = detectEntity(entity, named, cfg);
    for (const h of history)
      result.history.push({ entity, ...h, insufficient: h.insufficient.filter((r) => r.end > rangeFrom && r.start < rangeUntil) });
    const inRange = detected.filter((o) => o.end > rangeFrom && o.start < rangeUntil);
    const events = store.listSourceEvents({ entity, from: rangeFrom, until: rangeUntil });
    for (const item of compare(entity, inRange, events)) result.comparison.push(item);
    const stored = replaceOutages(store.db, entity, rangeFrom, rangeUntil, inRange, now);
    if (full) store.recordFullDetection(entity, hash, dataFrom, dataUntil, now);
    else if (state) store.recordWindowDetection(entity, rangeUntil, now);
    log?.debug({ entity, signals: named.length, outages: stored.length }, 'detection done');
    for (const item of stored) result.outages.push(item);
    for (const item of recordOutageChanges(store.db, stored, { now, maxAge: cfg.alerts.maxAge, webhooks, watched, findEvent, log }))
      result.changes.push(item);
  }
  return result;
}
