import type { Db } from './connection.js';
import { formatEntity, parseEntity } from './entities.js';
import type { Outage, OutageKind, OutageSignal, Severity } from '../core/outage.js';

/** Detected outages (table `outages`). Times are Unix seconds UTC, [start, end). */

export interface OutageFilter {
  /** `type:code` */
  entity?: string;
  /** ISO 3166-1 alpha-2: outages of every entity of that country (country, regions, ASes). */
  country?: string;
  /** Outages overlapping [from, until). */
  from?: number;
  until?: number;
  kind?: OutageKind;
}

interface Row {
  id: number;
  type: string;
  code: string;
  start: number;
  end: number;
  kind: OutageKind;
  severity: Severity;
  score: number;
  signals: string;
  targets: string;
  evidence: string;
  open: number;
  country: string | null;
  lost_percent: number | null;
  hours: number | null;
  synthetic: number;
}

const SELECT = `SELECT o.id, e.type, e.code, e.country, o.start, o.end, o.kind, o.severity, o.score, o.signals, o.targets, o.evidence, o.open,
  o.lost_percent, o.hours, o.synthetic
  FROM outages o JOIN entities e ON e.id = o.entity_id`;

/** The entity an entity belongs to: its country for regions, counties and networks (null for countries and when unknown). */
function parentOf(type: string, country: string | null): string | null {
  return type !== 'country' && country && /^[A-Z]{2}$/.test(country) ? `country:${country}` : null;
}

/** Percent of normal lost from the signals' stored mean loss, for rows detected before the column existed. */
function lostFromSignals(signals: OutageSignal[]): number | null {
  const l = signals.map((s) => s.lost).filter((x): x is number => typeof x === 'number');
  return l.length ? Math.round(l.reduce((m, x) => Math.max(m, x), -Infinity) * 1000) / 10 : null;
}

function toOutage(r: Row): Outage {
  const signals = JSON.parse(r.signals) as OutageSignal[];
  return {
    id: r.id,
    entity: `${r.type}:${r.code}`,
    parent: parentOf(r.type, r.country),
    start: r.start,
    end: r.end,
    kind: r.kind,
    severity: r.severity,
    score: r.score,
    signals,
    targets: JSON.parse(r.targets) as string[],
    evidence: JSON.parse(r.evidence) as Array<{ label: string; url: string }>,
    open: r.open === 1,
    lostPercent: r.lost_percent ?? lostFromSignals(signals),
    hours: r.hours ?? Math.round(((r.end - r.start) / 3600) * 100) / 100,
    synthetic: r.synthetic === 1,
  };
}

/** Outages overlapping [from, until), ordered by start (then id). */
export function listOutages(db: Db, filter: OutageFilter = {}): Outage[] {
  const where: string[] = [];
  const args: Array<string | number> = [];
  if (filter.entity) {
    const e = parseEntity(filter.entity);
    where.push('e.type = ? AND e.code = ?');
    args.push(e.type, e.code);
  }
  if (filter.country) {
    where.push('(e.country = ? OR (e.type = ? AND e.code = ?))');
    const cc = filter.country.toUpperCase();
    args.push(cc, 'country', cc);
  }
  if (filter.from !== undefined) {
    where.push('o.end > ?');
    args.push(filter.from);
  }
  if (filter.until !== undefined) {
    where.push('o.start < ?');
    args.push(filter.until);
  }
  if (filter.kind) {
    where.push('o.kind = ?');
    args.push(filter.kind);
  }
  const sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY o.start, o.id`;
  return db.prepare<Array<string | number>, Row>(sql).all(...args).map(toOutage);
}

export function getOutage(db: Db, id: number): Outage | undefined {
  const r = db.prepare<[number], Row>(`${SELECT} WHERE o.id = ?`).get(id);
  return r ? toOutage(r) : undefined;
}

function entityId(db: Db, entity: string): number {
  const e = parseEntity(entity);
  const get = db.prepare<[string, string], { id: number }>('SELECT id FROM entities WHERE type = ? AND code = ?');
  const found = get.get(e.type, e.code);
  if (found) return found.id;
  db.prepare('INSERT INTO entities (type, code, country) VALUES (?, ?, ?)').run(e.type, e.code, e.type === 'country' ? e.code : null);
  return get.get(e.type, e.code)!.id;
}

/**
 * Replaces, in ONE transaction, the detections of `entity` that overlap [from, until) with `outages`
 * (which the caller computed over that range). Re-running detection over a range is therefore
 * idempotent. Returns the stored outages with their ids.
 */
export function replaceOutages(db: Db, entity: string, from: number, until: number, outages: readonly Outage[], detectedAt = Math.floor(Date.now() / 1000)): Outage[] {
  const key = formatEntity(parseEntity(entity));
  return db
    .transaction((): Outage[] => {
      const id = entityId(db, key);
      const ent = db.prepare<[number], { type: string; country: string | null }>('SELECT type, country FROM entities WHERE id = ?').get(id);
      const parent = ent ? parentOf(ent.type, ent.country) : null;
      db.prepare('DELETE FROM outages WHERE entity_id = ? AND end > ? AND start < ?').run(id, from, until);
      const ins = db.prepare(
        'INSERT INTO outages (entity_id, start, end, kind, severity, score, signals, targets, evidence, detected_at, open, lost_percent, hours, synthetic) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const out: Outage[] = [];
      for (const o of outages) {
        if (formatEntity(parseEntity(o.entity)) !== key) throw new Error(`outage of ${o.entity} given to replaceOutages for ${key}`);
        const lostPercent = o.lostPercent !== undefined ? o.lostPercent : lostFromSignals(o.signals);
        const hours = o.hours ?? Math.round(((o.end - o.start) / 3600) * 100) / 100;
        const synthetic = o.synthetic ?? false;
        const r = ins.run(id, o.start, o.end, o.kind, o.severity, o.score, JSON.stringify(o.signals), JSON.stringify(o.targets), JSON.stringify(o.evidence), detectedAt, o.open ? 1 : 0, lostPercent, hours, synthetic ? 1 : 0);
        out.push({ ...o, entity: key, parent, lostPercent, hours, synthetic, id: Number(r.lastInsertRowid) });
      }
      return out;
    })
    .immediate();
}
