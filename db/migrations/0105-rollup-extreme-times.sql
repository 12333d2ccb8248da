-- Times of each rollup row's extremes (issue 21, charts under load): min_ts = the time of the first point holding
-- the row's minimum, max_ts = the first holding its maximum (NULL when the row has no value, or when the raw points
-- were gone before this migration). A chart then draws a daily row as two exact points, at the times the extremes
-- happened, so a one-year chart reads 365 rows per signal instead of 1,460 six-hour rows and no blackout is lost.
ALTER TABLE points_hourly ADD COLUMN min_ts INTEGER;
ALTER TABLE points_hourly ADD COLUMN max_ts INTEGER;
ALTER TABLE points_6h ADD COLUMN min_ts INTEGER;
ALTER TABLE points_6h ADD COLUMN max_ts INTEGER;
ALTER TABLE points_daily ADD COLUMN min_ts INTEGER;
ALTER TABLE points_daily ADD COLUMN max_ts INTEGER;

-- hourly rows from the raw points of their hour (first in time on ties)
UPDATE points_hourly SET
  min_ts = (SELECT p.ts FROM points p WHERE p.signal_id = points_hourly.signal_id AND p.ts >= points_hourly.ts
            AND p.ts < points_hourly.ts + 3600 AND p.value = points_hourly.min ORDER BY p.ts LIMIT 1),
  max_ts = (SELECT p.ts FROM points p WHERE p.signal_id = points_hourly.signal_id AND p.ts >= points_hourly.ts
            AND p.ts < points_hourly.ts + 3600 AND p.value = points_hourly.max ORDER BY p.ts LIMIT 1)
  WHERE min IS NOT NULL;

-- 6-hour and daily rows from the hourly rows inside them (the first hour holding the extreme, its time)
UPDATE points_6h SET
  min_ts = (SELECT h.min_ts FROM points_hourly h WHERE h.signal_id = points_6h.signal_id AND h.ts >= points_6h.ts
            AND h.ts < points_6h.ts + 21600 AND h.min = points_6h.min ORDER BY h.ts LIMIT 1),
  max_ts = (SELECT h.max_ts FROM points_hourly h WHERE h.signal_id = points_6h.signal_id AND h.ts >= points_6h.ts
            AND h.ts < points_6h.ts + 21600 AND h.max = points_6h.max ORDER BY h.ts LIMIT 1)
  WHERE min IS NOT NULL;

UPDATE points_daily SET
  min_ts = (SELECT h.min_ts FROM points_hourly h WHERE h.signal_id = points_daily.signal_id AND h.ts >= points_daily.ts
            AND h.ts < points_daily.ts + 86400 AND h.min = points_daily.min ORDER BY h.ts LIMIT 1),
  max_ts = (SELECT h.max_ts FROM points_hourly h WHERE h.signal_id = points_daily.signal_id AND h.ts >= points_daily.ts
            AND h.ts < points_daily.ts + 86400 AND h.max = points_daily.max ORDER BY h.ts LIMIT 1)
  WHERE min IS NOT NULL;
