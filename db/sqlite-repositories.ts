import type { EventOrigin, ProtestEvent } from '../core/calendar.js';
import type { Outage, Severity } from '../core/outage.js';
import * as alerts from './alerts.js';
import * as calendar from './calendar.js';
import type { Db } from './connection.js';
import * as outages from './outages.js';
import * as reference from './reference.js';
import type {
  AlertRepository,
  CalendarImportSession,
  CalendarRepository,
  EventWriteDecision,
  StoredEventMatch,
  OutageRepository,
  PageRequest,
  ReferenceRepository,
  Repositories,
} from './repositories.js';
import { SqliteDetectionRepository } from './detection.js';
import { SqlitePointStore } from './repository.js';
import type { SqliteStore } from './store.js';

/**
 * The repositories on SQLite: today's free functions of db/calendar.ts, db/outages.ts, db/alerts.ts and
 * db/reference.ts, called as they are (synchronous underneath; each call settled as a promise), so their speed is
 * unchanged.
 */

export class SqliteCalendarRepository implements CalendarRepository {
  constructor(readonly db: Db) {}

  async listEvents(filter?: calendar.EventFilter): Promise<ProtestEvent[]> {
    return calendar.listEvents(this.db, filter);
  }
  async countEventsWhere(filter?: calendar.EventFilter): Promise<number> {
    return calendar.countEventsWhere(this.db, filter);
  }
  async pageEvents(filter: calendar.EventFilter, page: PageRequest<calendar.EventSortKey>): Promise<ProtestEvent[]> {
    return calendar.pageEvents(this.db, filter, page);
  }
  async listUpcoming(now: number, filter?: Omit<calendar.EventFilter, 'from'>): Promise<ProtestEvent[]> {
    return calendar.listUpcoming(this.db, now, filter);
  }
  async getEvent(id: string): Promise<ProtestEvent | null> {
    return calendar.getEvent(this.db, id);
  }
  async findByNaturalKey(country: string, start: number, title: string): Promise<ProtestEvent | null> {
    return calendar.findByNaturalKey(this.db, country, start, title);
  }
  async upsertEvent(e: ProtestEvent, now: number): Promise<void> {
    calendar.upsertEvent(this.db, e, now);
  }
  async upsertEvents(events: readonly ProtestEvent[], now: number, meta?: Record<string, string>): Promise<void> {
    this.db
      .transaction(() => {
        calendar.upsertEvents(this.db, events, now);
        for (const [k, v] of Object.entries(meta ?? {})) calendar.setCalendarMeta(this.db, k, v);
      })
      .immediate();
  }
  async writeEvent<R>(
    key: Pick<ProtestEvent, 'id' | 'country' | 'start' | 'title'>,
    now: number,
    decide: (found: StoredEventMatch) => EventWriteDecision<R>,
  ): Promise<{ result: R; stored: ProtestEvent | null }> {
    // synchronous from BEGIN to COMMIT: nothing else on this connection runs in between
    return this.db
      .transaction(() => {
        const found = {
          byId: calendar.getEvent(this.db, key.id),
          byKey: calendar.findByNaturalKey(this.db, key.country, key.start, key.title),
        };
        const { write, result } = decide(found);
        if (write) calendar.upsertEvent(this.db, write, now);
        return { result, stored: calendar.getEvent(this.db, write?.id ?? key.id) };
      })
      .immediate();
  }
  async removeEvent(id: string): Promise<boolean> {
    return calendar.removeEvent(this.db, id);
  }
  async countEvents(origin?: EventOrigin): Promise<number> {
    return calendar.countEvents(this.db, origin);
  }
  async getMeta(key: string): Promise<string | null> {
    return calendar.getCalendarMeta(this.db, key);
  }
  async setMeta(key: string, value: string): Promise<void> {
    calendar.setCalendarMeta(this.db, key, value);
  }
  async openImport(): Promise<CalendarImportSession> {
    return new SqliteCalendarImport(this.db, calendar.openImportStage(this.db));
  }
}

/** The import on SQLite: the TEMP-table stage of db/calendar.ts, and one IMMEDIATE transaction on this connection. */
class SqliteCalendarImport implements CalendarImportSession {
  constructor(
    private readonly db: Db,
    readonly stage: calendar.ImportStage,
  ) {}

  async prefetch(): Promise<void> {}
  async getEvent(id: string): Promise<ProtestEvent | null> {
    return calendar.getEvent(this.db, id);
  }
  async findByNaturalKey(country: string, start: number, title: string): Promise<ProtestEvent | null> {
    return calendar.findByNaturalKey(this.db, country, start, title);
  }
  async upsertEvent(e: ProtestEvent, now: number): Promise<void> {
    calendar.upsertEvent(this.db, e, now);
  }
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    // every call inside settles synchronously on this connection; BEGIN IMMEDIATE takes the write lock up front
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const r = await fn();
      this.db.exec('COMMIT');
      return r;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }
  async close(): Promise<void> {
    this.stage.drop();
  }
}

