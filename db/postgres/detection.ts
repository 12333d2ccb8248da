import pg from 'pg';
import type { Outage } from '../../core/outage.js';
import { outageEndOf } from '../alerts.js';
import type { AlertLedger, ChangeRecord, DetectionCommit, DetectionLock, DetectionRepository, ResumeState } from '../detection.js';
import type { DetectionState, EpisodeRow, SignalStateRow } from '../detection-state.js';
import { formatEntity, parseEntity } from '../entities.js';
import { parentOf, storedOutage, StoredOutageRows } from '../outages.js';
import { OUTAGE_SELECT, insertOutageRows, outageFromRow, transaction, type OutageRow } from './outage-rows.js';

/**
 * The detector's state and a detection's write on PostgreSQL (tables of migration 0040, outages and alerts of 0010):
 * the same results as the SQLite repository. A resumed detection's synchronous reads (episodes, the first stored
 * outage ending after a time) are answered from the entity's rows read ahead; its write is one transaction, under a
 * transaction-level advisory lock per entity (two processes detecting one entity write one after the other). A
 * detection run holds each entity it detects from the read to the write with `lock()` (PgDetectionLock).
 */

/**
 * A session-level advisory lock per entity (`detect-run:` and the entity), held from the read of the entity's state
 * and points to the commit of its results, on a connection of its own outside the pool: the reads and the commit run
 * on pooled connections meanwhile (no pool slot is kept waiting, however many runs a process has), and a process
 * that dies lets go of the lock with its connection. The commit's own transaction-level lock (`detect:`) is another
 * key, so a run never waits for itself.
 */
class PgDetectionLock implements DetectionLock {
  private client: pg.Client | null = null;
  private held: string | null = null;
  private closed = false;

  constructor(private readonly config: pg.ClientConfig) {}

  private async connection(): Promise<pg.Client> {
    if (this.closed) throw new Error('detection lock used after close()');
    if (this.client) return this.client;
    const c = new pg.Client(this.config);
    // a connection lost while idle is reported by the next query (its locks went with it)
    c.on('error', () => {});
    await c.connect();
    this.client = c;
    return c;
  }

  async hold(entity: string): Promise<void> {
    const key = formatEntity(parseEntity(entity));
    if (this.held === key) return;
    const c = await this.connection();
    if (this.held !== null) {
      const was = this.held;
      this.held = null;
      await c.query("SELECT pg_advisory_unlock(hashtextextended('detect-run:' || $1, 0))", [was]);
    }
    await c.query("SELECT pg_advisory_lock(hashtextextended('detect-run:' || $1, 0))", [key]);
    this.held = key;
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    this.held = null;
    // the session's end lets go of its advisory locks
    if (c) await c.end().catch(() => {});
  }
}

/** The entity's outage changes read ahead; new ones kept until `flush` writes them in the transaction. */
class PgAlertLedger implements AlertLedger {
  private readonly pending: ChangeRecord[] = [];
  private readonly deliveries: Array<{ key: string; url: string; now: number }> = [];

  constructor(
    private readonly keys: Set<string>,
    private readonly started: Map<string, Array<{ at: number; outageEnd: number | null }>>,
  ) {}

  static async load(c: pg.PoolClient, entities: readonly string[]): Promise<PgAlertLedger> {
    const keys = new Set<string>();
    const started = new Map<string, Array<{ at: number; outageEnd: number | null }>>();
    for (const e of entities) started.set(e, []);
    if (entities.length > 0) {
      const r = await c.query<{ key: string; entity: string; change: string; at: number; end: string | null }>(
        `SELECT key, entity, change, at, CASE WHEN change = 'started' THEN payload::jsonb #>> '{outage,end}' END AS end
         FROM outage_changes WHERE entity = ANY($1::text[]) ORDER BY at, id`,
        [[...entities]],
      );
      for (const x of r.rows) {
        keys.add(x.key);
        if (x.change === 'started') started.get(x.entity)?.push({ at: x.at, outageEnd: outageEndOf(x.end) });
      }
    }
    return new PgAlertLedger(keys, started);
  }

  startedChanges(entity: string, from: number, until: number): Array<{ at: number; outageEnd: number | null }> {
    const list = this.started.get(entity);
    if (!list) throw new Error(`alert ledger: changes of ${entity} were not read ahead`);
    return list.filter((x) => x.at >= from && x.at < until);
  }

  changeRecorded(key: string): boolean {
    return this.keys.has(key);
  }

  recordChange(c: ChangeRecord): boolean {
    if (this.keys.has(c.key)) return false;
    this.keys.add(c.key);
    this.pending.push(c);
    if (c.change === 'started') {
      const list = this.started.get(c.entity);
      if (list) {
        const end = (c.payload as { outage?: { end?: string } } | null)?.outage?.end;
        let i = list.length;
        while (i > 0 && list[i - 1]!.at > c.at) i--;
        list.splice(i, 0, { at: c.at, outageEnd: outageEndOf(end) });
      }
    }
    return true;
  }

  queueDelivery(key: string, url: string, now: number): void {
    this.deliveries.push({ key, url, now });
  }

