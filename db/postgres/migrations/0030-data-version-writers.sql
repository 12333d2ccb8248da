-- The correlation data version on PostgreSQL, correct with several writing processes (issue 23).
--
-- 1. It moves on every table correlation results are computed from, as SQLite's (migration 0060): daily rollups,
--    source events and checkpoints (0001) and now also the calendar, detected outages and reference lists.
-- 2. A sequence is not transactional: a writer moves it before it commits, so a reader could see the new number,
--    read the data without that writer's rows and cache a stale result under the new number for good. Every
--    statement that changes one of these tables therefore takes a SHARED transaction-level advisory lock (held until
--    its commit; writers never wait for each other) before moving the sequence. A reader reads the sequence, then
--    TRIES the same lock exclusively (never waits): when it gets it, every writer that moved the sequence up to the
--    number read has committed, and the number may key a cache entry; when it does not, the reader caches nothing
--    (PgPointStore.dataVersion returns null).
CREATE OR REPLACE FUNCTION outagewatch_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(1870098032, 30);
  PERFORM nextval('data_version_seq');
  RETURN NULL;
END;
$$;

CREATE TRIGGER dv_protest_events AFTER INSERT OR UPDATE OR DELETE ON protest_events FOR EACH STATEMENT EXECUTE FUNCTION outagewatch_bump_data_version();
CREATE TRIGGER dv_outages AFTER INSERT OR UPDATE OR DELETE ON outages FOR EACH STATEMENT EXECUTE FUNCTION outagewatch_bump_data_version();
CREATE TRIGGER dv_reference_outages AFTER INSERT OR UPDATE OR DELETE ON reference_outages FOR EACH STATEMENT EXECUTE FUNCTION outagewatch_bump_data_version();
CREATE TRIGGER dv_reference_lists AFTER INSERT OR UPDATE OR DELETE ON reference_lists FOR EACH STATEMENT EXECUTE FUNCTION outagewatch_bump_data_version();
