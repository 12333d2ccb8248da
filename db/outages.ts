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

/** An `outages` row joined with its entity, as both backends return it; `B` is how the driver gives booleans. */
export interface OutageDbRow<B = number> {
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
  open: B;
  country: string | null;
  lost_percent: number | null;
  hours: number | null;
  synthetic: B;
}
type Row = OutageDbRow;

const SELECT = `SELECT o.id, e.type, e.code, e.country, o.start, o.end, o.kind, o.severity, o.score, o.signals, o.targets, o.evidence, o.open,
  o.lost_percent, o.hours, o.synthetic
  FROM outages o JOIN entities e ON e.id = o.entity_id`;

/** The entity an entity belongs to: its country for regions, counties and networks (null for countries and when unknown). */
export function parentOf(type: string, country: string | null): string | null {
  return type !== 'country' && country && /^[A-Z]{2}$/.test(country) ? `country:${country}` : null;
}

/** Percent of normal lost from the signals' stored mean loss, for rows detected before the column existed. */
export function lostFromSignals(signals: OutageSignal[]): number | null {
  const l = signals.map((s) => s.lost).filter((x): x is number => typeof x === 'number');
  return l.length ? Math.round(l.reduce((m, x) => Math.max(m, x), -Infinity) * 1000) / 10 : null;
}

/** An outage from its row on either backend (`flag` reads the driver's boolean). */
export function outageFromDbRow<B>(r: OutageDbRow<B>, flag: (b: B) => boolean): Outage {
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
    open: flag(r.open),
    lostPercent: r.lost_percent ?? lostFromSignals(signals),
    hours: r.hours ?? Math.round(((r.end - r.start) / 3600) * 100) / 100,
    synthetic: flag(r.synthetic),
  };
}

const toOutage = (r: Row): Outage => outageFromDbRow(r, (b) => b === 1);

