import type { Db } from './connection.js';

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
