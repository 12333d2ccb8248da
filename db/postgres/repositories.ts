import Database from 'better-sqlite3';
import type pg from 'pg';
import type { EventOrigin, ProtestEvent } from '../../core/calendar.js';
import type { Outage, Severity } from '../../core/outage.js';
import {
  deliveryFromDbRow,
  outageEndOf,
  payloadText,
  SELECT_CHANGES,
  type ChangeRow,
  type DeliveryDbRow,
  type DeliveryRow,
} from '../alerts.js';
import {
  EVENT_COLUMNS,
  eventFromDbRow,
  openImportStage,
  type EventDbRow,
  type EventFilter,
  type EventSortKey,
  type ImportStage,
} from '../calendar.js';
import { formatEntity, parseEntity } from '../entities.js';
import { parentOf, type OutageFilter, type OutagePageFilter, type OutageSortKey, type ParentGroup } from '../outages.js';
import {
  SCOPES,
  referenceFromDbRow,
  referenceListFromParts,
  type ReferenceDbRow,
  type ReferenceFilter,
  type ReferenceListRow,
  type ReferenceOutage,
  type ReferenceSortKey,
} from '../reference.js';
import type {
  AlertRepository,
  CalendarImportSession,
  CalendarRepository,
  EventWriteDecision,
  OutageRepository,
  PageRequest,
  ReferenceRepository,
  Repositories,
  StoredEventMatch,
} from '../repositories.js';
import { PgDetectionRepository } from './detection.js';
import { OUTAGE_SELECT, insertOutageRows, outageFromRow, transaction, type OutageRow } from './outage-rows.js';
import type { PgPointStore } from './store.js';

/**
 * The calendar, outage, alert and reference repositories on PostgreSQL (tables of migration 0010), over the pool
 * of the core store: the same results as the SQLite functions for the same calls. Text search is Unicode
 * case-insensitive as on SQLite (`ow_lower` there, ICU `lower` here whatever the database's locale) and text sorts
 * are in code point order (COLLATE "C", as SQLite's binary order); JSON columns hold the program's JSON text.
 */

type Queryable = pg.Pool | pg.PoolClient;
type Arg = string | number | boolean | null;

/** Unicode lower case (the database may use the C locale, whose lower() only knows ASCII). */
const lower = (expr: string) => `lower((${expr}) COLLATE "und-x-icu")`;
/** Code point order, as SQLite compares text. */
const C = (expr: string) => `(${expr}) COLLATE "C"`;

/** Positional parameters: `p.add(v)` gives `$n`. */
class Params {
  readonly values: Arg[] = [];
  add(v: Arg): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

// ---------------------------------------------------------------- calendar

type EventRow = EventDbRow<boolean>;
const eventFromRow = (r: EventRow): ProtestEvent => eventFromDbRow(r, (b) => b);

/** The column values of an event, in EVENT_COLUMNS order without the two times (as db/calendar.ts writes them). */
function eventValues(e: ProtestEvent): Arg[] {
  return [
    e.id,
    e.title,
    e.country,
    JSON.stringify(e.places.map((p) => ({ name: p.name, admin1: p.admin1 ?? null, lat: p.lat ?? null, lon: p.lon ?? null }))),
    e.start,
    e.end,
    e.tz,
    e.allDay,
    e.kind,
    JSON.stringify(e.sources),
    e.notes,
    JSON.stringify(e.tags),
    e.origin,
    e.originFile,
    e.originLine,
  ];
}

const EVENT_TYPES = [
  'text',
  'text',
  'text',
  'text',
  'int8',
  'int8',
  'text',
  'bool',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'int4',
];
const EVENT_UPSERT_SET = `ON CONFLICT (id) DO UPDATE SET title = excluded.title, country = excluded.country, places = excluded.places,
  start = excluded.start, "end" = excluded."end", tz = excluded.tz, all_day = excluded.all_day, kind = excluded.kind,
  sources = excluded.sources, notes = excluded.notes, tags = excluded.tags, origin = excluded.origin,
  origin_file = excluded.origin_file, origin_line = excluded.origin_line, updated_at = excluded.updated_at`;

/** Many events as one statement: one array per column; inserted in the given order (ids must be distinct). */
async function upsertEventRows(q: Queryable, events: readonly ProtestEvent[], now: number): Promise<void> {
  if (events.length === 0) return;
  const cols = EVENT_TYPES.map(() => [] as Arg[]);
  for (const e of events) eventValues(e).forEach((v, i) => cols[i]!.push(v));
  const unnest = EVENT_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
  const names = EVENT_TYPES.map((_, i) => `c${i}`);
  await q.query(
    `INSERT INTO protest_events (${EVENT_COLUMNS}) SELECT ${names.join(', ')}, $${EVENT_TYPES.length + 1}::int8, $${EVENT_TYPES.length + 1}::int8
     FROM unnest(${unnest}) WITH ORDINALITY AS u(${names.join(', ')}, i) ORDER BY i ${EVENT_UPSERT_SET}`,
    [...cols, now],
  );
}

function eventWhere(filter: EventFilter, p: Params): string {
  const where: string[] = [];
  if (filter.country) where.push(`country = ${p.add(filter.country.toUpperCase())}`);
  if (filter.from !== undefined) where.push(`"end" > ${p.add(filter.from)}`);
  if (filter.until !== undefined) where.push(`start < ${p.add(filter.until)}`);
  if (filter.kind) where.push(`kind = ${p.add(filter.kind)}`);
  if (filter.origin) where.push(`origin = ${p.add(filter.origin)}`);
  if (filter.text) {
    const t = p.add(filter.text.toLowerCase());
    where.push(
      `(strpos(${lower('title')}, ${t}) > 0 OR strpos(id, ${t}) > 0 OR EXISTS (SELECT 1 FROM jsonb_array_elements(places::jsonb) pl WHERE strpos(${lower("pl->>'name'")}, ${t}) > 0))`,
    );
  }
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

const EVENT_SORT_SQL: Record<EventSortKey, string> = {
  start: 'start',
  title: C(lower('title')),
  country: C('country'),
  kind: C('kind'),
  tz: C('tz'),
  origin: C('origin'),
};

const EVENT_ORDER = `start, ${C('id')}`;

async function getEventRow(q: Queryable, id: string): Promise<ProtestEvent | null> {
  const r = await q.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM protest_events WHERE id = $1`, [id]);
  return r.rows[0] ? eventFromRow(r.rows[0]) : null;
}

async function naturalKeyRow(q: Queryable, country: string, start: number, title: string): Promise<ProtestEvent | null> {
  const r = await q.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM protest_events WHERE country = $1 AND start = $2 AND title = $3`, [
    country,
    start,
    title,
  ]);
  return r.rows[0] ? eventFromRow(r.rows[0]) : null;
}

async function setCalendarMeta(q: Queryable, key: string, value: string): Promise<void> {
  await q.query('INSERT INTO calendar_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
    key,
    value,
  ]);
}

