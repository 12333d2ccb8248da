-- A coarser rollup for long chart ranges (issue 21): 6-hour buckets (UTC 00, 06, 12, 18) of the hourly rollup,
-- same columns as points_hourly/points_daily. A one-year chart reads 1,460 rows per signal here instead of 8,760
-- hourly rows; the minimum and maximum of each bucket are kept, so a blackout stays visible.
CREATE TABLE points_6h (
  signal_id INTEGER NOT NULL,
  ts        INTEGER NOT NULL,   -- start of the 6-hour UTC block
  min       REAL,
  mean      REAL,
  max       REAL,
  n         INTEGER NOT NULL,
  sum       REAL,
  PRIMARY KEY (signal_id, ts)
) WITHOUT ROWID;

INSERT INTO points_6h (signal_id, ts, min, mean, max, n, sum)
  SELECT signal_id, (ts / 21600) * 21600 AS q, min(min), sum(sum) / sum(n), max(max), sum(n), sum(sum)
  FROM points_hourly GROUP BY signal_id, q;
