import type { DbBackend } from '../core/db-location.js';
import type { EventOrigin, ProtestEvent } from '../core/calendar.js';
import type { Outage, Severity } from '../core/outage.js';
import type { ChangeRecord, ChangeRow, DeliveryRow } from './alerts.js';
import type { EventFilter, EventSortKey, ImportStage } from './calendar.js';
import type { OutageFilter, OutagePageFilter, OutageSortKey, ParentGroup } from './outages.js';
import type { ReferenceFilter, ReferenceListRow, ReferenceOutage, ReferenceSortKey } from './reference.js';
import type { DetectionRepository } from './detection.js';
import type { PointStore } from './repository.js';

/**
 * The repositories beside the core `PointStore` (issue 23): the protest calendar, detected outages, outage changes
 * and webhook deliveries (alerts), reference outage lists. Asynchronous, so that one program runs on SQLite (today's
 * free functions of db/calendar.ts, db/outages.ts, db/alerts.ts, db/reference.ts, wrapped: db/sqlite-repositories.ts)
 * and on PostgreSQL (db/postgres/repositories.ts). The same calls give the same results on both (one test suite per
 * repository runs on both backends: test/db/repositories/*.test.ts).
 */

export interface PageRequest<K extends string> {
  sort: K;
  dir: 'asc' | 'desc';
  limit: number;
  offset: number;
}

/**
 * The scratch space and the one transaction of a calendar import (services/calendar/import.ts): validated rows are
 * staged as they are read (`stage`: TEMP tables on local disk — on SQLite the calendar's own connection, on
 * PostgreSQL a private temporary SQLite file — so a file of any size is never held in memory), read back in
 * batches, planned against the stored calendar and written inside ONE transaction (all good rows of a file or none).
 */
export interface CalendarImportSession {
  /** Synchronous scratch tables (the parser hands rows over one by one as it streams the file). */
  readonly stage: ImportStage;
  /**
   * A hint: the rows `getEvent`/`findByNaturalKey` are about to be asked for these events (their ids and natural
   * keys). PostgreSQL reads them in one query instead of one round trip each; SQLite does nothing.
   */
  prefetch(events: readonly ProtestEvent[]): Promise<void>;
  /** The stored calendar as this import's transaction sees it (its own writes included). */
  getEvent(id: string): Promise<ProtestEvent | null>;
  findByNaturalKey(country: string, start: number, title: string): Promise<ProtestEvent | null>;
  upsertEvent(e: ProtestEvent, now: number): Promise<void>;
  /** Runs `fn` in ONE write transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Drops the staged rows and gives the connection back. */
  close(): Promise<void>;
}

/** What `CalendarRepository.writeEvent` finds stored for an event: the row with its id, and the row holding its natural key. */
export interface StoredEventMatch {
  byId: ProtestEvent | null;
  byKey: ProtestEvent | null;
}

/** What `writeEvent`'s `decide` returns: the event to store (null: store nothing) and a result handed back. */
export interface EventWriteDecision<R> {
  write: ProtestEvent | null;
  result: R;
}

export interface CalendarRepository {
  /** Events overlapping [from, until) (either bound optional), ordered by start, then id. */
  listEvents(filter?: EventFilter): Promise<ProtestEvent[]>;
  /** How many events `listEvents` would return for this filter. */
  countEventsWhere(filter?: EventFilter): Promise<number>;
  /** One page of what `listEvents` returns, sorted (nulls last, ties start then id) and paged in SQL. */
  pageEvents(filter: EventFilter, page: PageRequest<EventSortKey>): Promise<ProtestEvent[]>;
  /** Events that have not ended at `now`, soonest first. */
  listUpcoming(now: number, filter?: Omit<EventFilter, 'from'>): Promise<ProtestEvent[]>;
  getEvent(id: string): Promise<ProtestEvent | null>;
  /** The event with this natural key (country + start + title), if any. */
  findByNaturalKey(country: string, start: number, title: string): Promise<ProtestEvent | null>;
  /** Inserts or updates by id (created_at kept, updated_at = now). */
  upsertEvent(e: ProtestEvent, now: number): Promise<void>;
  /** Inserts or updates many events, and sets calendar meta keys, in ONE transaction: all or none. */
  upsertEvents(events: readonly ProtestEvent[], now: number, meta?: Record<string, string>): Promise<void>;
  /**
   * One planned write of one event (the dashboard's forms and `POST`/`PUT /api/events`), in ONE write transaction
   * that every other `writeEvent` and calendar import on this database waits for — SQLite: an IMMEDIATE transaction
   * run synchronously on this connection; PostgreSQL: a transaction-level advisory lock, so any number of dashboards
   * on one database cannot both insert the same event. `decide` gets what is stored under the event's id and under
   * its natural key (country + start + title) and says what to store; when it throws nothing is written. Returns
   * its result and the stored row of the written event (of `key.id` when nothing was written) after the write.
   */
  writeEvent<R>(
    key: Pick<ProtestEvent, 'id' | 'country' | 'start' | 'title'>,
    now: number,
    decide: (found: StoredEventMatch) => EventWriteDecision<R>,
  ): Promise<{ result: R; stored: ProtestEvent | null }>;
  /** Removes an event; false when there was none. */
  removeEvent(id: string): Promise<boolean>;
  countEvents(origin?: EventOrigin): Promise<number>;
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
  /** Opens the staging and transaction of one file import (close it when done). */
  openImport(): Promise<CalendarImportSession>;
}

