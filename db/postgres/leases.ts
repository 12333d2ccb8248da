import type pg from 'pg';
import type { LeaseClaim, WindowKey, WindowLeases } from '../leases.js';
import type { RunOwner } from '../store.js';

/** Default claim lifetime without renewal (seconds); the holder renews every third of it while it fetches. */
export const DEFAULT_LEASE_SECONDS = 60;

/**
 * Lease rows nobody touched for this long (seconds) are pruned when a round begins: a week, far longer than any
 * collection run (a window finished within a run's round must stay known as done to that round) and than any claim.
 */
export const LEASE_PRUNE_SECONDS = 7 * 86400;

const KEY = 'collector = $1 AND entity = $2 AND grp = $3 AND from_ts = $4 AND until_ts = $5';

/**
 * Window leases in PostgreSQL (table `collect_leases`, migration 0003). A claim, in one short transaction:
 * the window's row is created if missing, then taken with `SELECT … FOR UPDATE SKIP LOCKED` (a row another
 * claimer is taking this instant is skipped, never waited on); it is free when nobody holds it or the holder's
 * claim expired, and not finished since this round began. A live claim by another process on an overlapping
 * window of the same signals (processes collecting different ranges) counts as held too.
 */
export class PgWindowLeases implements WindowLeases {
  readonly holder: string;
  private round: Date | null = null;

  constructor(
    private readonly pool: pg.Pool,
    owner: RunOwner,
    readonly ttlSeconds: number = DEFAULT_LEASE_SECONDS,
    readonly pruneSeconds: number = LEASE_PRUNE_SECONDS,
  ) {
    this.holder = `${owner.host}:${owner.pid}:${owner.started}`;
  }

  async begin(): Promise<void> {
    await this.prune();
    const r = await this.pool.query<{ t: Date }>('SELECT clock_timestamp() AS t');
    this.round = r.rows[0]!.t;
  }

  /**
   * Deletes the lease rows nobody touched for `olderThanSeconds` (default: the pruning horizon) that no live claim
   * holds: finished or released windows, and claims whose holder stopped renewing longer ago than that. A live
   * claim is never deleted (its holder renews it every third of its lifetime, which is far shorter than the
   * horizon), and a row some claimer is taking this instant is skipped (SKIP LOCKED). A window whose row is gone
   * is only "never claimed": its checkpoint says whether it was collected. Returns the rows deleted.
   */
  async prune(olderThanSeconds: number = this.pruneSeconds): Promise<number> {
    const r = await this.pool.query(
      'DELETE FROM collect_leases WHERE (collector, entity, grp, from_ts, until_ts) IN (' +
        'SELECT collector, entity, grp, from_ts, until_ts FROM collect_leases ' +
        'WHERE touched_at < clock_timestamp() - make_interval(secs => $1) AND (holder IS NULL OR expires_at < clock_timestamp() - make_interval(secs => $1)) ' +
        'FOR UPDATE SKIP LOCKED)',
      [olderThanSeconds],
    );
    return r.rowCount ?? 0;
  }

  private params(w: WindowKey): [string, string, string, number, number] {
    return [w.collector, w.entity, w.group, w.from, w.until];
  }

  async claim(w: WindowKey): Promise<LeaseClaim> {
    if (!this.round) await this.begin();
    const p = this.params(w);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      try {
        let r: { held: boolean; done: boolean } | undefined;
        for (let attempt = 0; attempt < 2 && !r; attempt++) {
          await client.query(
            'INSERT INTO collect_leases (collector, entity, grp, from_ts, until_ts) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
            p,
          );
          const row = await client.query<{ held: boolean; done: boolean }>(
            `SELECT (holder IS NOT NULL AND holder <> $6 AND expires_at > clock_timestamp()) AS held, coalesce(done_at >= $7, false) AS done ` +
              `FROM collect_leases WHERE ${KEY} FOR UPDATE SKIP LOCKED`,
            [...p, this.holder, this.round],
          );
          r = row.rows[0];
          // no row: another claimer is taking it (locked: skipped), or it was pruned between the two statements
          // (then it is inserted again once)
          if (!r && (await client.query(`SELECT 1 FROM collect_leases WHERE ${KEY}`, p)).rowCount) break;
        }
        let outcome: LeaseClaim;
        if (!r || r.held) outcome = 'leased';
        else if (r.done) outcome = 'done';
        else {
          const overlap = await client.query(
            'SELECT 1 FROM collect_leases WHERE collector = $1 AND entity = $2 AND grp = $3 AND from_ts < $5 AND until_ts > $4 ' +
              'AND NOT (from_ts = $4 AND until_ts = $5) AND holder IS NOT NULL AND holder <> $6 AND expires_at > clock_timestamp() LIMIT 1',
            [...p, this.holder],
          );
          outcome = overlap.rowCount ? 'leased' : 'claimed';
        }
        if (outcome === 'claimed')
          await client.query(
            `UPDATE collect_leases SET holder = $6, expires_at = clock_timestamp() + make_interval(secs => $7), done_at = NULL, claims = claims + 1, touched_at = clock_timestamp() WHERE ${KEY}`,
            [...p, this.holder, this.ttlSeconds],
          );
        await client.query('COMMIT');
        return outcome;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    } finally {
      client.release();
    }
  }

  async renew(w: WindowKey): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE collect_leases SET expires_at = clock_timestamp() + make_interval(secs => $7), touched_at = clock_timestamp() WHERE ${KEY} AND holder = $6`,
      [...this.params(w), this.holder, this.ttlSeconds],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async finish(w: WindowKey): Promise<void> {
    await this.pool.query(
      `UPDATE collect_leases SET holder = NULL, expires_at = NULL, done_at = clock_timestamp(), touched_at = clock_timestamp() WHERE ${KEY} AND holder = $6`,
      [...this.params(w), this.holder],
    );
  }

  async release(w: WindowKey): Promise<void> {
    await this.pool.query(
      `UPDATE collect_leases SET holder = NULL, expires_at = NULL, touched_at = clock_timestamp() WHERE ${KEY} AND holder = $6`,
      [...this.params(w), this.holder],
    );
  }
}
