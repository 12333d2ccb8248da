import type { Db } from './connection.js';
import { parseEntity } from './entities.js';

/** Per entity: the hash of the detector rules its stored outages were detected with (table of migration 0100). */
export interface DetectionState {
  entity: string;
  rulesHash: string;
  detectedFrom: number | null;
  detectedUntil: number | null;
  updatedAt: number;
}

interface Row {
  entity: string;
  rules_hash: string;
  detected_from: number | null;
  detected_until: number | null;
  updated_at: number;
}

export function getDetectionState(db: Db, entity: string): DetectionState | null {
  const r = db.prepare<[string], Row>('SELECT * FROM detection_state WHERE entity = ?').get(entity);
  return r
    ? { entity: r.entity, rulesHash: r.rules_hash, detectedFrom: r.detected_from, detectedUntil: r.detected_until, updatedAt: r.updated_at }
    : null;
}

export function putDetectionState(db: Db, s: DetectionState): void {
  db.prepare(
    'INSERT INTO detection_state (entity, rules_hash, detected_from, detected_until, updated_at) VALUES (?, ?, ?, ?, ?) ' +
      'ON CONFLICT (entity) DO UPDATE SET rules_hash = excluded.rules_hash, detected_from = excluded.detected_from, detected_until = excluded.detected_until, updated_at = excluded.updated_at',
  ).run(s.entity, s.rulesHash, s.detectedFrom, s.detectedUntil, s.updatedAt);
}

/** A window was detected with the stored rules: extends the span they cover (never shrinks it). */
export function extendDetectionState(db: Db, entity: string, until: number, now: number): void {
  db.prepare('UPDATE detection_state SET detected_until = max(coalesce(detected_until, ?), ?), updated_at = ? WHERE entity = ?').run(
    until,
    until,
    now,
    entity,
  );
}

/** One level signal's stored detector state (migration 0101): JSON and packed arrays, as the detector wrote them. */
export interface SignalStateRow {
  signal: string;
  checkpoint: number;
  state: string;
  data: Uint8Array | null;
}

/** An episode closed before its signal's checkpoint, as JSON. */
export interface EpisodeRow {
  signal: string;
  start: number;
  end: number;
  episode: string;
}

export function getSignalStates(db: Db, entity: string): SignalStateRow[] {
  return db
    .prepare<[string], SignalStateRow>('SELECT signal, checkpoint, state, data FROM detector_signal_state WHERE entity = ? ORDER BY signal')
    .all(entity);
}

/** The final episodes of an entity that end at or after `fromEnd`, by signal and start. */
export function getStoredEpisodes(db: Db, entity: string, fromEnd = -1e15): EpisodeRow[] {
  return db
    .prepare<[string, number], EpisodeRow>(
      'SELECT signal, start, end, episode FROM detector_episodes WHERE entity = ? AND end >= ? ORDER BY signal, start',
    )
    .all(entity, fromEnd);
}

/**
 * Saves the detector states of an entity's signals and the episodes newly final: with `replace`, everything stored for
 * the entity before is dropped first (a detection from the start). A null state removes the signal's (it starts over).
 */
export function saveSignalStates(
  db: Db,
  entity: string,
  states: ReadonlyArray<{ signal: string; row: SignalStateRow | null }>,
  episodes: readonly EpisodeRow[],
  replace: boolean,
): void {
  db.transaction(() => {
    if (replace) {
      db.prepare('DELETE FROM detector_signal_state WHERE entity = ?').run(entity);
      db.prepare('DELETE FROM detector_episodes WHERE entity = ?').run(entity);
    }
    const put = db.prepare(
      'INSERT INTO detector_signal_state (entity, signal, checkpoint, state, data) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (entity, signal) DO UPDATE SET checkpoint = excluded.checkpoint, state = excluded.state, data = excluded.data',
    );
    const del = db.prepare('DELETE FROM detector_signal_state WHERE entity = ? AND signal = ?');
    const delEpisodes = db.prepare('DELETE FROM detector_episodes WHERE entity = ? AND signal = ?');
    for (const s of states) {
      if (s.row) put.run(entity, s.signal, s.row.checkpoint, s.row.state, s.row.data);
      else {
        del.run(entity, s.signal);
        delEpisodes.run(entity, s.signal);
      }
    }
    const ins = db.prepare(
      'INSERT INTO detector_episodes (entity, signal, start, end, episode) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (entity, signal, start) DO UPDATE SET end = excluded.end, episode = excluded.episode',
    );
    for (const e of episodes) ins.run(entity, e.signal, e.start, e.end, e.episode);
  })();
}

/** What an entity's last detection derived in full (OONI and degradation episodes, source events), as JSON. */
export function getDerived(db: Db, entity: string): string | null {
  return (
    (db.prepare<[string], string>('SELECT derived FROM detector_entity_state WHERE entity = ?').pluck().get(entity) as
      string | undefined) ?? null
  );
}

export function putDerived(db: Db, entity: string, derived: string): void {
  db.prepare(
    'INSERT INTO detector_entity_state (entity, derived) VALUES (?, ?) ON CONFLICT (entity) DO UPDATE SET derived = excluded.derived',
  ).run(entity, derived);
}

/** The earliest start of the stored outages of an entity that end at or after `t` (null: none). */
export function firstOutageEndingFrom(db: Db, entity: string, t: number): number | null {
  const ref = parseEntity(entity);
  return (
    (db
      .prepare<[string, string, number], number | null>(
        'SELECT min(o.start) FROM outages o JOIN entities e ON e.id = o.entity_id WHERE e.type = ? AND e.code = ? AND o.end >= ?',
      )
      .pluck()
      .get(ref.type, ref.code, t) as number | null | undefined) ?? null
  );
}
