-- Checkpoints of every signal of a window in ONE statement (issue 23, window-write speed): the rule of
-- outagewatch_cover (migration 0002, SQLite's cover() in db/store.ts) for each (collector, entity, signal) stream at
-- once — intervals of another status overlapping [p_from, p_until) are cut (their parts outside it kept), intervals
-- of the same status overlapping or touching it are merged with it into one row. The two deletes take disjoint rows
-- (other status / same status), so doing them in one statement gives exactly what the per-signal sequence gives.
-- The per-stream advisory locks are taken first, in the given order (as outagewatch_cover takes them one after the
-- other in a window's order, so the two never wait on each other in a cycle). A list naming a signal twice is
-- handed to outagewatch_cover one by one (the later status wins, as there).
CREATE FUNCTION outagewatch_cover_many(p_collector text, p_entity text, p_signal text[], p_status text[], p_from bigint, p_until bigint, p_at bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  i integer;
BEGIN
  IF NOT (p_until > p_from) OR coalesce(cardinality(p_signal), 0) = 0 THEN
    RETURN;
  END IF;
  IF (SELECT count(DISTINCT s) FROM unnest(p_signal) AS u(s)) < cardinality(p_signal) THEN
    FOR i IN 1 .. cardinality(p_signal) LOOP
      PERFORM outagewatch_cover(p_collector, p_entity, p_signal[i], p_from, p_until, p_status[i], p_at);
    END LOOP;
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended(json_build_array(p_collector, p_entity, s)::text, 0))
    FROM unnest(p_signal) WITH ORDINALITY AS u(s, o) ORDER BY o;
  WITH arg AS (
    SELECT s AS signal, st AS status FROM unnest(p_signal, p_status) AS u(s, st)
  ), cut AS (
    DELETE FROM checkpoints c USING arg a
    WHERE c.collector = p_collector AND c.entity = p_entity AND c.signal = a.signal AND c.status <> a.status
      AND c.from_ts < p_until AND c.until_ts > p_from
    RETURNING c.signal, c.from_ts, c.until_ts, c.status
  ), merged AS (
    DELETE FROM checkpoints c USING arg a
    WHERE c.collector = p_collector AND c.entity = p_entity AND c.signal = a.signal AND c.status = a.status
      AND c.from_ts <= p_until AND c.until_ts >= p_from
    RETURNING c.signal, c.from_ts, c.until_ts
  )
  INSERT INTO checkpoints (collector, entity, signal, from_ts, until_ts, status, updated_at)
    SELECT p_collector, p_entity, signal, from_ts, p_from, status, p_at FROM cut WHERE from_ts < p_from
    UNION ALL
    SELECT p_collector, p_entity, signal, p_until, until_ts, status, p_at FROM cut WHERE until_ts > p_until
    UNION ALL
    SELECT p_collector, p_entity, a.signal, least(p_from, min(m.from_ts)), greatest(p_until, max(m.until_ts)), a.status, p_at
      FROM arg a LEFT JOIN merged m ON m.signal = a.signal
      GROUP BY a.signal, a.status;
END;
$$;
