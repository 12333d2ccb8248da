import type { Db } from './connection.js';

/** Outage changes (start/end seen once) and their webhook deliveries (tables of migration 0030). */

export type ChangeType = 'started' | 'ended';

export interface ChangeRow {
  id: number;
  key: string;
  entity: string;
  change: ChangeType;
  at: number;
  payload: unknown;
  announced: boolean;
  createdAt: number;
}

export interface DeliveryRow {
  id: number;
  changeId: number;
  url: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  nextAttempt: number | null;
  sentAt: number | null;
  payload: unknown;
}

/** Statements prepared once per connection (detection records thousands of changes in one run). */
const stmtCache = new WeakMap<Db, ReturnType<typeof prepareAll>>();
function prepareAll(db: Db) {
  return {
    insert: db.prepare(
      'INSERT INTO outage_changes (key, entity, change, at, payload, announced, created_at, body_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING',
    ),
    exists: db.prepare<[string], number>('SELECT 1 FROM outage_changes WHERE key = ?').pluck(),
    started: db.prepare<[string, number, number], { at: number; end: string | null }>(
      "SELECT at, json_extract(payload, '$.outage.end') AS end FROM outage_changes WHERE entity = ? AND change = 'started' AND at >= ? AND at < ? ORDER BY at",
    ),
  };
}
const stmts = (db: Db) => {
  let s = stmtCache.get(db);
  if (!s) stmtCache.set(db, (s = prepareAll(db)));
  return s;
};

/** What a change to record looks like (the alert rules live in services/alerts/changes.ts). */
export interface ChangeRecord {
  key: string;
  entity: string;
  change: ChangeType;
  at: number;
  payload: unknown;
  /** `JSON.stringify(payload)`, when the caller has it already (a detection builds thousands of payloads). */
  payloadJson?: string;
  /**
   * The change recorded just before in the same ledger whose payload ends with the same `,"outage":…,"calendarEvent":…}`
   * (the outage's other change, recorded with it), and this payload's JSON up to that part, closed: `{"event":…,"text":…}`.
   * A ledger that can stores only that head and the other change's id (`body_of`, migration 0109); readers put the
   * payload back together (`payloadText`), the same text.
   */
  sharesOutageWith?: { key: string; head: string };
  announced: boolean;
  now: number;
}

/**
 * Records a change unless its key is already known. Returns the new row, or null when the change was
 * seen before (so it is never announced twice).
 */
export function recordChange(db: Db, c: ChangeRecord, bodyOf: number | null = null): ChangeRow | null {
  // with `bodyOf` (the id of the change holding the same outage JSON): only the head of the payload is stored
  const text = bodyOf !== null && c.sharesOutageWith ? c.sharesOutageWith.head : (c.payloadJson ?? JSON.stringify(c.payload));
  const r = stmts(db).insert.run(c.key, c.entity, c.change, c.at, text, c.announced ? 1 : 0, c.now, bodyOf);
  if (r.changes === 0) return null;
  return {
    id: Number(r.lastInsertRowid),
    key: c.key,
    entity: c.entity,
    change: c.change,
    at: c.at,
    payload: c.payload,
    announced: c.announced,
    createdAt: c.now,
  };
}

/** Whether a change with this key was recorded (a cheap look-up before building its payload). */
export function changeRecorded(db: Db, key: string): boolean {
  return stmts(db).exists.get(key) !== undefined;
}

/** Where the part of a payload two changes of one outage share begins (`,"outage":` cannot occur inside a JSON string). */
const OUTAGE_PART = ',"outage":';

/**
 * A change's payload as JSON text from its stored columns: `payload` alone, or (with `body_of`, migration 0109) its
 * stored head `{"event":…,"text":…}` opened again and the outage and calendar event of the change it names (`body`).
 * The same text on both backends, byte for byte what was built when the change was recorded.
 */
export function payloadText(payload: string, body: string | null): string {
  if (body === null) return payload;
  const at = body.indexOf(OUTAGE_PART);
  if (at < 0 || !payload.endsWith('}')) throw new Error('outage change: the payload it shares has no outage');
  return `${payload.slice(0, -1)}${body.slice(at)}`;
}

/** The outage end a 'started' change carried (its payload's `outage.end`, ISO), as Unix seconds or null. */
export function outageEndOf(end: string | null | undefined): number | null {
  const ts = end ? Date.parse(end) / 1000 : NaN;
  return Number.isFinite(ts) ? ts : null;
}