/** The advisory lock the calendar's planned writes (`writeEvent`, imports) take for their transaction ('owcal'). */
export const CALENDAR_WRITE_LOCK = 0x6f77_6361_6c;

export class PgCalendarRepository implements CalendarRepository {
  constructor(readonly pool: pg.Pool) {}

  async listEvents(filter: EventFilter = {}): Promise<ProtestEvent[]> {
    const p = new Params();
    const r = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM protest_events ${eventWhere(filter, p)} ORDER BY ${EVENT_ORDER}`,
      p.values,
    );
    return r.rows.map(eventFromRow);
  }

  async countEventsWhere(filter: EventFilter = {}): Promise<number> {
    const p = new Params();
    const r = await this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM protest_events ${eventWhere(filter, p)}`, p.values);
    return r.rows[0]!.n;
  }

  async pageEvents(filter: EventFilter, page: PageRequest<EventSortKey>): Promise<ProtestEvent[]> {
    const p = new Params();
    const where = eventWhere(filter, p);
    const expr = EVENT_SORT_SQL[page.sort];
    const sql = `SELECT ${EVENT_COLUMNS} FROM protest_events ${where} ORDER BY (${expr}) IS NULL, ${expr} ${page.dir === 'desc' ? 'DESC' : 'ASC'}, ${EVENT_ORDER} LIMIT ${p.add(page.limit)} OFFSET ${p.add(page.offset)}`;
    return (await this.pool.query<EventRow>(sql, p.values)).rows.map(eventFromRow);
  }

  async listUpcoming(now: number, filter: Omit<EventFilter, 'from'> = {}): Promise<ProtestEvent[]> {
    return this.listEvents({ ...filter, from: now });
  }

  getEvent(id: string): Promise<ProtestEvent | null> {
    return getEventRow(this.pool, id);
  }

  findByNaturalKey(country: string, start: number, title: string): Promise<ProtestEvent | null> {
    return naturalKeyRow(this.pool, country, start, title);
  }

  upsertEvent(e: ProtestEvent, now: number): Promise<void> {
    return upsertEventRows(this.pool, [e], now);
  }

  async upsertEvents(events: readonly ProtestEvent[], now: number, meta?: Record<string, string>): Promise<void> {
    await transaction(this.pool, async (c) => {
      // one statement per distinct id run (ON CONFLICT cannot touch one row twice in a statement)
      let batch: ProtestEvent[] = [];
      let ids = new Set<string>();
      for (const e of events) {
        if (ids.has(e.id) || batch.length >= 1000) {
          await upsertEventRows(c, batch, now);
          batch = [];
          ids = new Set();
        }
        batch.push(e);
        ids.add(e.id);
      }
      await upsertEventRows(c, batch, now);
      for (const [k, v] of Object.entries(meta ?? {})) await setCalendarMeta(c, k, v);
    });
  }

  async writeEvent<R>(
    key: Pick<ProtestEvent, 'id' | 'country' | 'start' | 'title'>,
    now: number,
    decide: (found: StoredEventMatch) => EventWriteDecision<R>,
  ): Promise<{ result: R; stored: ProtestEvent | null }> {
    return transaction(this.pool, async (c) => {
      // every dashboard's write (and import) of this database takes turns here: what is read below is what is
      // committed before this write, and no other writer plans against it until COMMIT
      await c.query('SELECT pg_advisory_xact_lock($1)', [CALENDAR_WRITE_LOCK]);
      const found = { byId: await getEventRow(c, key.id), byKey: await naturalKeyRow(c, key.country, key.start, key.title) };
      const { write, result } = decide(found);
      if (write) await upsertEventRows(c, [write], now);
      return { result, stored: await getEventRow(c, write?.id ?? key.id) };
    });
  }

  async removeEvent(id: string): Promise<boolean> {
    const r = await this.pool.query('DELETE FROM protest_events WHERE id = $1', [id]);
    return (r.rowCount ?? 0) > 0;
  }

  async countEvents(origin?: EventOrigin): Promise<number> {
    const r = origin
      ? await this.pool.query<{ n: number }>('SELECT count(*) AS n FROM protest_events WHERE origin = $1', [origin])
      : await this.pool.query<{ n: number }>('SELECT count(*) AS n FROM protest_events');
    return r.rows[0]!.n;
  }

  async getMeta(key: string): Promise<string | null> {
    const r = await this.pool.query<{ value: string }>('SELECT value FROM calendar_meta WHERE key = $1', [key]);
    return r.rows[0]?.value ?? null;
  }

  setMeta(key: string, value: string): Promise<void> {
    return setCalendarMeta(this.pool, key, value);
  }

  async openImport(): Promise<CalendarImportSession> {
    const client = await this.pool.connect();
    try {
      return new PgCalendarImport(client);
    } catch (err) {
      client.release();
      throw err;
    }
  }
}

