-- Checkpoint merging in one call (issue 23): the same rule as the SQLite store's cover() (db/store.ts) — adds
-- [p_from, p_until) with p_status to the covered intervals of one (collector, entity, signal) stream, merging
-- intervals of the same status that overlap or touch it and cutting intervals of another status — run inside the
-- window's transaction, under a transaction-level advisory lock per stream. One round trip instead of four or more.
CREATE FUNCTION outagewatch_cover(p_collector text, p_entity text, p_signal text, p_from bigint, p_until bigint, p_status text, p_at bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  o record;
  lo bigint := p_from;
  hi bigint := p_until;
BEGIN
  IF NOT (p_until > p_from) THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended(json_build_array(p_collector, p_entity, p_signal)::text, 0));
  FOR o IN
    DELETE FROM checkpoints
    WHERE collector = p_collector AND entity = p_entity AND signal = p_signal AND status <> p_status AND from_ts < p_until AND until_ts > p_from
    RETURNING from_ts, until_ts, status
  LOOP
    IF o.from_ts < p_from THEN
      INSERT INTO checkpoints (collector, entity, signal, from_ts, until_ts, status, updated_at) VALUES (p_collector, p_entity, p_signal, o.from_ts, p_from, o.status, p_at);
    END IF;
    IF o.until_ts > p_until THEN
      INSERT INTO checkpoints (collector, entity, signal, from_ts, until_ts, status, updated_at) VALUES (p_collector, p_entity, p_signal, p_until, o.until_ts, o.status, p_at);
    END IF;
  END LOOP;
  FOR o IN
    DELETE FROM checkpoints
    WHERE collector = p_collector AND entity = p_entity AND signal = p_signal AND status = p_status AND from_ts <= p_until AND until_ts >= p_from
    RETURNING from_ts, until_ts
  LOOP
    lo := least(lo, o.from_ts);
    hi := greatest(hi, o.until_ts);
  END LOOP;
  INSERT INTO checkpoints (collector, entity, signal, from_ts, until_ts, status, updated_at) VALUES (p_collector, p_entity, p_signal, lo, hi, p_status, p_at);
END;
$$;
