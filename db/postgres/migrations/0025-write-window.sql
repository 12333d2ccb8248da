-- A window's points, rollups and checkpoints in one server-side call (issue 23, write speed): plans cached by
-- plpgsql, one round trip, and the rollups of series whose days hold no stored point yet taken from the caller
-- (who aggregates the window's own points in one pass, as the SQLite store's fast path does) instead of being
-- recomputed by reading the points back.
--
-- Per series (r_sid[i]): [r_hlo, r_hhi) is the span of whole hours its points touch, [r_dlo, r_dhi) of whole UTC
-- days. outagewatch_window_lock takes a transaction-level advisory lock per signal (in id order: concurrent windows
-- of one signal take turns, so a day's rollup is never computed from a view missing the other window's points) and
-- says which series are fresh, before any point goes in:
--   * no point stored in its days  (fresh_day)  -> hourly, 6-hour and daily rows are the caller's (k_* arrays,
--     level 1/2/3);
--   * no point stored in its hours (fresh_hour) -> hourly rows are the caller's, 6-hour and daily recomputed;
--   * otherwise -> every level recomputed from the stored points (the SQLite rules).
-- The caller's rows follow the same rules (non-null values; n their count; sum; mean = sum / n; blocks and days
-- from the hours' sums), so both paths give the same rows (means equal up to summation order).
CREATE FUNCTION outagewatch_window_lock(r_sid bigint[], r_hlo bigint[], r_hhi bigint[], r_dlo bigint[], r_dhi bigint[],
  OUT fresh_day bigint[], OUT fresh_hour bigint[])
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1870098031, (s % 2147483647)::integer) FROM (SELECT DISTINCT s FROM unnest(r_sid) AS u(s) ORDER BY s) AS x;
  SELECT coalesce(array_agg(r.sid) FILTER (WHERE NOT EXISTS (SELECT 1 FROM points p WHERE p.signal_id = r.sid AND p.ts >= r.dlo AND p.ts < r.dhi)), '{}'),
         coalesce(array_agg(r.sid) FILTER (WHERE NOT EXISTS (SELECT 1 FROM points p WHERE p.signal_id = r.sid AND p.ts >= r.hlo AND p.ts < r.hhi)), '{}')
    INTO fresh_day, fresh_hour
    FROM unnest(r_sid, r_hlo, r_hhi, r_dlo, r_dhi) AS r(sid, hlo, hhi, dlo, dhi);
END;
$$;