const naturalKey = (e: Pick<ProtestEvent, 'country' | 'start' | 'title'>) => JSON.stringify([e.country, e.start, e.title]);

/**
 * One import on PostgreSQL. The staged rows live in a private temporary SQLite file (the same TEMP-table stage as
 * on SQLite: the file is never held in memory, and the parser hands rows over synchronously); the events written
 * are buffered and sent as multi-row upserts in write order on one connection, and reads inside the transaction
 * see that buffer first, so the plan of each row sees every earlier row of the file.
 */
class PgCalendarImport implements CalendarImportSession {
  readonly stage: ImportStage;
  private readonly scratch: Database.Database;
  /** Events written and not sent yet, by id, in write order. */
  private pending = new Map<string, ProtestEvent>();
  /** Natural key → id of the pending events. */
  private pendingKeys = new Map<string, string>();
  private pendingNow = 0;
  /** Read ahead by `prefetch`: the stored row of each id / natural key asked (null: none). */
  private byId = new Map<string, ProtestEvent | null>();
  private byKey = new Map<string, ProtestEvent | null>();

  constructor(private readonly client: pg.PoolClient) {
    // '' = a private temporary database that SQLite deletes when it is closed
    this.scratch = new Database('');
    this.stage = openImportStage(this.scratch);
  }