function whereOf(filter: OutageFilter & { severity?: Severity }): { sql: string; args: Array<string | number> } {
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
  if (filter.severity) {
    where.push('o.severity = ?');
    args.push(filter.severity);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
}

/** Outages overlapping [from, until), ordered by start (then id). */
export function listOutages(db: Db, filter: OutageFilter = {}): Outage[] {
  const w = whereOf(filter);
  return db
    .prepare<Array<string | number>, Row>(`${SELECT} ${w.sql} ORDER BY o.start, o.id`)
    .all(...w.args)
    .map(toOutage);
}

// ---------- paging in SQL (issue 21: long listings read one page, not every row) ----------

/** A row belongs to no parent (a country, or an entity without a known country) — `parentOf` in SQL. */
const NATIONAL = "(e.type = 'country' OR e.country IS NULL OR NOT (e.country GLOB '[A-Z][A-Z]'))";
const DEPTH = "(SELECT max(json_extract(j.value, '$.depth')) FROM json_each(o.signals) j)";

/**
 * What the listings sort by: SQL for each key, and whether it can be null (nulls sort last in either direction;
 * a key that cannot be null is ordered by itself, so that an index on it serves the page).
 */
export const OUTAGE_SORTS = {
  id: { sql: 'o.id', nullable: false },
  entity: { sql: "e.type || ':' || e.code", nullable: false },
  kind: { sql: 'o.kind', nullable: false },
  severity: { sql: 'o.severity', nullable: false },
  start: { sql: 'o.start', nullable: false },
  end: { sql: 'o.end', nullable: false },
  duration: { sql: '(o.end - o.start)', nullable: false },
  depth: { sql: DEPTH, nullable: true },
  // percent of normal lost × hours: the stored mean loss, else the signals' largest mean loss, else the deepest fall
  loss: {
    sql: `(coalesce(o.lost_percent, (SELECT round(max(json_extract(j.value, '$.lost')) * 1000) / 10.0 FROM json_each(o.signals) j), coalesce(${DEPTH}, 0) * 100) * coalesce(o.hours, round((o.end - o.start) / 3600.0, 2)))`,
    nullable: false,
  },
} as const;
export type OutageSortKey = keyof typeof OUTAGE_SORTS;

export interface OutagePageFilter extends OutageFilter {
  severity?: Severity;
  /** `null`: national rows only (no parent); `country:CC`: the sub-national rows under that country. */
  parent?: string | null;
}

function pageWhere(filter: OutagePageFilter): { sql: string; args: Array<string | number> } {
  const w = whereOf(filter);
  if (filter.parent === undefined) return w;
  let cond: string;
  const args = [...w.args];
  if (filter.parent === null) cond = NATIONAL;
  else {
    cond = `NOT ${NATIONAL} AND e.country = ?`;
    args.push(filter.parent.replace(/^country:/, ''));
  }
  return { sql: w.sql ? `${w.sql} AND ${cond}` : `WHERE ${cond}`, args };
}

/** How many outages match, and how many of them are sub-national (have a parent country). */
export function countOutages(db: Db, filter: OutagePageFilter = {}): { total: number; subnational: number } {
  const w = pageWhere(filter);
  const r = db
    .prepare<Array<string | number>, { total: number; sub: number | null }>(
      `SELECT count(*) AS total, sum(NOT ${NATIONAL}) AS sub FROM outages o JOIN entities e ON e.id = o.entity_id ${w.sql}`,
    )
    .get(...w.args)!;
  return { total: r.total, subnational: r.sub ?? 0 };
}

/**
 * One page of the matching outages in a stable order: by `sort` (nulls last in either direction), ties by start
 * then id, as `listOutages` orders them.
 */
export function pageOutages(
  db: Db,
  filter: OutagePageFilter,
  page: { sort: OutageSortKey; dir: 'asc' | 'desc'; limit: number; offset: number },
): Outage[] {
  const w = pageWhere(filter);
  const key = OUTAGE_SORTS[page.sort];
  const dir = page.dir === 'desc' ? 'DESC' : 'ASC';
  // the page's ids first (the sorter holds ids and keys, not every row's JSON), then those rows
  const order = `${key.nullable ? `(${key.sql}) IS NULL, ` : ''}${key.sql} ${dir}, o.start, o.id`;
  const ids = db
    .prepare<Array<string | number>, number>(
      `SELECT o.id FROM outages o JOIN entities e ON e.id = o.entity_id ${w.sql} ORDER BY ${order} LIMIT ? OFFSET ?`,
    )
    .pluck()
    .all(...w.args, page.limit, page.offset);
  if (ids.length === 0) return [];
  const byId = new Map(
    db
      .prepare<number[], Row>(`${SELECT} WHERE o.id IN (${ids.map(() => '?').join(', ')})`)
      .all(...ids)
      .map((r) => [r.id, r]),
  );
  return ids.map((id) => toOutage(byId.get(id)!));
}

/** Per parent country, what its sub-national outages hold (for the grouped listings): count, units, types, span. */
export interface ParentGroup {
  parent: string;
  count: number;
  entities: number;
  types: string[];
  from: number;
  until: number;
  synthetic: boolean;
}

export function outageParentGroups(db: Db, filter: OutageFilter & { severity?: Severity } = {}): ParentGroup[] {
  const w = whereOf(filter);
  const sql = `SELECT 'country:' || e.country AS parent, count(*) AS n, count(DISTINCT o.entity_id) AS entities, group_concat(DISTINCT e.type) AS types,
    min(o.start) AS lo, max(o.end) AS hi, max(o.synthetic) AS synth
    FROM outages o JOIN entities e ON e.id = o.entity_id ${w.sql ? `${w.sql} AND` : 'WHERE'} NOT ${NATIONAL} GROUP BY e.country ORDER BY parent`;
  return db
    .prepare<Array<string | number>, { parent: string; n: number; entities: number; types: string; lo: number; hi: number; synth: number }>(
      sql,
    )
    .all(...w.args)
    .map((r) => ({
      parent: r.parent,
      count: r.n,
      entities: r.entities,
      types: r.types.split(',').sort(),
      from: r.lo,
      until: r.hi,
      synthetic: r.synth === 1,
    }));
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
 * Moves the correlation data version once (migration 0108): what every write of outages on SQLite calls, in the
 * transaction that changed rows, instead of a row trigger per row inserted or deleted. Cached correlation results
 * keyed by the version are computed again.
 */
export function outagesChanged(db: Db): void {
  db.prepare("UPDATE data_version SET v = v + 1 WHERE name = 'correlation'").run();
}

/** One outage row: the entity, when it was detected, then `storedOutage(…).row`. */
const INSERT_OUTAGE =
  'INSERT INTO outages (entity_id, detected_at, start, end, kind, severity, score, signals, targets, evidence, open, lost_percent, hours, synthetic) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * Replaces, in ONE transaction, the detections of `entity` that overlap [from, until) with `outages`
 * (which the caller computed over that range). Re-running detection over a range is therefore
 * idempotent. Returns the stored outages with their ids.
 */
export function replaceOutages(
  db: Db,
  entity: string,
  from: number,
  until: number,
  outages: readonly Outage[],
  detectedAt = Math.floor(Date.now() / 1000),
): Outage[] {
  const key = formatEntity(parseEntity(entity));
  return db
    .transaction((): Outage[] => {
      const id = entityId(db, key);
      const ent = db.prepare<[number], { type: string; country: string | null }>('SELECT type, country FROM entities WHERE id = ?').get(id);
      const parent = ent ? parentOf(ent.type, ent.country) : null;
      const deleted = db.prepare('DELETE FROM outages WHERE entity_id = ? AND end > ? AND start < ?').run(id, from, until).changes;
      const ins = db.prepare(INSERT_OUTAGE);
      const out: Outage[] = [];
      for (const o of outages) {
        if (formatEntity(parseEntity(o.entity)) !== key) throw new Error(`outage of ${o.entity} given to replaceOutages for ${key}`);
        const { full, row } = storedOutage(o, key, parent);
        const r = ins.run(id, detectedAt, ...row);
        out.push({ ...full, id: Number(r.lastInsertRowid) });
      }
      if (deleted > 0 || out.length > 0) outagesChanged(db);
      return out;
    })
    .immediate();
}

/**
 * A detected outage as both backends store it and compare it with stored rows (`syncOutages`, the PostgreSQL
 * detection commit): the derived fields filled in, and the row's columns from `start` to `synthetic` with flags as
 * 0/1, whose JSON text is the key a stored row equal to it has.
 */
export function storedOutage(
  o: Outage,
  entity: string,
  parent: string | null,
): { full: Outage; row: [number, number, string, string, number, string, string, string, 0 | 1, number | null, number, 0 | 1] } {
  const lostPercent = o.lostPercent !== undefined ? o.lostPercent : lostFromSignals(o.signals);
  const hours = o.hours ?? Math.round(((o.end - o.start) / 3600) * 100) / 100;
  const synthetic = o.synthetic ?? false;
  return {
    full: { ...o, entity, parent, lostPercent, hours, synthetic },
    row: [
      o.start,
      o.end,
      o.kind,
      o.severity,
      o.score,
      JSON.stringify(o.signals),
      JSON.stringify(o.targets),
      JSON.stringify(o.evidence),
      o.open ? 1 : 0,
      lostPercent,
      hours,
      synthetic ? 1 : 0,
    ],
  };
}

/** A JSON value's text is the same for both (what comparing `JSON.stringify` of the rows compared): a non-finite number is null. */
const jsonNull = (x: unknown): boolean => x === null || (typeof x === 'number' && !Number.isFinite(x));

/** Stored row `r` (its id first) holds the columns `row` (`storedOutage`) would write. */
function sameColumns(r: readonly unknown[], row: readonly unknown[]): boolean {
  for (let i = 0; i < row.length; i++) {
    const a = r[i + 1];
    const b = row[i];
    if (a !== b && !(jsonNull(a) && jsonNull(b))) return false;
  }
  return true;
}

/** Start and end as the key stored rows are looked up by (as JSON would write them). */
const timeKey = (start: unknown, end: unknown): string => `${jsonNull(start) ? null : start} ${jsonNull(end) ? null : end}`;

/**
 * An entity's stored outage rows (the id, then the columns `storedOutage(…).row` holds, flags as 0/1), by start and
 * end, for writing a detection by difference on either backend: a detected outage takes the first stored row (by id)
 * whose columns all hold what it would store (compared as their JSON text would be: a non-finite number is null), so
 * that unchanged rows keep their id without a JSON key per row; the rows no outage took are deleted.
 */
export class StoredOutageRows {
  private readonly byTime = new Map<string, Array<readonly unknown[]>>();

  /** `rows` in id order. */
  constructor(rows: Iterable<readonly unknown[]>) {
    for (const r of rows) {
      const k = timeKey(r[1], r[2]);
      const list = this.byTime.get(k);
      if (list) list.push(r);
      else this.byTime.set(k, [r]);
    }
  }

  /** The id of the first stored row equal to `row`, taken (no other outage takes it); undefined when none is. */
  take(row: readonly unknown[]): number | undefined {
    const list = this.byTime.get(timeKey(row[0], row[1]));
    const at = list ? list.findIndex((r) => sameColumns(r, row)) : -1;
    return at >= 0 ? (list!.splice(at, 1)[0]![0] as number) : undefined;
  }

  /** The ids of the rows no outage took. */
  rest(): number[] {
    const out: number[] = [];
    for (const rows of this.byTime.values()) for (const r of rows) out.push(r[0] as number);
    return out;
  }
}

/**
 * Makes the stored detections of `entity` exactly `outages` (a detection of all its data), in ONE transaction,
 * touching only what differs: a stored row equal to one of `outages` in every stored field is kept (its id and
 * detection time too), the other rows are deleted and the missing outages inserted. What incremental detection writes
 * after a collection. With `since`, only the stored rows ending at or after it are compared (and `outages` are those
 * ending at or after it); earlier rows stay. Returns every outage given with its id, and those inserted.
 */
export function syncOutages(
  db: Db,
  entity: string,
  outages: readonly Outage[],
  detectedAt = Math.floor(Date.now() / 1000),
  since = -1e15,
): { all: Outage[]; inserted: Outage[] } {
  const key = formatEntity(parseEntity(entity));
  return db
    .transaction(() => {
      const id = entityId(db, key);
      const ent = db.prepare<[number], { type: string; country: string | null }>('SELECT type, country FROM entities WHERE id = ?').get(id);
      const parent = ent ? parentOf(ent.type, ent.country) : null;
      // the stored rows by start and end (StoredOutageRows): unchanged rows keep their id and detection time
      const stored = new StoredOutageRows(
        db
          .prepare<[number, number], unknown[]>(
            'SELECT id, start, end, kind, severity, score, signals, targets, evidence, open, lost_percent, hours, synthetic FROM outages WHERE entity_id = ? AND end >= ? ORDER BY id',
          )
          .raw(true)
          .all(id, since),
      );
      const ins = db.prepare(INSERT_OUTAGE);
      const all: Outage[] = [];
      const inserted: Outage[] = [];
      const toInsert: Array<{ o: Outage; row: unknown[] }> = [];
      let checked = '';
      for (const o of outages) {
        if (o.entity !== checked) {
          if (formatEntity(parseEntity(o.entity)) !== key) throw new Error(`outage of ${o.entity} given to syncOutages for ${key}`);
          checked = o.entity;
        }
        const { full, row } = storedOutage(o, key, parent);
        const kept = stored.take(row);
        // `full` is a new object of storedOutage's: it takes its id in place (the kept row's, or the inserted one's below)
        if (kept !== undefined) full.id = kept;
        else toInsert.push({ o: full, row });
        all.push(full);
      }
      const del = db.prepare('DELETE FROM outages WHERE id = ?');
      let deleted = 0;
      for (const gone of stored.rest()) deleted += del.run(gone).changes;
      for (const t of toInsert) {
        const r = ins.run(id, detectedAt, ...t.row);
        t.o.id = Number(r.lastInsertRowid);
        inserted.push(t.o);
      }
      if (deleted > 0 || inserted.length > 0) outagesChanged(db);
      return { all, inserted };
    })
    .immediate();
}