-- The window in one call. With p_fresh_day NULL it first calls outagewatch_window_lock itself and p_* holds every
-- point (upserted: the last value of a time wins, as SQLite's upsert); otherwise the caller knows which series are
-- fresh and has written their points (outagewatch_copied_window, below).
-- Checkpoints merge through outagewatch_cover (migration 0002), one call per covered signal, in the given order.
CREATE FUNCTION outagewatch_write_window(
  p_sid bigint[], p_ts bigint[], p_val double precision[],
  r_sid bigint[], r_hlo bigint[], r_hhi bigint[], r_dlo bigint[], r_dhi bigint[],
  k_lvl smallint[], k_sid bigint[], k_ts bigint[], k_min double precision[], k_mean double precision[],
  k_max double precision[], k_n bigint[], k_sum double precision[],
  c_collector text, c_entity text, c_from bigint, c_until bigint, c_at bigint, c_signal text[], c_status text[],
  p_fresh_day bigint[], p_fresh_hour bigint[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  fresh_day bigint[];
  fresh_hour bigint[];
  i integer;
BEGIN
  IF cardinality(r_sid) > 0 THEN
    IF p_fresh_day IS NULL THEN
      SELECT l.fresh_day, l.fresh_hour INTO fresh_day, fresh_hour FROM outagewatch_window_lock(r_sid, r_hlo, r_hhi, r_dlo, r_dhi) AS l;
    ELSE
      fresh_day := p_fresh_day;
      fresh_hour := p_fresh_hour;
    END IF;

    INSERT INTO points (signal_id, ts, value)
      SELECT s, t, v FROM unnest(p_sid, p_ts, p_val) AS u(s, t, v)
      ON CONFLICT (signal_id, ts) DO UPDATE SET value = excluded.value;

    -- hourly: the caller's rows where the hours were empty, else recomputed from the points
    INSERT INTO points_hourly (signal_id, ts, min, mean, max, n, sum)
      SELECT sid, ts, mn, me, mx, n, sm FROM unnest(k_lvl, k_sid, k_ts, k_min, k_mean, k_max, k_n, k_sum) AS k(lvl, sid, ts, mn, me, mx, n, sm)
      WHERE k.lvl = 1 AND k.sid = ANY (fresh_hour)
      ON CONFLICT (signal_id, ts) DO UPDATE SET min = excluded.min, mean = excluded.mean, max = excluded.max, n = excluded.n, sum = excluded.sum;
    IF cardinality(fresh_hour) < cardinality(r_sid) THEN
      INSERT INTO points_hourly (signal_id, ts, min, mean, max, n, sum)
        SELECT p.signal_id, (p.ts / 3600) * 3600 AS h, min(p.value), avg(p.value), max(p.value), count(p.value), sum(p.value)
        FROM unnest(r_sid, r_hlo, r_hhi) AS r(sid, lo, hi) JOIN points p ON p.signal_id = r.sid AND p.ts >= r.lo AND p.ts < r.hi
        WHERE r.sid <> ALL (fresh_hour)
        GROUP BY p.signal_id, h
        ON CONFLICT (signal_id, ts) DO UPDATE SET min = excluded.min, mean = excluded.mean, max = excluded.max, n = excluded.n, sum = excluded.sum;
    END IF;

    -- 6-hour blocks and days: the caller's rows where the days were empty, else recomputed from the hourly rows
    INSERT INTO points_6h (signal_id, ts, min, mean, max, n, sum)
      SELECT sid, ts, mn, me, mx, n, sm FROM unnest(k_lvl, k_sid, k_ts, k_min, k_mean, k_max, k_n, k_sum) AS k(lvl, sid, ts, mn, me, mx, n, sm)
      WHERE k.lvl = 2 AND k.sid = ANY (fresh_day)
      ON CONFLICT (signal_id, ts) DO UPDATE SET min = excluded.min, mean = excluded.mean, max = excluded.max, n = excluded.n, sum = excluded.sum;
    INSERT INTO points_daily (signal_id, ts, min, mean, max, n, sum)
      SELECT sid, ts, mn, me, mx, n, sm FROM unnest(k_lvl, k_sid, k_ts, k_min, k_mean, k_max, k_n, k_sum) AS k(lvl, sid, ts, mn, me, mx, n, sm)
      WHERE k.lvl = 3 AND k.sid = ANY (fresh_day)
      ON CONFLICT (signal_id, ts) DO UPDATE SET min = excluded.min, mean = excluded.mean, max = excluded.max, n = excluded.n, sum = excluded.sum;
    IF cardinality(fresh_day) < cardinality(r_sid) THEN
      INSERT INTO points_daily (signal_id, ts, min, mean, max, n, sum)
        SELECT p.signal_id, (p.ts / 86400) * 86400 AS d, min(p.min), sum(p.sum) / nullif(sum(p.n), 0), max(p.max), sum(p.n), sum(p.sum)
        FROM unnest(r_sid, r_dlo, r_dhi) AS r(sid, lo, hi) JOIN points_hourly p ON p.signal_id = r.sid AND p.ts >= r.lo AND p.ts < r.hi
        WHERE r.sid <> ALL (fresh_day)
        GROUP BY p.signal_id, d
        ON CONFLICT (signal_id, ts) DO UPDATE SET min = excluded.min, mean = excluded.mean, max = excluded.max, n = excluded.n, sum = excluded.sum;
      -- 6-hour blocks lie inside UTC days: the same day range covers every block the window touched
      INSERT INTO points_6h (signal_id, ts, min, mean, max, n, sum)
        SELECT p.signal_id, (p.ts / 21600) * 21600 AS q, min(p.min), sum(p.sum) / nullif(sum(p.n), 0), max(p.max), sum(p.n), sum(p.sum)
        FROM unnest(r_sid, r_dlo, r_dhi) AS r(sid, lo, hi) JOIN points_hourly p ON p.signal_id = r.sid AND p.ts >= r.lo AND p.ts < r.hi
        WHERE r.sid <> ALL (fresh_day)
        GROUP BY p.signal_id, q
        ON CONFLICT (signal_id, ts) DO UPDATE SET min = excluded.min, mean = excluded.mean, max = excluded.max, n = excluded.n, sum = excluded.sum;
    END IF;
  END IF;

  FOR i IN 1 .. coalesce(cardinality(c_signal), 0) LOOP
    PERFORM outagewatch_cover(c_collector, c_entity, c_signal[i], c_from, c_until, c_status[i], c_at);
  END LOOP;
END;
$$;

-- A large window in one round trip (db/postgres/store.ts): the caller sends `BEGIN; COPY points … FROM STDIN
-- (FORMAT binary); CALL outagewatch_copied_window(…); COMMIT` with every point of the window in the COPY. The COPY
-- fails on a point already stored (the caller then rolls back and writes the window with outagewatch_write_window's
-- upsert instead), so when it succeeds the window's points were all new, and a series' days (hours) held no other
-- point exactly when they now hold r_cnt points — counted under the per-signal lock, which also makes a
-- concurrent window of the same signal wait and then see these points committed.
CREATE PROCEDURE outagewatch_copied_window(
  r_sid bigint[], r_cnt bigint[], r_hlo bigint[], r_hhi bigint[], r_dlo bigint[], r_dhi bigint[],
  k_lvl smallint[], k_sid bigint[], k_ts bigint[], k_min double precision[], k_mean double precision[],
  k_max double precision[], k_n bigint[], k_sum double precision[],
  c_collector text, c_entity text, c_from bigint, c_until bigint, c_at bigint, c_signal text[], c_status text[])
LANGUAGE plpgsql AS $$
DECLARE
  fresh_day bigint[];
  fresh_hour bigint[];
BEGIN
  PERFORM pg_advisory_xact_lock(1870098031, (s % 2147483647)::integer) FROM (SELECT DISTINCT s FROM unnest(r_sid) AS u(s) ORDER BY s) AS x;
  -- a fresh day has fresh hours: the hours are counted only for series whose days held other points
  SELECT coalesce(array_agg(d.sid) FILTER (WHERE d.day_cnt = d.cnt), '{}'),
         coalesce(array_agg(d.sid) FILTER (WHERE d.day_cnt = d.cnt
           OR (SELECT count(*) FROM points p WHERE p.signal_id = d.sid AND p.ts >= d.hlo AND p.ts < d.hhi) = d.cnt), '{}')
    INTO fresh_day, fresh_hour
    FROM (SELECT r.*, (SELECT count(*) FROM points p WHERE p.signal_id = r.sid AND p.ts >= r.dlo AND p.ts < r.dhi) AS day_cnt
          FROM unnest(r_sid, r_cnt, r_hlo, r_hhi, r_dlo, r_dhi) AS r(sid, cnt, hlo, hhi, dlo, dhi)) AS d;
  PERFORM outagewatch_write_window('{}', '{}', '{}', r_sid, r_hlo, r_hhi, r_dlo, r_dhi, k_lvl, k_sid, k_ts, k_min, k_mean, k_max, k_n, k_sum,
    c_collector, c_entity, c_from, c_until, c_at, c_signal, c_status, fresh_day, fresh_hour);
END;
$$;
