-- Lease pruning (issue 23): collect_leases kept one row per window ever collected. touched_at is the last time a
-- process claimed, renewed, finished or released the row; rows nobody holds (or whose holder's claim lapsed) and
-- nobody touched for longer than the pruning horizon are deleted (db/postgres/leases.ts, PgWindowLeases.prune).
ALTER TABLE collect_leases ADD COLUMN touched_at timestamptz NOT NULL DEFAULT clock_timestamp();
UPDATE collect_leases SET touched_at = greatest(coalesce(done_at, expires_at, now()), coalesce(expires_at, done_at, now()));
CREATE INDEX collect_leases_touched ON collect_leases (touched_at);
