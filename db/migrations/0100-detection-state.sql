-- Per entity: a hash of the detector rules its stored outages were detected with (the effective rule of each of
-- its signals, OONI and degradation settings), written by a detection over all of its data (issue 21). Detection
-- of a window (after a collection, `detect --from`) keeps the stored outages outside the window while the hash
-- matches, and re-detects the entity from the start when the rules changed.
CREATE TABLE detection_state (
  entity        TEXT PRIMARY KEY,   -- type:code
  rules_hash    TEXT NOT NULL,      -- sha256 hex
  detected_from INTEGER,            -- the span of the data the last full detection saw, Unix seconds UTC
  detected_until INTEGER,           -- the end of the last window detected with these rules
  updated_at    INTEGER NOT NULL
) WITHOUT ROWID;
