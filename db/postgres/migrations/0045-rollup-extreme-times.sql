-- Times of each rollup row's extremes on PostgreSQL (issue 21 / SQLite migration 0105): min_ts = the time of the
-- first point holding the row's minimum, max_ts = the first holding its maximum (NULL when the row has no value, or
-- when the raw points were gone before this migration). 6-hour and daily rows take them from the first hourly row
-- (in time) holding the extreme. Charts draw a daily row as two exact points at the times its extremes happened.
ALTER TABLE points_hourly ADD COLUMN min_ts bigint, ADD COLUMN max_ts bigint;
ALTER TABLE points_6h ADD COLUMN min_ts bigint, ADD COLUMN max_ts bigint;
ALTER TABLE points_daily ADD COLUMN min_ts bigint, ADD COLUMN max_ts bigint;

-- existing hourly rows from the raw points of their hour (first in time on ties)
UPDATE points_hourly h SET
  min_ts = (SELECT p.ts FROM points p WHERE p.signal_id = h.signal_id AND p.ts >= h.ts AND p.ts < h.ts + 3600 AND p.value = h.min ORDER BY p.ts LIMIT 1),
  max_ts = (SELECT p.ts FROM points p WHERE p.signal_id = h.signal_id AND p.ts >= h.ts AND p.ts < h.ts + 3600 AND p.value = h.max ORDER BY p.ts LIMIT 1)
  WHERE h.min IS NOT NULL;

-- existing 6-hour and daily rows from the hourly rows inside them (the first hour holding the extreme)
UPDATE points_6h b SET
  min_ts = (SELECT h.min_ts FROM points_hourly h WHERE h.signal_id = b.signal_id AND h.ts >= b.ts AND h.ts < b.ts + 21600 AND h.min = b.min ORDER BY h.ts LIMIT 1),
  max_ts = (SELECT h.max_ts FROM points_hourly h WHERE h.signal_id = b.signal_id AND h.ts >= b.ts AND h.ts < b.ts + 21600 AND h.max = b.max ORDER BY h.ts LIMIT 1)
  WHERE b.min IS NOT NULL;
UPDATE points_daily d SET
  min_ts = (SELECT h.min_ts FROM points_hourly h WHERE h.signal_id = d.signal_id AND h.ts >= d.ts AND h.ts < d.ts + 86400 AND h.min = d.min ORDER BY h.ts LIMIT 1),
  max_ts = (SELECT h.max_ts FROM points_hourly h WHERE h.signal_id = d.signal_id AND h.ts >= d.ts AND h.ts < d.ts + 86400 AND h.max = d.max ORDER BY h.ts LIMIT 1)
  WHERE d.min IS NOT NULL;

-- The window routines of migration 0025 wrote rollups without these columns: replaced by the versions below.
DROP PROCEDURE outagewatch_copied_window(bigint[], bigint[], bigint[], bigint[], bigint[], bigint[], smallint[], bigint[], bigint[],
  double precision[], double precision[], double precision[], bigint[], double precision[], text, text, bigint, bigint, bigint, text[], text[]);
DROP FUNCTION outagewatch_write_window(bigint[], bigint[], double precision[], bigint[], bigint[], bigint[], bigint[], bigint[], smallint[],
  bigint[], bigint[], double precision[], double precision[], double precision[], bigint[], double precision[], text, text, bigint, bigint,
  bigint, text[], text[], bigint[], bigint[]);
DROP FUNCTION outagewatch_window_lock(bigint[], bigint[], bigint[], bigint[], bigint[]);