/** 'started' changes of an entity recorded at times in [from, until), oldest first, with the outage end they carried. */
export function startedChanges(db: Db, entity: string, from: number, until: number): Array<{ at: number; outageEnd: number | null }> {
  // the end is read inside SQLite: the payloads (whole outages) are never parsed here
  return stmts(db)
    .started.all(entity, from, until)
    .map((r) => ({ at: r.at, outageEnd: outageEndOf(r.end) }));
}

/** Changes with the payload they share (`body`: null when the row holds its whole payload), as both backends read them. */
export const SELECT_CHANGES =
  'SELECT c.id, c.key, c.entity, c.change, c.at, c.payload, b.payload AS body, c.announced, c.created_at FROM outage_changes c LEFT JOIN outage_changes b ON b.id = c.body_of';

export function listChanges(db: Db, filter: { entity?: string; limit?: number } = {}): ChangeRow[] {
  type Row = {
    id: number;
    key: string;
    entity: string;
    change: ChangeType;
    at: number;
    payload: string;
    body: string | null;
    announced: number;
    created_at: number;
  };
  const rows = filter.entity
    ? db
        .prepare<[string, number], Row>(`${SELECT_CHANGES} WHERE c.entity = ? ORDER BY c.id DESC LIMIT ?`)
        .all(filter.entity, filter.limit ?? 100)
    : db.prepare<[number], Row>(`${SELECT_CHANGES} ORDER BY c.id DESC LIMIT ?`).all(filter.limit ?? 100);
  return rows.map((r) => ({
    id: r.id,
    key: r.key,
    entity: r.entity,
    change: r.change,
    at: r.at,
    payload: JSON.parse(payloadText(r.payload, r.body)) as unknown,
    announced: r.announced === 1,
    createdAt: r.created_at,
  }));
}

/** A `webhook_deliveries` row (the same on both backends). */
export interface DeliveryDbRow {
  id: number;
  change_id: number;
  url: string;
  status: DeliveryRow['status'];
  attempts: number;
  last_error: string | null;
  next_attempt: number | null;
  sent_at: number | null;
}

/** A delivery from its row on either backend (without the change's payload). */
export function deliveryFromDbRow(r: DeliveryDbRow): Omit<DeliveryRow, 'payload'> {
  return {
    id: r.id,
    changeId: r.change_id,
    url: r.url,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    nextAttempt: r.next_attempt,
    sentAt: r.sent_at,
  };
}

/** Queues a delivery of `changeId` to `url` (once: the pair is unique). */
export function queueDelivery(db: Db, changeId: number, url: string, now: number): void {
  db.prepare(
    "INSERT INTO webhook_deliveries (change_id, url, status, next_attempt) VALUES (?, ?, 'pending', ?) ON CONFLICT (change_id, url) DO NOTHING",
  ).run(changeId, url, now);
}

/** Pending deliveries due at `now`, oldest first. */
export function dueDeliveries(db: Db, now: number, limit = 100): DeliveryRow[] {
  return db
    .prepare<[number, number], DeliveryDbRow & { payload: string; body: string | null }>(
      `SELECT d.*, c.payload, b.payload AS body FROM webhook_deliveries d JOIN outage_changes c ON c.id = d.change_id LEFT JOIN outage_changes b ON b.id = c.body_of
       WHERE d.status = 'pending' AND coalesce(d.next_attempt, 0) <= ? ORDER BY d.id LIMIT ?`,
    )
    .all(now, limit)
    .map((r) => ({ ...deliveryFromDbRow(r), payload: JSON.parse(payloadText(r.payload, r.body)) as unknown }));
}

export function listDeliveries(db: Db): Array<Omit<DeliveryRow, 'payload'>> {
  return db.prepare<[], DeliveryDbRow>('SELECT * FROM webhook_deliveries ORDER BY id').all().map(deliveryFromDbRow);
}

export function markDelivered(db: Db, id: number, attempts: number, now: number): void {
  db.prepare(
    "UPDATE webhook_deliveries SET status = 'sent', attempts = ?, sent_at = ?, last_error = NULL, next_attempt = NULL WHERE id = ? AND status = 'pending'",
  ).run(attempts, now, id);
}

/** A failed attempt: stays pending until `nextAttempt`, or becomes 'failed' when nextAttempt is null. */
export function markAttemptFailed(db: Db, id: number, attempts: number, error: string, nextAttempt: number | null): void {
  db.prepare('UPDATE webhook_deliveries SET status = ?, attempts = ?, last_error = ?, next_attempt = ? WHERE id = ?').run(
    nextAttempt === null ? 'failed' : 'pending',
    attempts,
    error.slice(0, 500),
    nextAttempt,
    id,
  );
}
