-- Points packed per signal and UTC day (issue 21, detection reads columns): one row per signal and day holding
-- every point of that day as one blob — n float64 values (NULL = no data stored as NaN), then n int32 offsets in
-- seconds from the day's start, in time order, little-endian: 12 bytes a point. Derived from `points` (which stays
-- the data): `SqliteStore.writeWindow` keeps it current in the same transaction as the points, and
-- `SqliteStore.readColumns` reads a signal's points from it as two typed arrays, a copy per day instead of a
-- JavaScript call per row. A rowid table: a day of 5-minute points is a few kilobytes, too large for WITHOUT ROWID.
CREATE TABLE points_packed (
  signal_id INTEGER NOT NULL,
  day       INTEGER NOT NULL,   -- start of the UTC day
  data      BLOB NOT NULL,
  PRIMARY KEY (signal_id, day)
);

-- Signals whose points are not packed yet: those with points stored before this migration. SQL cannot write the
-- blobs, so opening the database for writing packs them (`SqliteStore.packPending`, one transaction per signal);
-- until then `readColumns` reads such a signal from `points` and `writeWindow` leaves its packed rows alone.
CREATE TABLE points_unpacked (
  signal_id INTEGER PRIMARY KEY
);
INSERT INTO points_unpacked (signal_id) SELECT id FROM signals WHERE EXISTS (SELECT 1 FROM points p WHERE p.signal_id = signals.id);
