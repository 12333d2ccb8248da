-- Incremental detection (issue 21): per entity and level signal, the detector's state at a checkpoint (the baseline
-- chosen, the tail of its history, the episode being built, day totals) and the episodes closed before it, so that
-- detection after a collection goes on from the checkpoint and gives what a detection over all the data gives.
-- Written by every detection; cleared with the entity's detection when the rules (or the detector) change.
CREATE TABLE detector_signal_state (
  entity     TEXT NOT NULL,      -- type:code
  signal     TEXT NOT NULL,
  checkpoint INTEGER NOT NULL,   -- time of the first point not folded into the state, Unix seconds UTC
  state      TEXT NOT NULL,      -- JSON: grid, baseline choice, episode builder, layout of `data`
  data       BLOB,               -- the history tail and day totals, packed (float64 / uint8)
  PRIMARY KEY (entity, signal)
) WITHOUT ROWID;

CREATE TABLE detector_episodes (
  entity  TEXT NOT NULL,
  signal  TEXT NOT NULL,
  start   INTEGER NOT NULL,
  end     INTEGER NOT NULL,
  episode TEXT NOT NULL,         -- JSON of the episode
  PRIMARY KEY (entity, signal, start)
) WITHOUT ROWID;
