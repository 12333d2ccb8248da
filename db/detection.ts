import type { Outage } from '../core/outage.js';
import { changeRecorded, queueDelivery, recordChange, startedChanges, type ChangeRecord } from './alerts.js';

export type { ChangeRecord } from './alerts.js';
import type { Db } from './connection.js';
import {
  extendDetectionState,
  firstOutageEndingFrom,
  getDerived,
  getDetectionState,
  getSignalStates,
  getStoredEpisodes,
  putDerived,
  putDetectionState,
  saveSignalStates,
  type DetectionState,
  type EpisodeRow,
  type SignalStateRow,
} from './detection-state.js';
import { listOutages, syncOutages } from './outages.js';

/**
 * The detector's stored state and the write of a detection's results (issue 23), behind one asynchronous interface
 * on both backends: SQLite (db/detection-state.ts and `syncOutages`, wrapped: the same statements, one transaction)
 * and PostgreSQL (db/postgres/detection.ts, migration 0040). The pure detector stays synchronous: what it asks while
 * it runs (the episodes closed before a checkpoint, the first stored outage ending after a time) is answered
 * synchronously by a `ResumeState` read before the run.
 */

/**
 * Outage changes and webhook deliveries as the alert rules see them inside a detection's transaction, synchronously
 * (SQLite: the statements themselves; PostgreSQL: the entity's changes read ahead, the new ones written when the
 * rules are done, in the same transaction).
 */
export interface AlertLedger {
  /** 'started' changes of an entity recorded at times in [from, until), oldest first, with the outage end they carried. */
  startedChanges(entity: string, from: number, until: number): Array<{ at: number; outageEnd: number | null }>;
  changeRecorded(key: string): boolean;
  /** Records a change unless its key is known: false when seen before (never announced twice). */
  recordChange(c: ChangeRecord): boolean;
  /** Queues a delivery of the change recorded under `key` to `url`. */
  queueDelivery(key: string, url: string, now: number): void;
}

/** The stored state a resumed (window) detection goes on from, and the synchronous reads it makes while it runs. */
export interface ResumeState {
  states: SignalStateRow[];
  /** What the last detection derived in full (JSON), null when none was stored. */
  derived: string | null;
  /** The final episodes of the entity ending at or after `fromEnd`, by signal and start. */
  episodesFrom(fromEnd: number): EpisodeRow[];
  /** The earliest start of the entity's stored outages that end at or after `t` (null: none). */
  firstOutageEndingFrom(t: number): number | null;
}

/** Everything one entity's detection writes, in ONE transaction. */
export interface DetectionCommit<T> {
  entity: string;
  outages: readonly Outage[];
  now: number;
  /** Outages ending before this are as stored (a resumed detection rewrites only from here). */
  since: number;
  states: ReadonlyArray<{ signal: string; row: SignalStateRow | null }>;
  episodes: readonly EpisodeRow[];
  /** A detection from the start: the entity's stored states and episodes are dropped first. */
  replace: boolean;
  derived: string;
  detected: { kind: 'full'; rulesHash: string; from: number | null; until: number | null } | { kind: 'window'; until: number };
  /** The outages to return: those overlapping this window (stored ones included); without it every outage synced. */
  window?: { from?: number; until?: number };
  /** Whose alert changes to record: only the outages written anew, or every one returned. */
  changesOf: 'inserted' | 'stored';
  /** The alert rules, run inside the transaction on the outages chosen by `changesOf`. */
  alerts: (ledger: AlertLedger, outages: readonly Outage[]) => T;
}

/**
 * One detection run's hold on the entities it detects, so that two processes (or two runs in one) detecting the
 * same entity take turns from the read of its state and points to the write of its results: the later one reads what
 * the earlier one wrote. One entity at a time.
 */
export interface DetectionLock {
  /** Lets go of the entity held (if any), then waits until no other run holds `entity` and holds it. */
  hold(entity: string): Promise<void>;
  /** Lets go of the entity held; the lock is not used again. */
  close(): Promise<void>;
}

export interface DetectionRepository {
  /**
   * A lock for one detection run (see DetectionLock). PostgreSQL: a session-level advisory lock per entity on a
   * connection of its own. SQLite: nothing held, as before (the daemon's lock file keeps a second daemon off the
   * file; a `detect` command run beside the daemon is not kept out).
   */
  lock(): Promise<DetectionLock>;
  /** The rules hash and span of the entity's last detection over all of its data (null: never detected). */
  detectionState(entity: string): Promise<DetectionState | null>;
  /** The state a window detection resumes from. */
  resumeState(entity: string): Promise<ResumeState>;
  /**
   * Writes the outages by difference (unchanged rows keep their id and detection time), the detector's state, the
   * detection's span and the alert changes, in ONE transaction. Returns the stored outages with ids and the alerts' result.
   */
  commit<T>(c: DetectionCommit<T>): Promise<{ stored: Outage[]; changes: T }>;
}

/** The alert ledger over a SQLite connection: today's statements of db/alerts.ts. */
export function sqliteAlertLedger(db: Db): AlertLedger {
  const ids = new Map<string, number>();
  return {
    startedChanges: (entity, from, until) => startedChanges(db, entity, from, until),
    changeRecorded: (key) => changeRecorded(db, key),
    recordChange(c) {
      // the outage's other change recorded just before by this ledger: its payload holds the outage JSON once
      const row = recordChange(db, c, c.sharesOutageWith ? (ids.get(c.sharesOutageWith.key) ?? null) : null);
      if (row) ids.set(c.key, row.id);
      return row !== null;
    },
    queueDelivery(key, url, now) {
      const id = ids.get(key);
      if (id !== undefined) queueDelivery(db, id, url, now);
    },
  };
}

/** A lock that holds nothing (SQLite). */
const NO_LOCK: DetectionLock = { hold: async () => {}, close: async () => {} };

export class SqliteDetectionRepository implements DetectionRepository {
  constructor(readonly db: Db) {}

  async lock(): Promise<DetectionLock> {
    return NO_LOCK;
  }

  async detectionState(entity: string): Promise<DetectionState | null> {
    return getDetectionState(this.db, entity);
  }

  async resumeState(entity: string): Promise<ResumeState> {
    const db = this.db;
    return {
      states: getSignalStates(db, entity),
      derived: getDerived(db, entity),
      episodesFrom: (fromEnd) => getStoredEpisodes(db, entity, fromEnd),
      firstOutageEndingFrom: (t) => firstOutageEndingFrom(db, entity, t),
    };
  }

  async commit<T>(c: DetectionCommit<T>): Promise<{ stored: Outage[]; changes: T }> {
    const db = this.db;
    return db.transaction(() => {
      const synced = syncOutages(db, c.entity, c.outages, c.now, c.since);
      const stored = c.window ? listOutages(db, { entity: c.entity, from: c.window.from, until: c.window.until }) : synced.all;
      saveSignalStates(db, c.entity, c.states, c.episodes, c.replace);
      putDerived(db, c.entity, c.derived);
      if (c.detected.kind === 'window') extendDetectionState(db, c.entity, c.detected.until, c.now);
      else
        putDetectionState(db, {
          entity: c.entity,
          rulesHash: c.detected.rulesHash,
          detectedFrom: c.detected.from,
          detectedUntil: c.detected.until,
          updatedAt: c.now,
        });
      const changes = c.alerts(sqliteAlertLedger(db), c.changesOf === 'inserted' ? synced.inserted : stored);
      return { stored, changes };
    })();
  }
}