export class SqliteOutageRepository implements OutageRepository {
  constructor(readonly db: Db) {}

  async listOutages(filter?: outages.OutageFilter): Promise<Outage[]> {
    return outages.listOutages(this.db, filter);
  }
  async countOutages(filter?: outages.OutagePageFilter): Promise<{ total: number; subnational: number }> {
    return outages.countOutages(this.db, filter);
  }
  async pageOutages(filter: outages.OutagePageFilter, page: PageRequest<outages.OutageSortKey>): Promise<Outage[]> {
    return outages.pageOutages(this.db, filter, page);
  }
  async outageParentGroups(filter?: outages.OutageFilter & { severity?: Severity }): Promise<outages.ParentGroup[]> {
    return outages.outageParentGroups(this.db, filter);
  }
  async getOutage(id: number): Promise<Outage | undefined> {
    return outages.getOutage(this.db, id);
  }
  async replaceOutages(entity: string, from: number, until: number, list: readonly Outage[], detectedAt?: number): Promise<Outage[]> {
    return outages.replaceOutages(this.db, entity, from, until, list, detectedAt);
  }
}

export class SqliteAlertRepository implements AlertRepository {
  constructor(readonly db: Db) {}

  async recordChange(c: Parameters<AlertRepository['recordChange']>[0]): Promise<alerts.ChangeRow | null> {
    return alerts.recordChange(this.db, c);
  }
  async changeRecorded(key: string): Promise<boolean> {
    return alerts.changeRecorded(this.db, key);
  }
  async startedChanges(entity: string, from: number, until: number): Promise<Array<{ at: number; outageEnd: number | null }>> {
    return alerts.startedChanges(this.db, entity, from, until);
  }
  async listChanges(filter?: { entity?: string; limit?: number }): Promise<alerts.ChangeRow[]> {
    return alerts.listChanges(this.db, filter);
  }
  async queueDelivery(changeId: number, url: string, now: number): Promise<void> {
    alerts.queueDelivery(this.db, changeId, url, now);
  }
  async dueDeliveries(now: number, limit?: number): Promise<alerts.DeliveryRow[]> {
    return alerts.dueDeliveries(this.db, now, limit);
  }
  async listDeliveries(): Promise<Array<Omit<alerts.DeliveryRow, 'payload'>>> {
    return alerts.listDeliveries(this.db);
  }
  async markDelivered(id: number, attempts: number, now: number): Promise<void> {
    alerts.markDelivered(this.db, id, attempts, now);
  }
  async markAttemptFailed(id: number, attempts: number, error: string, nextAttempt: number | null): Promise<void> {
    alerts.markAttemptFailed(this.db, id, attempts, error, nextAttempt);
  }
}

export class SqliteReferenceRepository implements ReferenceRepository {
  constructor(readonly db: Db) {}

  async upsertReferenceOutages(
    list: string,
    format: string,
    file: string | null,
    rows: readonly reference.ReferenceOutage[],
    stats: { rejected: number },
    now?: number,
  ): Promise<{ inserted: number; repeated: number }> {
    return reference.upsertReferenceOutages(this.db, list, format, file, rows, stats, now);
  }
  async listReferenceOutages(f: reference.ReferenceFilter): Promise<reference.ReferenceOutage[]> {
    return reference.listReferenceOutages(this.db, f);
  }
  async countReferenceOutages(f: reference.ReferenceFilter): Promise<number> {
    return reference.countReferenceOutages(this.db, f);
  }
  async pageReferenceOutages(
    f: reference.ReferenceFilter,
    page: PageRequest<reference.ReferenceSortKey>,
  ): Promise<reference.ReferenceOutage[]> {
    return reference.pageReferenceOutages(this.db, f, page);
  }
  async referenceListNames(): Promise<string[]> {
    return reference.referenceListNames(this.db);
  }
  async getReferenceList(name: string): Promise<reference.ReferenceListRow | null> {
    return reference.getReferenceList(this.db, name);
  }
  async listReferenceLists(): Promise<reference.ReferenceListRow[]> {
    return reference.listReferenceLists(this.db);
  }
  async referenceListExists(name: string): Promise<boolean> {
    return reference.referenceListExists(this.db, name);
  }
}

/** Every repository over one open SQLite store (one connection); `close()` closes the store. */
export function sqliteRepositories(store: SqliteStore): Repositories {
  const points = new SqlitePointStore(store);
  return {
    backend: 'sqlite',
    points,
    calendar: new SqliteCalendarRepository(store.db),
    outages: new SqliteOutageRepository(store.db),
    alerts: new SqliteAlertRepository(store.db),
    reference: new SqliteReferenceRepository(store.db),
    detection: new SqliteDetectionRepository(store.db),
    close: () => points.close(),
  };
}
