import { ensureUnicodeLower, type Db } from './connection.js';
import type { EventKind, EventOrigin, Place, ProtestEvent } from '../core/calendar.js';

/** Storage of protest events (table `protest_events`, 0001) and calendar bookkeeping (`calendar_meta`, 0010). */

export interface EventFilter {
  country?: string;
  /** Events overlapping [from, until): end > from and start < until. */
  from?: number;
  until?: number;
  kind?: EventKind;
  origin?: EventOrigin;
  /**
   * Text the title (case-insensitive, Unicode), the id or a place name (case-insensitive) must contain: what the
   * calendar page's search box asks.
   */
  text?: string;
}

/** A `protest_events` row as both backends return it; `B` is how the driver gives booleans (SQLite 0/1, PostgreSQL boolean). */
export interface EventDbRow<B = number> {
  id: string;
  title: string;
  country: string;
  places: string;
  start: number;
  end: number;
  tz: string;
  all_day: B;
  kind: EventKind;
  sources: string;
  notes: string | null;
  tags: string;
  origin: EventOrigin;
  origin_file: string | null;
  origin_line: number | null;
  created_at: number;
  updated_at: number;
}

/** The columns of `protest_events`, in the order both backends select and insert them. */
export const EVENT_COLUMNS =
  'id, title, country, places, start, "end", tz, all_day, kind, sources, notes, tags, origin, origin_file, origin_line, created_at, updated_at';

