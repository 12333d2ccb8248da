-- Incremental detection (issue 21): per entity, what its last detection derived in full each time — OONI blocking and
-- degradation episodes, and the source events compared — so that a detection after a collection rewrites only the
-- outages from the earliest one that changed.
CREATE TABLE detector_entity_state (
  entity  TEXT PRIMARY KEY,   -- type:code
  derived TEXT NOT NULL       -- JSON: [[bound, key], ...]
) WITHOUT ROWID;