  async prefetch(events: readonly ProtestEvent[]): Promise<void> {
    this.byId = new Map();
    this.byKey = new Map();
    if (events.length === 0) return;
    const r = await this.client.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM protest_events WHERE id = ANY($1::text[])
       OR (country, start, title) IN (SELECT c, s, t FROM unnest($2::text[], $3::int8[], $4::text[]) AS u(c, s, t))`,
      [events.map((e) => e.id), events.map((e) => e.country), events.map((e) => e.start), events.map((e) => e.title)],
    );
    for (const e of events) {
      this.byId.set(e.id, null);
      this.byKey.set(naturalKey(e), null);
    }
    for (const row of r.rows) {
      const e = eventFromRow(row);
      if (this.byId.has(e.id)) this.byId.set(e.id, e);
      if (this.byKey.has(naturalKey(e))) this.byKey.set(naturalKey(e), e);
    }
  }

  async getEvent(id: string): Promise<ProtestEvent | null> {
    const p = this.pending.get(id);
    if (p) return p;
    const cached = this.byId.get(id);
    return cached !== undefined ? cached : getEventRow(this.client, id);
  }

  async findByNaturalKey(country: string, start: number, title: string): Promise<ProtestEvent | null> {
    const key = naturalKey({ country, start, title });
    const id = this.pendingKeys.get(key);
    if (id !== undefined) return this.pending.get(id)!;
    const cached = this.byKey.get(key);
    const stored = cached !== undefined ? cached : await naturalKeyRow(this.client, country, start, title);
    // a stored row whose pending update moved it to another key no longer holds this one
    if (stored && this.pending.has(stored.id)) return null;
    return stored;
  }

  async upsertEvent(e: ProtestEvent, now: number): Promise<void> {
    if (this.pending.size && now !== this.pendingNow) await this.flushEvents();
    this.pendingNow = now;
    const before = this.pending.get(e.id);
    if (before) this.pendingKeys.delete(naturalKey(before));
    // kept in write order: a rewrite moves to the end
    this.pending.delete(e.id);
    this.pending.set(e.id, e);
    this.pendingKeys.set(naturalKey(e), e.id);
    if (this.pending.size >= 1000) await this.flushEvents();
  }

  private async flushEvents(): Promise<void> {
    if (this.pending.size === 0) return;
    const events = [...this.pending.values()];
    this.pending = new Map();
    this.pendingKeys = new Map();
    await upsertEventRows(this.client, events, this.pendingNow);
    // what was read ahead now holds these rows as written: their old keys are free, their new keys taken
    const ids = new Set(events.map((e) => e.id));
    for (const [k, v] of this.byKey) if (v && ids.has(v.id)) this.byKey.set(k, null);
    for (const e of events) {
      if (this.byId.has(e.id)) this.byId.set(e.id, e);
      if (this.byKey.has(naturalKey(e))) this.byKey.set(naturalKey(e), e);
    }
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.client.query('BEGIN');
    try {
      // in turn with the dashboards' single-event writes (`writeEvent`)
      await this.client.query('SELECT pg_advisory_xact_lock($1)', [CALENDAR_WRITE_LOCK]);
      const r = await fn();
      await this.flushEvents();
      await this.client.query('COMMIT');
      return r;
    } catch (err) {
      this.pending = new Map();
      this.pendingKeys = new Map();
      this.byId = new Map();
      this.byKey = new Map();
      await this.client.query('ROLLBACK');
      throw err;
    }
  }

  async close(): Promise<void> {
    this.client.release();
    this.scratch.close();
  }
}

// ---------------------------------------------------------------- outages

function outageWhere(filter: OutageFilter & { severity?: Severity }, p: Params): string[] {
  const where: string[] = [];
  if (filter.entity) {
    const e = parseEntity(filter.entity);
    where.push(`e.type = ${p.add(e.type)} AND e.code = ${p.add(e.code)}`);
  }
  if (filter.country) {
    const cc = p.add(filter.country.toUpperCase());
    where.push(`(e.country = ${cc} OR (e.type = 'country' AND e.code = ${cc}))`);
  }
  if (filter.from !== undefined) where.push(`o."end" > ${p.add(filter.from)}`);
  if (filter.until !== undefined) where.push(`o.start < ${p.add(filter.until)}`);
  if (filter.kind) where.push(`o.kind = ${p.add(filter.kind)}`);
  if (filter.severity) where.push(`o.severity = ${p.add(filter.severity)}`);
  return where;
}

const NATIONAL = "(e.type = 'country' OR e.country IS NULL OR NOT (e.country ~ '^[A-Z][A-Z]$'))";
const DEPTH = "(SELECT max((j->>'depth')::float8) FROM jsonb_array_elements(o.signals::jsonb) j)";
const OUTAGE_SORT_SQL: Record<OutageSortKey, { sql: string; nullable: boolean }> = {
  id: { sql: 'o.id', nullable: false },
  entity: { sql: C("e.type || ':' || e.code"), nullable: false },
  kind: { sql: C('o.kind'), nullable: false },
  severity: { sql: C('o.severity'), nullable: false },
  start: { sql: 'o.start', nullable: false },
  end: { sql: 'o."end"', nullable: false },
  duration: { sql: '(o."end" - o.start)', nullable: false },
  depth: { sql: DEPTH, nullable: true },
  loss: {
    sql: `(coalesce(o.lost_percent, (SELECT round(max((j->>'lost')::float8) * 1000) / 10.0 FROM jsonb_array_elements(o.signals::jsonb) j), coalesce(${DEPTH}, 0) * 100) * coalesce(o.hours, round(((o."end" - o.start) / 3600.0)::numeric, 2)::float8))`,
    nullable: false,
  },
};

function outagePageWhere(filter: OutagePageFilter, p: Params): string {
  const where = outageWhere(filter, p);
  if (filter.parent === null) where.push(NATIONAL);
  else if (filter.parent !== undefined) where.push(`NOT ${NATIONAL} AND e.country = ${p.add(filter.parent.replace(/^country:/, ''))}`);
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

export class PgOutageRepository implements OutageRepository {
  constructor(readonly pool: pg.Pool) {}

  async listOutages(filter: OutageFilter = {}): Promise<Outage[]> {
    const p = new Params();
    const w = outageWhere(filter, p);
    const r = await this.pool.query<OutageRow>(
      `${OUTAGE_SELECT} ${w.length ? `WHERE ${w.join(' AND ')}` : ''} ORDER BY o.start, o.id`,
      p.values,
    );
    return r.rows.map(outageFromRow);
  }

  async countOutages(filter: OutagePageFilter = {}): Promise<{ total: number; subnational: number }> {
    const p = new Params();
    const r = await this.pool.query<{ total: number; sub: number }>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE NOT ${NATIONAL}) AS sub FROM outages o JOIN entities e ON e.id = o.entity_id ${outagePageWhere(filter, p)}`,
      p.values,
    );
    return { total: r.rows[0]!.total, subnational: r.rows[0]!.sub };
  }

  async pageOutages(filter: OutagePageFilter, page: PageRequest<OutageSortKey>): Promise<Outage[]> {
    const p = new Params();
    const where = outagePageWhere(filter, p);
    const key = OUTAGE_SORT_SQL[page.sort];
    const dir = page.dir === 'desc' ? 'DESC' : 'ASC';
    const order = `${key.nullable ? `(${key.sql}) IS NULL, ` : ''}${key.sql} ${dir}, o.start, o.id`;
    const sql = `WITH page AS (SELECT o.id, row_number() OVER (ORDER BY ${order}) AS i FROM outages o JOIN entities e ON e.id = o.entity_id ${where}
      ORDER BY ${order} LIMIT ${p.add(page.limit)} OFFSET ${p.add(page.offset)})
      ${OUTAGE_SELECT} JOIN page ON page.id = o.id ORDER BY page.i`;
    return (await this.pool.query<OutageRow>(sql, p.values)).rows.map(outageFromRow);
  }

  async outageParentGroups(filter: OutageFilter & { severity?: Severity } = {}): Promise<ParentGroup[]> {
    const p = new Params();
    const where = [...outageWhere(filter, p), `NOT ${NATIONAL}`];
    const r = await this.pool.query<{
      parent: string;
      n: number;
      entities: number;
      types: string[];
      lo: number;
      hi: number;
      synth: boolean;
    }>(
      `SELECT 'country:' || e.country AS parent, count(*) AS n, count(DISTINCT o.entity_id) AS entities, array_agg(DISTINCT e.type) AS types,
        min(o.start) AS lo, max(o."end") AS hi, bool_or(o.synthetic) AS synth
        FROM outages o JOIN entities e ON e.id = o.entity_id WHERE ${where.join(' AND ')} GROUP BY e.country ORDER BY ${C('e.country')}`,
      p.values,
    );
    return r.rows.map((x) => ({
      parent: x.parent,
      count: x.n,
      entities: x.entities,
      types: [...x.types].sort(),
      from: x.lo,
      until: x.hi,
      synthetic: x.synth,
    }));
  }

  async getOutage(id: number): Promise<Outage | undefined> {
    const r = await this.pool.query<OutageRow>(`${OUTAGE_SELECT} WHERE o.id = $1`, [id]);
    return r.rows[0] ? outageFromRow(r.rows[0]) : undefined;
  }

  async replaceOutages(
    entity: string,
    from: number,
    until: number,
    outages: readonly Outage[],
    detectedAt = Math.floor(Date.now() / 1000),
  ): Promise<Outage[]> {
    const key = formatEntity(parseEntity(entity));
    for (const o of outages)
      if (formatEntity(parseEntity(o.entity)) !== key) throw new Error(`outage of ${o.entity} given to replaceOutages for ${key}`);
    const e = parseEntity(key);
    return transaction(this.pool, async (c) => {
      const ent = await c.query<{ id: number; type: string; country: string | null }>(
        `INSERT INTO entities (type, code, country) VALUES ($1, $2, $3) ON CONFLICT (type, code) DO UPDATE SET type = excluded.type
         RETURNING id, type, country`,
        [e.type, e.code, e.type === 'country' ? e.code : null],
      );
      const { id, type, country } = ent.rows[0]!;
      const parent = parentOf(type, country);
      await c.query('DELETE FROM outages WHERE entity_id = $1 AND "end" > $2 AND start < $3', [id, from, until]);
      return insertOutageRows(c, id, parent, key, outages, detectedAt);
    });
  }
}

