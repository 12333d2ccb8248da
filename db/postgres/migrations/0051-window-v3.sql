-- outagewatch_window_v2 (migration 0045) with the window's checkpoints merged by outagewatch_cover_many (migration
-- 0050: every signal in one statement) instead of one outagewatch_cover call per signal. Points and rollups are
-- exactly v2's (v2 is called with no coverage); checkpoints come after them, in the same transaction, as in v2.
-- Used by every window write of db/postgres/store.ts that does not go the all-COPY way.
CREATE FUNCTION outagewatch_window_v3(
  p_sid bigint[], p_ts bigint[], p_val double precision[],
  l_sid bigint[],
  k_lvl smallint[], k_sid bigint[], k_ts bigint[], k_min double precision[], k_mean double precision[],
  k_max double precision[], k_n bigint[], k_sum double precision[], k_min_ts bigint[], k_max_ts bigint[],
  c_collector text, c_entity text, c_from bigint, c_until bigint, c_at bigint, c_signal text[], c_status text[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM outagewatch_window_v2(p_sid, p_ts, p_val, l_sid, k_lvl, k_sid, k_ts, k_min, k_mean, k_max, k_n, k_sum, k_min_ts, k_max_ts,
    c_collector, c_entity, c_from, c_until, c_at, '{}', '{}');
  PERFORM outagewatch_cover_many(c_collector, c_entity, c_signal, c_status, c_from, c_until, c_at);
END;
$$;