  /** Writes the new changes (a change another process recorded meanwhile is skipped, with its deliveries) and deliveries. */
  async flush(c: pg.PoolClient): Promise<void> {
    if (this.pending.length === 0) return;
    const p = this.pending;
    const r = await c.query<{ id: number; key: string }>(
      `INSERT INTO outage_changes (key, entity, change, at, payload, announced, created_at)
       SELECT k, e, ch, a, pl, an, cr FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::bool[], $7::int8[]) WITH ORDINALITY AS u(k, e, ch, a, pl, an, cr, i)
       ORDER BY i
       ON CONFLICT (key) DO NOTHING RETURNING id, key`,
      [
        p.map((x) => x.key),
        p.map((x) => x.entity),
        p.map((x) => x.change),
        p.map((x) => x.at),
        // the text the alert rules built (the same as JSON.stringify of the payload, tested), not made again
        p.map((x) => x.payloadJson ?? JSON.stringify(x.payload)),
        p.map((x) => x.announced),
        p.map((x) => x.now),
      ],
    );
    const ids = new Map(r.rows.map((x) => [x.key, x.id]));
    const d = this.deliveries.filter((x) => ids.has(x.key));
    if (d.length === 0) return;
    await c.query(
      `INSERT INTO webhook_deliveries (change_id, url, status, next_attempt)
       SELECT ch, u, 'pending', n FROM unnest($1::int8[], $2::text[], $3::int8[]) AS x(ch, u, n) ON CONFLICT (change_id, url) DO NOTHING`,
      [d.map((x) => ids.get(x.key)!), d.map((x) => x.url), d.map((x) => x.now)],
    );
  }
}

export class PgDetectionRepository implements DetectionRepository {
  constructor(readonly pool: pg.Pool) {}

  async lock(): Promise<DetectionLock> {
    return new PgDetectionLock(this.pool.options);
  }

  async detectionState(entity: string): Promise<DetectionState | null> {
    const r = await this.pool.query<{
      rules_hash: string;
      detected_from: number | null;
      detected_until: number | null;
      updated_at: number;
    }>('SELECT rules_hash, detected_from, detected_until, updated_at FROM detection_state WHERE entity = $1', [entity]);
    const x = r.rows[0];
    return x
      ? { entity, rulesHash: x.rules_hash, detectedFrom: x.detected_from, detectedUntil: x.detected_until, updatedAt: x.updated_at }
      : null;
  }

  async resumeState(entity: string): Promise<ResumeState> {
    const e = parseEntity(entity);
    const [states, derived, episodes, outages] = await Promise.all([
      this.pool.query<{ signal: string; checkpoint: number; state: string; data: Buffer | null }>(
        'SELECT signal, checkpoint, state, data FROM detector_signal_state WHERE entity = $1 ORDER BY signal COLLATE "C"',
        [entity],
      ),
      this.pool.query<{ derived: string }>('SELECT derived FROM detector_entity_state WHERE entity = $1', [entity]),
      this.pool.query<EpisodeRow>(
        'SELECT signal, start, "end" AS end, episode FROM detector_episodes WHERE entity = $1 ORDER BY signal COLLATE "C", start',
        [entity],
      ),
      this.pool.query<{ start: number; end: number }>(
        'SELECT o.start, o."end" AS end FROM outages o JOIN entities e ON e.id = o.entity_id WHERE e.type = $1 AND e.code = $2',
        [e.type, e.code],
      ),
    ]);
    const eps = episodes.rows;
    const spans = outages.rows;
    return {
      states: states.rows.map((x): SignalStateRow => ({ signal: x.signal, checkpoint: x.checkpoint, state: x.state, data: x.data })),
      derived: derived.rows[0]?.derived ?? null,
      episodesFrom: (fromEnd) => eps.filter((x) => x.end >= fromEnd),
      firstOutageEndingFrom(t) {
        let min: number | null = null;
        for (const o of spans) if (o.end >= t && (min === null || o.start < min)) min = o.start;
        return min;
      },
    };
  }