// ---------------------------------------------------------------- alerts

interface ChangeDbRow {
  id: number;
  key: string;
  entity: string;
  change: ChangeRow['change'];
  at: number;
  payload: string;
  /** The payload of the change it shares its outage with (migration 0071), null when it holds its whole payload. */
  body: string | null;
  announced: boolean;
  created_at: number;
}

const delivery = deliveryFromDbRow;

export class PgAlertRepository implements AlertRepository {
  constructor(readonly pool: pg.Pool) {}

  async recordChange(c: Parameters<AlertRepository['recordChange']>[0]): Promise<ChangeRow | null> {
    const r = await this.pool.query<{ id: number }>(
      'INSERT INTO outage_changes (key, entity, change, at, payload, announced, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING RETURNING id',
      [c.key, c.entity, c.change, c.at, JSON.stringify(c.payload), c.announced, c.now],
    );
    if (!r.rows[0]) return null;
    return {
      id: r.rows[0].id,
      key: c.key,
      entity: c.entity,
      change: c.change,
      at: c.at,
      payload: c.payload,
      announced: c.announced,
      createdAt: c.now,
    };
  }

  async changeRecorded(key: string): Promise<boolean> {
    return ((await this.pool.query('SELECT 1 FROM outage_changes WHERE key = $1', [key])).rowCount ?? 0) > 0;
  }