export interface OutageRepository {
  /** Outages overlapping [from, until), ordered by start (then id). */
  listOutages(filter?: OutageFilter): Promise<Outage[]>;
  /** How many outages match, and how many of them are sub-national. */
  countOutages(filter?: OutagePageFilter): Promise<{ total: number; subnational: number }>;
  /** One page in a stable order: by `sort` (nulls last either way), ties by start then id. */
  pageOutages(filter: OutagePageFilter, page: PageRequest<OutageSortKey>): Promise<Outage[]>;
  /** Per parent country, what its sub-national outages hold. */
  outageParentGroups(filter?: OutageFilter & { severity?: Severity }): Promise<ParentGroup[]>;
  getOutage(id: number): Promise<Outage | undefined>;
  /**
   * Replaces, in ONE transaction, the detections of `entity` overlapping [from, until) with `outages` (idempotent
   * re-detection). Returns the stored outages with their ids.
   */
  replaceOutages(entity: string, from: number, until: number, outages: readonly Outage[], detectedAt?: number): Promise<Outage[]>;
}

export interface AlertRepository {
  /** Records a change unless its key is known; the new row, or null when seen before (never announced twice). */
  recordChange(c: ChangeRecord): Promise<ChangeRow | null>;
  changeRecorded(key: string): Promise<boolean>;
  /** 'started' changes of an entity recorded at times in [from, until), oldest first, with the outage end they carried. */
  startedChanges(entity: string, from: number, until: number): Promise<Array<{ at: number; outageEnd: number | null }>>;
  /** Newest first. */
  listChanges(filter?: { entity?: string; limit?: number }): Promise<ChangeRow[]>;
  /** Queues a delivery of `changeId` to `url` (once: the pair is unique). */
  queueDelivery(changeId: number, url: string, now: number): Promise<void>;
  /** Pending deliveries due at `now`, oldest first. */
  dueDeliveries(now: number, limit?: number): Promise<DeliveryRow[]>;
  listDeliveries(): Promise<Array<Omit<DeliveryRow, 'payload'>>>;
  markDelivered(id: number, attempts: number, now: number): Promise<void>;
  /** A failed attempt: stays pending until `nextAttempt`, or becomes 'failed' when nextAttempt is null. */
  markAttemptFailed(id: number, attempts: number, error: string, nextAttempt: number | null): Promise<void>;
}

export interface ReferenceRepository {
  /**
   * Writes rows of one list in ONE transaction; a row whose natural key is already in the list updates it (a known
   * end kept over an unknown one). How many were new and how many repeats.
   */
  upsertReferenceOutages(
    list: string,
    format: string,
    file: string | null,
    rows: readonly ReferenceOutage[],
    stats: { rejected: number },
    now?: number,
  ): Promise<{ inserted: number; repeated: number }>;
  /** Ordered by start, then id. */
  listReferenceOutages(f: ReferenceFilter): Promise<ReferenceOutage[]>;
  countReferenceOutages(f: ReferenceFilter): Promise<number>;
  pageReferenceOutages(f: ReferenceFilter, page: PageRequest<ReferenceSortKey>): Promise<ReferenceOutage[]>;
  /** Sorted by name (byte order). */
  referenceListNames(): Promise<string[]>;
  getReferenceList(name: string): Promise<ReferenceListRow | null>;
  listReferenceLists(): Promise<ReferenceListRow[]>;
  referenceListExists(name: string): Promise<boolean>;
}

/** Every repository of one database (`openRepositories`, db/open.ts); `close()` closes them all. */
export interface Repositories {
  readonly backend: DbBackend;
  readonly points: PointStore;
  readonly calendar: CalendarRepository;
  readonly outages: OutageRepository;
  readonly alerts: AlertRepository;
  readonly reference: ReferenceRepository;
  /** The detector's stored state and the write of a detection's results (db/detection.ts). */
  readonly detection: DetectionRepository;
  close(): Promise<void>;
}