-- A window's points (upserted from arrays; empty when they came by COPY in the same transaction), rollups and
-- checkpoints in one call (db/postgres/store.ts). Rollups without reading anything back in the usual case:
--   * the caller sends each level's rows computed from the window's own points (k_*: level 1 hourly, 2 six-hourly,
--     3 daily; with min_ts / max_ts by the rules above);
--   * under a transaction-level advisory lock per signal (taken in id order: concurrent windows of one signal take
--     turns, so a bucket is never rolled up from a view missing the other's points), each level's rows are
--     inserted with ON CONFLICT DO NOTHING. A rollup row exists exactly when its bucket holds a stored point (every
--     writer keeps them together in one transaction), so a row that goes in was a bucket holding only the window's
--     points, and the caller's row is exact;
--   * when any row of a level met a stored one, that level's rows of the window are recomputed with the SQLite
--     rules (hours from the points, blocks and days from the hourly rows), which the lower level already made right.
-- No counting of stored points: a backfill of new days costs three inserts and the checkpoints.
CREATE FUNCTION outagewatch_window_v2(
  p_sid bigint[], p_ts bigint[], p_val double precision[],
  l_sid bigint[],
  k_lvl smallint[], k_sid bigint[], k_ts bigint[], k_min double precision[], k_mean double precision[],
  k_max double precision[], k_n bigint[], k_sum double precision[], k_min_ts bigint[], k_max_ts bigint[],
  c_collector text, c_entity text, c_from bigint, c_until bigint, c_at bigint, c_signal text[], c_status text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  want bigint;
  got bigint;
  i integer;
BEGIN
  IF cardinality(l_sid) > 0 THEN
    PERFORM pg_advisory_xact_lock(1870098031, (s % 2147483647)::integer) FROM (SELECT DISTINCT s FROM unnest(l_sid) AS u(s) ORDER BY s) AS x;
  END IF;
  IF cardinality(p_sid) > 0 THEN
    INSERT INTO points (signal_id, ts, value)
      SELECT s, t, v FROM unnest(p_sid, p_ts, p_val) AS u(s, t, v)
      ON CONFLICT (signal_id, ts) DO UPDATE SET value = excluded.value;
  END IF;

  IF cardinality(k_lvl) > 0 THEN
    -- hourly
    SELECT count(*) INTO want FROM unnest(k_lvl) AS k(lvl) WHERE k.lvl = 1;
    INSERT INTO points_hourly (signal_id, ts, min, mean, max, n, sum, min_ts, max_ts)
      SELECT sid, ts, mn, me, mx, n, sm, mnt, mxt
      FROM unnest(k_lvl, k_sid, k_ts, k_min, k_mean, k_max, k_n, k_sum, k_min_ts, k_max_ts) AS k(lvl, sid, ts, mn, me, mx, n, sm, mnt, mxt)
      WHERE k.lvl = 1
      ON CONFLICT (signal_id, ts) DO NOTHING;
    GET DIAGNOSTICS got = ROW_COUNT;
    IF got < want THEN
      INSERT INTO points_hourly (signal_id, ts, min, mean, max, n, sum, min_ts, max_ts)
        SELECT k.sid, k.ts, min(p.value), avg(p.value), max(p.value), count(p.value), sum(p.value),
          (array_agg(p.ts ORDER BY p.value, p.ts) FILTER (WHERE p.value IS NOT NULL))[1],
          (array_agg(p.ts ORDER BY p.value DESC, p.ts) FILTER (WHERE p.value IS NOT NULL))[1]
        FROM unnest(k_lvl, k_sid, k_ts) AS k(lvl, sid, ts) JOIN points p ON p.signal_id = k.sid AND p.ts >= k.ts AND p.ts < k.ts + 3600
        WHERE k.lvl = 1
        GROUP BY k.sid, k.ts
        ON CONFLICT (signal_id, ts) DO UPDATE SET min = excluded.min, mean = excluded.mean, max = excluded.max, n = excluded.n,
          sum = excluded.sum, min_ts = excluded.min_ts, max_ts = excluded.max_ts;
    END IF;

    -- 6-hour blocks
    SELECT count(*) INTO want FROM unnest(k_lvl) AS k(lvl) WHERE k.lvl = 2;
    INSERT INTO points_6h (signal_id, ts, min, mean, max, n, sum, min_ts, max_ts)
      SELECT sid, ts, mn, me, mx, n, sm, mnt, mxt
      FROM unnest(k_lvl, k_sid, k_ts, k_min, k_mean, k_max, k_n, k_sum, k_min_ts, k_max_ts) AS k(lvl, sid, ts, mn, me, mx, n, sm, mnt, mxt)
      WHERE k.lvl = 2
      ON CONFLICT (signal_id, ts) DO NOTHING;
    GET DIAGNOSTICS got = ROW_COUNT;
    IF got < want THEN
      INSERT INTO points_6h (signal_id, ts, min, mean, max, n, sum, min_ts, max_ts)
        SELECT k.sid, k.ts, min(h.min), sum(h.sum) / nullif(sum(h.n), 0), max(h.max), sum(h.n), sum(h.sum),
          (array_agg(h.min_ts ORDER BY h.min, h.ts) FILTER (WHERE h.min IS NOT NULL))[1],
          (array_agg(h.max_ts ORDER BY h.max DESC, h.ts) FILTER (WHERE h.max IS NOT NULL))[1]
        FROM unnest(k_lvl, k_sid, k_ts) AS k(lvl, sid, ts) JOIN points_hourly h ON h.signal_id = k.sid AND h.ts >= k.ts AND h.ts < k.ts + 21600
        WHERE k.lvl = 2
        GROUP BY k.sid, k.ts
        ON CONFLICT (signal_id, ts) DO UPDATE SET min = excluded.min, mean = excluded.mean, max = excluded.max, n = excluded.n,
          sum = excluded.sum, min_ts = excluded.min_ts, max_ts = excluded.max_ts;
    END IF;

    -- days
    SELECT count(*) INTO want FROM unnest(k_lvl) AS k(lvl) WHERE k.lvl = 3;
    INSERT INTO points_daily (signal_id, ts, min, mean, max, n, sum, min_ts, max_ts)
      SELECT sid, ts, mn, me, mx, n, sm, mnt, mxt
      FROM unnest(k_lvl, k_sid, k_ts, k_min, k_mean, k_max, k_n, k_sum, k_min_ts, k_max_ts) AS k(lvl, sid, ts, mn, me, mx, n, sm, mnt, mxt)
      WHERE k.lvl = 3
      ON CONFLICT (signal_id, ts) DO NOTHING;
    GET DIAGNOSTICS got = ROW_COUNT;
    IF got < want THEN
      INSERT INTO points_daily (signal_id, ts, min, mean, max, n, sum, min_ts, max_ts)
        SELECT k.sid, k.ts, min(h.min), sum(h.sum) / nullif(sum(h.n), 0), max(h.max), sum(h.n), sum(h.sum),
          (array_agg(h.min_ts ORDER BY h.min, h.ts) FILTER (WHERE h.min IS NOT NULL))[1],
          (array_agg(h.max_ts ORDER BY h.max DESC, h.ts) FILTER (WHERE h.max IS NOT NULL))[1]
        FROM unnest(k_lvl, k_sid, k_ts) AS k(lvl, sid, ts) JOIN points_hourly h ON h.signal_id = k.sid AND h.ts >= k.ts AND h.ts < k.ts + 86400
        WHERE k.lvl = 3
        GROUP BY k.sid, k.ts
        ON CONFLICT (signal_id, ts) DO UPDATE SET min = excluded.min, mean = excluded.mean, max = excluded.max, n = excluded.n,
          sum = excluded.sum, min_ts = excluded.min_ts, max_ts = excluded.max_ts;
    END IF;
  END IF;

  FOR i IN 1 .. coalesce(cardinality(c_signal), 0) LOOP
    PERFORM outagewatch_cover(c_collector, c_entity, c_signal[i], c_from, c_until, c_status[i], c_at);
  END LOOP;
END;
$$;

-- A large window in one round trip: `BEGIN; COPY points … FROM STDIN (FORMAT binary); CALL
-- outagewatch_copied_window_v2(…); COMMIT` (a procedure: the COPY stream takes no result rows). The COPY fails on a
-- point already stored; the caller then rolls back and writes the window by outagewatch_window_v2's upsert.
CREATE PROCEDURE outagewatch_copied_window_v2(
  l_sid bigint[],
  k_lvl smallint[], k_sid bigint[], k_ts bigint[], k_min double precision[], k_mean double precision[],
  k_max double precision[], k_n bigint[], k_sum double precision[], k_min_ts bigint[], k_max_ts bigint[],
  c_collector text, c_entity text, c_from bigint, c_until bigint, c_at bigint, c_signal text[], c_status text[])
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM outagewatch_window_v2('{}', '{}', '{}', l_sid, k_lvl, k_sid, k_ts, k_min, k_mean, k_max, k_n, k_sum, k_min_ts, k_max_ts,
    c_collector, c_entity, c_from, c_until, c_at, c_signal, c_status);
END;
$$;