  async startedChanges(entity: string, from: number, until: number): Promise<Array<{ at: number; outageEnd: number | null }>> {
    const r = await this.pool.query<{ at: number; end: string | null }>(
      `SELECT at, payload::jsonb #>> '{outage,end}' AS end FROM outage_changes WHERE entity = $1 AND change = 'started' AND at >= $2 AND at < $3 ORDER BY at`,
      [entity, from, until],
    );
    return r.rows.map((x) => ({ at: x.at, outageEnd: outageEndOf(x.end) }));
  }

  async listChanges(filter: { entity?: string; limit?: number } = {}): Promise<ChangeRow[]> {
    const r = filter.entity
      ? await this.pool.query<ChangeDbRow>(`${SELECT_CHANGES} WHERE c.entity = $1 ORDER BY c.id DESC LIMIT $2`, [
          filter.entity,
          filter.limit ?? 100,
        ])
      : await this.pool.query<ChangeDbRow>(`${SELECT_CHANGES} ORDER BY c.id DESC LIMIT $1`, [filter.limit ?? 100]);
    return r.rows.map((x) => ({
      id: x.id,
      key: x.key,
      entity: x.entity,
      change: x.change,
      at: x.at,
      payload: JSON.parse(payloadText(x.payload, x.body)) as unknown,
      announced: x.announced,
      createdAt: x.created_at,
    }));
  }

  async queueDelivery(changeId: number, url: string, now: number): Promise<void> {
    await this.pool.query(
      "INSERT INTO webhook_deliveries (change_id, url, status, next_attempt) VALUES ($1, $2, 'pending', $3) ON CONFLICT (change_id, url) DO NOTHING",
      [changeId, url, now],
    );
  }

  async dueDeliveries(now: number, limit = 100): Promise<DeliveryRow[]> {
    const r = await this.pool.query<DeliveryDbRow & { payload: string; body: string | null }>(
      `SELECT d.*, c.payload, b.payload AS body FROM webhook_deliveries d JOIN outage_changes c ON c.id = d.change_id LEFT JOIN outage_changes b ON b.id = c.body_of
       WHERE d.status = 'pending' AND coalesce(d.next_attempt, 0) <= $1 ORDER BY d.id LIMIT $2`,
      [now, limit],
    );
    return r.rows.map((x) => ({ ...delivery(x), payload: JSON.parse(payloadText(x.payload, x.body)) as unknown }));
  }

  async listDeliveries(): Promise<Array<Omit<DeliveryRow, 'payload'>>> {
    return (await this.pool.query<DeliveryDbRow>('SELECT * FROM webhook_deliveries ORDER BY id')).rows.map(delivery);
  }

  async markDelivered(id: number, attempts: number, now: number): Promise<void> {
    await this.pool.query(
      "UPDATE webhook_deliveries SET status = 'sent', attempts = $1, sent_at = $2, last_error = NULL, next_attempt = NULL WHERE id = $3 AND status = 'pending'",
      [attempts, now, id],
    );
  }

  async markAttemptFailed(id: number, attempts: number, error: string, nextAttempt: number | null): Promise<void> {
    await this.pool.query('UPDATE webhook_deliveries SET status = $1, attempts = $2, last_error = $3, next_attempt = $4 WHERE id = $5', [
      nextAttempt === null ? 'failed' : 'pending',
      attempts,
      error.slice(0, 500),
      nextAttempt,
      id,
    ]);
  }
}

// ---------------------------------------------------------------- reference lists

type RefRow = ReferenceDbRow;

const REF_COLUMNS =
  'id, list, natural_key, country, start, "end", kind, scope, scope_raw, scope_detail, area, cause, services, source, origin_file, origin_line, raw';

const refFromRow = referenceFromDbRow;

const SCOPE_SQL = `(CASE WHEN scope IN (${SCOPES.map((x) => `'${x}'`).join(', ')}) THEN scope ELSE 'unknown' END)`;

function refWhere(f: ReferenceFilter, p: Params): string {
  const where = [`list = ${p.add(f.list)}`];
  if (f.country) where.push(`country = ${p.add(f.country.toUpperCase())}`);
  const open = f.openEndedSeconds ?? 86400;
  if (f.from !== undefined) where.push(`coalesce("end", start + ${p.add(open)}) > ${p.add(f.from)}`);
  if (f.until !== undefined) where.push(`start < ${p.add(f.until)}`);
  if (f.scope) where.push(`${SCOPE_SQL} = ${p.add(f.scope)}`);
  if (f.text) {
    const t = p.add(f.text.toLowerCase());
    const fields = ['cause', 'scope_detail', 'scope_raw', 'area', SCOPE_SQL, 'kind'].map(
      (c) => `strpos(${lower(`coalesce(${c}, '')`)}, ${t}) > 0`,
    );
    where.push(
      `(${fields.join(' OR ')} OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(services::jsonb) s WHERE strpos(${lower('s')}, ${t}) > 0))`,
    );
  }
  return where.join(' AND ');
}

const REF_SORT_SQL: Record<ReferenceSortKey, string> = {
  country: C('country'),
  start: 'start',
  end: '"end"',
  duration: '("end" - start)',
  kind: C('kind'),
  scope: C(SCOPE_SQL),
  area: C('area'),
  cause: C('cause'),
};

