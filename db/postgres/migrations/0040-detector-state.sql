-- The detector's resumable state (issue 23), as SQLite's migrations 0100-0102: per entity the rules hash and span of
-- its last detection over all of its data; per level signal the detector's state at a checkpoint; the episodes
-- closed before it; what the last detection derived in full. Small per entity: reference tables under Citus.
CREATE TABLE IF NOT EXISTS detection_state (
  entity         text PRIMARY KEY,
  rules_hash     text NOT NULL,
  detected_from  bigint,
  detected_until bigint,
  updated_at     bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS detector_signal_state (
  entity     text NOT NULL,
  signal     text NOT NULL,
  checkpoint bigint NOT NULL,
  state      text NOT NULL,
  data       bytea,
  PRIMARY KEY (entity, signal)
);

CREATE TABLE IF NOT EXISTS detector_episodes (
  entity  text NOT NULL,
  signal  text NOT NULL,
  start   bigint NOT NULL,
  "end"   bigint NOT NULL,
  episode text NOT NULL,
  PRIMARY KEY (entity, signal, start)
);

CREATE TABLE IF NOT EXISTS detector_entity_state (
  entity  text PRIMARY KEY,
  derived text NOT NULL
);
