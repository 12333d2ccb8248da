-- Leases on collection windows (issue 23): several `outagewatch collect` processes on one database split the
-- windows of a range. A row per (collector, entity, signal group, window): who holds it and until when
-- (renewed while the holder fetches), and when it was last finished. A claim takes the row with
-- SELECT ... FOR UPDATE SKIP LOCKED, so claimers never wait on each other; an expired claim is free again.
-- A small table kept in the default schema (a Citus reference table if distributed; no foreign keys).
CREATE TABLE collect_leases (
  collector text NOT NULL,
  entity text NOT NULL,
  grp text NOT NULL,
  from_ts bigint NOT NULL,
  until_ts bigint NOT NULL,
  holder text,
  expires_at timestamptz,
  done_at timestamptz,
  claims integer NOT NULL DEFAULT 0,
  PRIMARY KEY (collector, entity, grp, from_ts, until_ts)
);