/** What a repeat changes on the stored row (the rules of db/reference.ts's UPDATE, applied in order). */
interface RefState {
  id: number | null;
  end: number | null;
  kind: string | null;
  scope: string | null;
  scopeRaw: string | null;
  scopeDetail: string | null;
  area: string | null;
  cause: string | null;
  services: string[];
  /** the whole row, for rows new in this write */
  row: ReferenceOutage | null;
}

export class PgReferenceRepository implements ReferenceRepository {
  constructor(readonly pool: pg.Pool) {}

  async upsertReferenceOutages(
    list: string,
    format: string,
    file: string | null,
    rows: readonly ReferenceOutage[],
    stats: { rejected: number },
    now = Math.floor(Date.now() / 1000),
  ): Promise<{ inserted: number; repeated: number }> {
    return transaction(this.pool, async (c) => {
      // the stored rows of the keys in this write, read once; then every row applied in order in memory, as the
      // SQLite statements would apply them one by one; then one multi-row insert and one multi-row update
      const keys = [...new Set(rows.map((r) => r.naturalKey))];
      const state = new Map<string, RefState>();
      for (let i = 0; i < keys.length; i += 5000) {
        const r = await c.query<RefRow>(
          `SELECT ${REF_COLUMNS} FROM reference_outages WHERE list = $1 AND natural_key = ANY($2::text[]) FOR UPDATE`,
          [list, keys.slice(i, i + 5000)],
        );
        for (const x of r.rows)
          state.set(x.natural_key, {
            id: x.id,
            end: x.end,
            kind: x.kind,
            scope: x.scope,
            scopeRaw: x.scope_raw,
            scopeDetail: x.scope_detail,
            area: x.area,
            cause: x.cause,
            services: JSON.parse(x.services) as string[],
            row: null,
          });
      }
      let inserted = 0;
      let repeated = 0;
      const fresh: RefState[] = [];
      const touched = new Set<RefState>();
      for (const r of rows) {
        const old = state.get(r.naturalKey);
        if (!old) {
          inserted++;
          const s: RefState = {
            id: null,
            end: r.end,
            kind: r.kind,
            scope: r.scope,
            scopeRaw: r.scopeRaw,
            scopeDetail: r.scopeDetail,
            area: r.area,
            cause: r.cause,
            services: r.services,
            row: r,
          };
          state.set(r.naturalKey, s);
          fresh.push(s);
          continue;
        }
        repeated++;
        const knownScope = old.scope !== null && old.scope !== 'unknown';
        old.scopeRaw = r.scope === 'unknown' && knownScope ? old.scopeRaw : (r.scopeRaw ?? old.scopeRaw);
        old.scope = r.scope === 'unknown' ? old.scope : r.scope;
        old.end = r.end ?? old.end;
        old.kind = r.kind ?? old.kind;
        old.scopeDetail = r.scopeDetail ?? old.scopeDetail;
        old.area = r.area ?? old.area;
        old.cause = r.cause ?? old.cause;
        old.services = [...new Set([...old.services, ...r.services])];
        if (old.id !== null) touched.add(old);
      }
      for (let i = 0; i < fresh.length; i += 5000) {
        const part = fresh.slice(i, i + 5000);
        const col = <T>(f: (s: RefState) => T) => part.map(f);
        await c.query(
          `INSERT INTO reference_outages (list, natural_key, country, start, "end", kind, scope, scope_raw, scope_detail, area, cause, services, source, origin_file, origin_line, raw)
           SELECT $1, k, co, s, e, ki, sc, sr, sd, ar, ca, sv, so, f, l, rw
           FROM unnest($2::text[], $3::text[], $4::int8[], $5::int8[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::int4[], $16::text[])
             WITH ORDINALITY AS u(k, co, s, e, ki, sc, sr, sd, ar, ca, sv, so, f, l, rw, i)
           ORDER BY i`,
          [
            list,
            col((s) => s.row!.naturalKey),
            col((s) => s.row!.country),
            col((s) => s.row!.start),
            col((s) => s.end),
            col((s) => s.kind),
            col((s) => s.scope),
            col((s) => s.scopeRaw),
            col((s) => s.scopeDetail),
            col((s) => s.area),
            col((s) => s.cause),
            col((s) => JSON.stringify(s.services)),
            col((s) => s.row!.source),
            col((s) => s.row!.originFile),
            col((s) => s.row!.originLine),
            col((s) => JSON.stringify(s.row!.raw ?? null)),
          ],
        );
      }
      const upd = [...touched];
      for (let i = 0; i < upd.length; i += 5000) {
        const part = upd.slice(i, i + 5000);
        const col = <T>(f: (s: RefState) => T) => part.map(f);
        await c.query(
          `UPDATE reference_outages r SET "end" = u.e, kind = u.ki, scope = u.sc, scope_raw = u.sr, scope_detail = u.sd, area = u.ar, cause = u.ca, services = u.sv
           FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(id, e, ki, sc, sr, sd, ar, ca, sv)
           WHERE r.id = u.id`,
          [
            col((s) => s.id),
            col((s) => s.end),
            col((s) => s.kind),
            col((s) => s.scope),
            col((s) => s.scopeRaw),
            col((s) => s.scopeDetail),
            col((s) => s.area),
            col((s) => s.cause),
            col((s) => JSON.stringify(s.services)),
          ],
        );
      }
      const entry = { file: file ?? '', importedAt: now, imported: inserted, rejected: stats.rejected, duplicates: repeated };
      const existing = await c.query<{ files: string }>('SELECT files FROM reference_lists WHERE name = $1 FOR UPDATE', [list]);
      if (existing.rows[0])
        await c.query('UPDATE reference_lists SET files = $1, updated_at = $2 WHERE name = $3', [
          JSON.stringify([...(JSON.parse(existing.rows[0].files) as unknown[]), entry]),
          now,
          list,
        ]);
      else
        await c.query('INSERT INTO reference_lists (name, format, files, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)', [
          list,
          format,
          JSON.stringify([entry]),
          now,
        ]);
      return { inserted, repeated };
    });
  }