  async commit<T>(c: DetectionCommit<T>): Promise<{ stored: Outage[]; changes: T }> {
    const key = formatEntity(parseEntity(c.entity));
    const e = parseEntity(key);
    for (const o of c.outages)
      if (formatEntity(parseEntity(o.entity)) !== key) throw new Error(`outage of ${o.entity} given to the detection of ${key}`);
    return transaction(this.pool, async (q) => {
      await q.query("SELECT pg_advisory_xact_lock(hashtextextended('detect:' || $1, 0))", [key]);
      const ent = await q.query<{ id: number; type: string; country: string | null }>(
        `INSERT INTO entities (type, code, country) VALUES ($1, $2, $3) ON CONFLICT (type, code) DO UPDATE SET type = excluded.type
         RETURNING id, type, country`,
        [e.type, e.code, e.type === 'country' ? e.code : null],
      );
      const { id, type, country } = ent.rows[0]!;
      const parent = parentOf(type, country);
      // outages by difference: a stored row equal to a detected one keeps its id and detection time
      const stored = await q.query<[number, ...unknown[]]>({
        text: `SELECT id, start, "end" AS end, kind, severity, score, signals, targets, evidence, open::int, lost_percent, hours,
                      synthetic::int
               FROM outages WHERE entity_id = $1 AND "end" >= $2::float8 ORDER BY id`,
        values: [id, c.since],
        rowMode: 'array',
      });
      // compared as SQLite's syncOutages compares them (StoredOutageRows: the columns of storedOutage's row, flags as 0/1)
      const rows = new StoredOutageRows(stored.rows);
      const all: Outage[] = [];
      const toInsert: Array<{ o: Outage; index: number }> = [];
      for (const o of c.outages) {
        const { full, row } = storedOutage(o, key, parent);
        const kept = rows.take(row);
        if (kept !== undefined) {
          // a new object of storedOutage's: it takes the kept row's id in place
          full.id = kept;
          all.push(full);
        } else {
          toInsert.push({ o: full, index: all.length });
          all.push(full);
        }
      }
      const gone = rows.rest();
      if (gone.length > 0) {
        await q.query('DELETE FROM outages WHERE id = ANY($1::int8[])', [gone]);
      }
      const inserted = await insertOutageRows(
        q,
        id,
        parent,
        key,
        toInsert.map((t) => t.o),
        c.now,
      );
      toInsert.forEach((t, i) => (all[t.index] = inserted[i]!));
      const out = c.window
        ? (
            await q.query<OutageRow>(
              `${OUTAGE_SELECT} WHERE o.entity_id = $1${c.window.from !== undefined ? ' AND o."end" > $2' : ''}${
                c.window.until !== undefined ? ` AND o.start < $${c.window.from !== undefined ? 3 : 2}` : ''
              } ORDER BY o.start, o.id`,
              [id, ...(c.window.from !== undefined ? [c.window.from] : []), ...(c.window.until !== undefined ? [c.window.until] : [])],
            )
          ).rows.map(outageFromRow)
        : all;
      // the detector's state
      if (c.replace) {
        await q.query('DELETE FROM detector_signal_state WHERE entity = $1', [key]);
        await q.query('DELETE FROM detector_episodes WHERE entity = $1', [key]);
      }
      const put = c.states.filter((s) => s.row !== null);
      const drop = c.states.filter((s) => s.row === null).map((s) => s.signal);
      if (put.length > 0)
        await q.query(
          `INSERT INTO detector_signal_state (entity, signal, checkpoint, state, data)
           SELECT $1, s, cp, st, d FROM unnest($2::text[], $3::int8[], $4::text[], $5::bytea[]) AS u(s, cp, st, d)
           ON CONFLICT (entity, signal) DO UPDATE SET checkpoint = excluded.checkpoint, state = excluded.state, data = excluded.data`,
          [
            key,
            put.map((s) => s.signal),
            put.map((s) => s.row!.checkpoint),
            put.map((s) => s.row!.state),
            put.map((s) => (s.row!.data ? Buffer.from(s.row!.data.buffer, s.row!.data.byteOffset, s.row!.data.byteLength) : null)),
          ],
        );
      if (drop.length > 0) {
        await q.query('DELETE FROM detector_signal_state WHERE entity = $1 AND signal = ANY($2::text[])', [key, drop]);
        await q.query('DELETE FROM detector_episodes WHERE entity = $1 AND signal = ANY($2::text[])', [key, drop]);
      }
      if (c.episodes.length > 0)
        await q.query(
          `INSERT INTO detector_episodes (entity, signal, start, "end", episode)
           SELECT $1, s, st, en, ep FROM unnest($2::text[], $3::int8[], $4::int8[], $5::text[]) AS u(s, st, en, ep)
           ON CONFLICT (entity, signal, start) DO UPDATE SET "end" = excluded."end", episode = excluded.episode`,
          [
            key,
            c.episodes.map((x) => x.signal),
            c.episodes.map((x) => x.start),
            c.episodes.map((x) => x.end),
            c.episodes.map((x) => x.episode),
          ],
        );
      await q.query(
        'INSERT INTO detector_entity_state (entity, derived) VALUES ($1, $2) ON CONFLICT (entity) DO UPDATE SET derived = excluded.derived',
        [key, c.derived],
      );
      if (c.detected.kind === 'window')
        await q.query(
          'UPDATE detection_state SET detected_until = greatest(coalesce(detected_until, $1), $1), updated_at = $2 WHERE entity = $3',
          [c.detected.until, c.now, key],
        );
      else
        await q.query(
          `INSERT INTO detection_state (entity, rules_hash, detected_from, detected_until, updated_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (entity) DO UPDATE SET rules_hash = excluded.rules_hash, detected_from = excluded.detected_from,
             detected_until = excluded.detected_until, updated_at = excluded.updated_at`,
          [key, c.detected.rulesHash, c.detected.from, c.detected.until, c.now],
        );
      // the alert rules on the entity's changes read ahead; what they record is written in this transaction
      const ledger = await PgAlertLedger.load(q, [key]);
      const changes = c.alerts(ledger, c.changesOf === 'inserted' ? inserted : out);
      await ledger.flush(q);
      return { stored: out, changes };
    });
  }
}
