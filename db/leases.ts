/**
 * Leases on collection windows (issue 23): several collectors on one database (PostgreSQL) split the windows of a
 * range between them. A process claims a window before fetching it, renews the claim while it fetches, and marks
 * it finished once it is written (or failed). A claim expires when its holder stops renewing (killed, frozen),
 * so nothing waits on a dead process. On SQLite there are no leases: one daemon per database (the lock file).
 */

/** One window of one collector's signal group for one entity: what is leased. */
export interface WindowKey {
  collector: string;
  entity: string;
  /** The signal group (`bgp`, `gtr`, `events`...). */
  group: string;
  /** Unix seconds, [from, until). */
  from: number;
  until: number;
}

/**
 * - `claimed`: this process holds the window now and fetches it;
 * - `leased`: another live process holds it (or an overlapping window of the same signals): not fetched here;
 * - `done`: another process finished it since this round began: not fetched again.
 */
export type LeaseClaim = 'claimed' | 'leased' | 'done';

export interface WindowLeases {
  /** Who claims (host:pid:start), for messages and the lease table. */
  readonly holder: string;
  /** How long a claim lives without renewal, seconds. */
  readonly ttlSeconds: number;
  /**
   * Starts a round (one collection run): windows another process finishes from now on count as done for this
   * round. Call before planning, so that a window finished earlier is already covered by its checkpoint.
   */
  begin(): Promise<void>;
  claim(w: WindowKey): Promise<LeaseClaim>;
  /** Extends this process's claim; false when it was lost (expired and taken by another process). */
  renew(w: WindowKey): Promise<boolean>;
  /** The window was written (or failed and is left to a later run): other processes of this round skip it. */
  finish(w: WindowKey): Promise<void>;
  /** Gives the window back unfinished (interrupted): another process may take it at once. */
  release(w: WindowKey): Promise<void>;
  /**
   * Deletes lease rows no live claim holds and nobody touched for `olderThanSeconds` (default: a week); `begin`
   * does it. Returns the rows deleted.
   */
  prune(olderThanSeconds?: number): Promise<number>;
}