  async listReferenceOutages(f: ReferenceFilter): Promise<ReferenceOutage[]> {
    const p = new Params();
    const r = await this.pool.query<RefRow>(
      `SELECT ${REF_COLUMNS} FROM reference_outages WHERE ${refWhere(f, p)} ORDER BY start, id`,
      p.values,
    );
    return r.rows.map(refFromRow);
  }

  async countReferenceOutages(f: ReferenceFilter): Promise<number> {
    const p = new Params();
    const r = await this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM reference_outages WHERE ${refWhere(f, p)}`, p.values);
    return r.rows[0]!.n;
  }

  async pageReferenceOutages(f: ReferenceFilter, page: PageRequest<ReferenceSortKey>): Promise<ReferenceOutage[]> {
    const p = new Params();
    const where = refWhere(f, p);
    const expr = REF_SORT_SQL[page.sort];
    const order = `(${expr}) IS NULL, ${expr} ${page.dir === 'desc' ? 'DESC' : 'ASC'}, start, id`;
    const r = await this.pool.query<RefRow>(
      `SELECT ${REF_COLUMNS} FROM reference_outages WHERE ${where} ORDER BY ${order} LIMIT ${p.add(page.limit)} OFFSET ${p.add(page.offset)}`,
      p.values,
    );
    return r.rows.map(refFromRow);
  }

  async referenceListNames(): Promise<string[]> {
    const r = await this.pool.query<{ name: string }>(
      `SELECT name FROM (SELECT name FROM reference_lists UNION SELECT DISTINCT list AS name FROM reference_outages) n ORDER BY ${C('name')}`,
    );
    return r.rows.map((x) => x.name);
  }

  async getReferenceList(name: string): Promise<ReferenceListRow | null> {
    const meta = (
      await this.pool.query<{ format: string; files: string; created_at: number; updated_at: number }>(
        'SELECT format, files, created_at, updated_at FROM reference_lists WHERE name = $1',
        [name],
      )
    ).rows[0];
    const agg = (
      await this.pool.query<{ n: number; countries: number; first: number | null; last: number | null; last_start: number | null }>(
        'SELECT count(*) AS n, count(DISTINCT country) AS countries, min(start) AS first, max(coalesce("end", start)) AS last, max(start) AS last_start FROM reference_outages WHERE list = $1',
        [name],
      )
    ).rows[0];
    if (!meta && !agg?.n) return null;
    const kinds = (
      await this.pool.query<{ kind: string | null; n: number }>(
        `SELECT kind, count(*) AS n FROM reference_outages WHERE list = $1 GROUP BY kind ORDER BY ${C('kind')} NULLS FIRST`,
        [name],
      )
    ).rows;
    const scopes = (
      await this.pool.query<{ scope: string | null; n: number }>(
        'SELECT scope, count(*) AS n FROM reference_outages WHERE list = $1 GROUP BY scope',
        [name],
      )
    ).rows;
    return referenceListFromParts(name, meta, agg && { ...agg, lastStart: agg.last_start }, kinds, scopes);
  }

  async listReferenceLists(): Promise<ReferenceListRow[]> {
    const out: ReferenceListRow[] = [];
    for (const n of await this.referenceListNames()) {
      const l = await this.getReferenceList(n);
      if (l) out.push(l);
    }
    return out;
  }

  async referenceListExists(name: string): Promise<boolean> {
    return (await this.getReferenceList(name)) !== null;
  }
}

/** Every repository over the pool of an open PostgreSQL core store; `close()` ends the pool. */
export function pgRepositories(points: PgPointStore): Repositories {
  return {
    backend: 'postgres',
    points,
    calendar: new PgCalendarRepository(points.pool),
    outages: new PgOutageRepository(points.pool),
    alerts: new PgAlertRepository(points.pool),
    reference: new PgReferenceRepository(points.pool),
    detection: new PgDetectionRepository(points.pool),
    close: () => points.close(),
  };
}