/** An event from its row on either backend (`flag` reads the driver's boolean). */
export function eventFromDbRow<B>(r: EventDbRow<B>, flag: (b: B) => boolean): ProtestEvent {
  return {
    id: r.id,
    title: r.title,
    country: r.country,
    places: JSON.parse(r.places) as Place[],
    start: r.start,
    end: r.end,
    tz: r.tz,
    allDay: flag(r.all_day),
    kind: r.kind,
    sources: JSON.parse(r.sources) as string[],
    notes: r.notes,
    tags: JSON.parse(r.tags) as string[],
    origin: r.origin,
    originFile: r.origin_file,
    originLine: r.origin_line,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

type Row = EventDbRow;
const COLUMNS = EVENT_COLUMNS;
const fromRow = (r: Row): ProtestEvent => eventFromDbRow(r, (b) => b === 1);

function params(e: ProtestEvent, now: number) {
  return {
    id: e.id,
    title: e.title,
    country: e.country,
    places: JSON.stringify(e.places.map((p) => ({ name: p.name, admin1: p.admin1 ?? null, lat: p.lat ?? null, lon: p.lon ?? null }))),
    start: e.start,
    end: e.end,
    tz: e.tz,
    all_day: e.allDay ? 1 : 0,
    kind: e.kind,
    sources: JSON.stringify(e.sources),
    notes: e.notes,
    tags: JSON.stringify(e.tags),
    origin: e.origin,
    origin_file: e.originFile,
    origin_line: e.originLine,
    now,
  };
}

type Statements = ReturnType<typeof prepare>;
const cache = new WeakMap<Db, Statements>();

function prepare(db: Db) {
  return {
    get: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM protest_events WHERE id = ?`),
    byNaturalKey: db.prepare<[string, number, string], Row>(
      `SELECT ${COLUMNS} FROM protest_events WHERE country = ? AND start = ? AND title = ?`,
    ),
    upsert: db.prepare(
      `INSERT INTO protest_events (${COLUMNS})
       VALUES (@id, @title, @country, @places, @start, @end, @tz, @all_day, @kind, @sources, @notes, @tags, @origin, @origin_file, @origin_line, @now, @now)
       ON CONFLICT (id) DO UPDATE SET title = excluded.title, country = excluded.country, places = excluded.places,
         start = excluded.start, "end" = excluded."end", tz = excluded.tz, all_day = excluded.all_day, kind = excluded.kind,
         sources = excluded.sources, notes = excluded.notes, tags = excluded.tags, origin = excluded.origin,
         origin_file = excluded.origin_file, origin_line = excluded.origin_line, updated_at = excluded.updated_at`,
    ),
    remove: db.prepare<[string]>('DELETE FROM protest_events WHERE id = ?'),
    count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM protest_events'),
    countOrigin: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM protest_events WHERE origin = ?'),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM calendar_meta WHERE key = ?'),
    setMeta: db.prepare<[string, string]>(
      'INSERT INTO calendar_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };
}

function stmts(db: Db): Statements {
  let s = cache.get(db);
  if (!s) {
    ensureUnicodeLower(db);
    s = prepare(db);
    cache.set(db, s);
  }
  return s;
}

function whereOf(filter: EventFilter): { where: string; args: Array<string | number> } {
  const where: string[] = [];
  const args: Array<string | number> = [];
  if (filter.country) {
    where.push('country = ?');
    args.push(filter.country.toUpperCase());
  }
  if (filter.from !== undefined) {
    where.push('"end" > ?');
    args.push(filter.from);
  }
  if (filter.until !== undefined) {
    where.push('start < ?');
    args.push(filter.until);
  }
  if (filter.kind) {
    where.push('kind = ?');
    args.push(filter.kind);
  }
  if (filter.origin) {
    where.push('origin = ?');
    args.push(filter.origin);
  }
  if (filter.text) {
    where.push(
      "(instr(ow_lower(title), ?) > 0 OR instr(id, ?) > 0 OR EXISTS (SELECT 1 FROM json_each(places) p WHERE instr(ow_lower(json_extract(p.value, '$.name')), ?) > 0))",
    );
    const t = filter.text.toLowerCase();
    args.push(t, t, t);
  }
  return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
}

/** Events overlapping [from, until) (either bound optional), ordered by start, then id. */
export function listEvents(db: Db, filter: EventFilter = {}): ProtestEvent[] {
  ensureUnicodeLower(db);
  const { where, args } = whereOf(filter);
  return db
    .prepare<Array<string | number>, Row>(`SELECT ${COLUMNS} FROM protest_events ${where} ORDER BY start, id`)
    .all(...args)
    .map(fromRow);
}

/** How many events `listEvents` would return for this filter (a count, nothing read). */
export function countEventsWhere(db: Db, filter: EventFilter = {}): number {
  ensureUnicodeLower(db);
  const { where, args } = whereOf(filter);
  return db.prepare<Array<string | number>, { n: number }>(`SELECT count(*) AS n FROM protest_events ${where}`).get(...args)?.n ?? 0;
}

/** What the calendar listing sorts by (nulls last, ties in start-then-id order as `listEvents`). */
export const EVENT_SORTS = {
  start: 'start',
  title: 'ow_lower(title)',
  country: 'country',
  kind: 'kind',
  tz: 'tz',
  origin: 'origin',
} as const;
export type EventSortKey = keyof typeof EVENT_SORTS;

/** One page of the events `listEvents` would return, sorted in SQL (issue 21: a page reads its rows, not all). */
export function pageEvents(
  db: Db,
  filter: EventFilter,
  page: { sort: EventSortKey; dir: 'asc' | 'desc'; limit: number; offset: number },
): ProtestEvent[] {
  ensureUnicodeLower(db);
  const { where, args } = whereOf(filter);
  const expr = EVENT_SORTS[page.sort];
  const sql = `SELECT ${COLUMNS} FROM protest_events ${where} ORDER BY (${expr}) IS NULL, ${expr} ${page.dir === 'desc' ? 'DESC' : 'ASC'}, start, id LIMIT ? OFFSET ?`;
  return db
    .prepare<Array<string | number>, Row>(sql)
    .all(...args, page.limit, page.offset)
    .map(fromRow);
}

/** Events that have not ended at `now` (upcoming or under way), soonest first. */
export function listUpcoming(db: Db, now: number, filter: Omit<EventFilter, 'from'> = {}): ProtestEvent[] {
  return listEvents(db, { ...filter, from: now });
}

export function getEvent(db: Db, id: string): ProtestEvent | null {
  const r = stmts(db).get.get(id);
  return r ? fromRow(r) : null;
}

/** The event with this natural key (country + start + title), if any. */
export function findByNaturalKey(db: Db, country: string, start: number, title: string): ProtestEvent | null {
  const r = stmts(db).byNaturalKey.get(country, start, title);
  return r ? fromRow(r) : null;
}

/** Inserts or updates by id (created_at kept, updated_at = now). Wrap many calls in `db.transaction`. */
export function upsertEvent(db: Db, e: ProtestEvent, now: number): void {
  stmts(db).upsert.run(params(e, now));
}

/** Inserts or updates many events in ONE transaction: all or none. */
export function upsertEvents(db: Db, events: readonly ProtestEvent[], now: number): void {
  const s = stmts(db);
  db.transaction(() => {
    for (const e of events) s.upsert.run(params(e, now));
  }).immediate();
}

/** Removes an event; false when there was none. */
export function removeEvent(db: Db, id: string): boolean {
  return stmts(db).remove.run(id).changes > 0;
}

export function countEvents(db: Db, origin?: EventOrigin): number {
  return (origin ? stmts(db).countOrigin.get(origin) : stmts(db).count.get())?.n ?? 0;
}

export function getCalendarMeta(db: Db, key: string): string | null {
  return stmts(db).getMeta.get(key)?.value ?? null;
}

export function setCalendarMeta(db: Db, key: string, value: string): void {
  stmts(db).setMeta.run(key, value);
}

/**
 * Scratch space for one calendar import (TEMP tables: this connection only, on disk in the temp folder, never
 * in the calendar file), so that a file of any size is never held in memory: validated rows are staged as they
 * are read, then read back in batches (whole merge groups, or rows in file order) inside the one transaction
 * that writes the calendar. `drop()` removes it.
 */
export interface ImportStage {
  /** Stages one validated event (JSON) under its merge group (null: not merged); buffered, written in batches. */
  add(group: string | null, event: string): void;
  /** Writes what is buffered. */
  flush(): void;
  /** Merge groups in the order of their first row, after the group whose first row was `afterSeq`. */
  groups(afterSeq: number, limit: number): Array<{ grp: string; first: number }>;
  /** The events of one merge group, in file order. */
  groupEvents(grp: string): string[];
  /** Unmerged events in file order, after `afterSeq`. */
  events(afterSeq: number, limit: number): Array<{ seq: number; event: string }>;
  /** The line recorded for a key seen earlier in this file, or null. */
  seenLine(key: string): number | null;
  markSeen(key: string, line: number): void;
  /** Remembers an id written (insert/update), to announce after the commit. */
  recordWritten(id: string, action: 'insert' | 'update'): void;
  /** Ids written, in order, after row `afterSeq` of that list. */
  written(afterSeq: number, limit: number): Array<{ seq: number; id: string; action: 'insert' | 'update' }>;
  drop(): void;
}

let stageCounter = 0;

export function openImportStage(db: Db, batchSize = 100): ImportStage {
  const name = `calendar_import_${process.pid}_${++stageCounter}`;
  const rows = `temp.${name}_rows`;
  const groups = `temp.${name}_groups`;
  const seen = `temp.${name}_seen`;
  const written = `temp.${name}_written`;
  // the staged rows are read back in index order: a small page cache for the temp schema is enough (the
  // connection's 16 MB default would fill up with a large file's rows and stay in the process's memory)
  db.pragma('temp.cache_size = -2000');
  db.exec(`
    CREATE TEMP TABLE ${name}_rows (seq INTEGER PRIMARY KEY, grp TEXT, event TEXT NOT NULL);
    CREATE INDEX temp.${name}_rows_grp ON ${name}_rows (grp, seq) WHERE grp IS NOT NULL;
    CREATE TEMP TABLE ${name}_groups (grp TEXT PRIMARY KEY, first INTEGER NOT NULL) WITHOUT ROWID;
    CREATE INDEX temp.${name}_groups_first ON ${name}_groups (first);
    CREATE TEMP TABLE ${name}_seen (key TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TEMP TABLE ${name}_written (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, action TEXT NOT NULL);
  `);
  const insRow = db.prepare<[string | null, string]>(`INSERT INTO ${rows} (grp, event) VALUES (?, ?)`);
  const insGroup = db.prepare<[string, number]>(`INSERT INTO ${groups} (grp, first) VALUES (?, ?) ON CONFLICT (grp) DO NOTHING`);
  const selGroups = db.prepare<[number, number], { grp: string; first: number }>(
    `SELECT grp, first FROM ${groups} WHERE first > ? ORDER BY first LIMIT ?`,
  );
  const selGroupEvents = db.prepare<[string], { event: string }>(`SELECT event FROM ${rows} WHERE grp = ? ORDER BY seq`);
  const selEvents = db.prepare<[number, number], { seq: number; event: string }>(
    `SELECT seq, event FROM ${rows} WHERE seq > ? AND grp IS NULL ORDER BY seq LIMIT ?`,
  );
  const selSeen = db.prepare<[string], { line: number }>(`SELECT line FROM ${seen} WHERE key = ?`);
  const insSeen = db.prepare<[string, number]>(`INSERT INTO ${seen} (key, line) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`);
  const insWritten = db.prepare<[string, string]>(`INSERT INTO ${written} (id, action) VALUES (?, ?)`);
  const selWritten = db.prepare<[number, number], { seq: number; id: string; action: 'insert' | 'update' }>(
    `SELECT seq, id, action FROM ${written} WHERE seq > ? ORDER BY seq LIMIT ?`,
  );
  let buffer: Array<[string | null, string]> = [];
  const writeBuffer = db.transaction((items: Array<[string | null, string]>) => {
    for (const [grp, event] of items) {
      const seq = Number(insRow.run(grp, event).lastInsertRowid);
      if (grp !== null) insGroup.run(grp, seq);
    }
  });
  const flush = () => {
    if (buffer.length === 0) return;
    const items = buffer;
    buffer = [];
    // nested inside a caller's transaction this is a savepoint; on its own it only writes the TEMP tables
    writeBuffer(items);
  };
  return {
    add(group, event) {
      buffer.push([group, event]);
      if (buffer.length >= batchSize) flush();
    },
    flush,
    groups: (afterSeq, limit) => selGroups.all(afterSeq, limit),
    groupEvents: (grp) => selGroupEvents.all(grp).map((r) => r.event),
    events: (afterSeq, limit) => selEvents.all(afterSeq, limit),
    seenLine: (key) => selSeen.get(key)?.line ?? null,
    markSeen: (key, line) => void insSeen.run(key, line),
    recordWritten: (id, action) => void insWritten.run(id, action),
    written: (afterSeq, limit) => selWritten.all(afterSeq, limit),
    drop() {
      buffer = [];
      db.exec(
        `DROP TABLE IF EXISTS ${rows}; DROP TABLE IF EXISTS ${groups}; DROP TABLE IF EXISTS ${seen}; DROP TABLE IF EXISTS ${written};`,
      );
    },
  };
}
