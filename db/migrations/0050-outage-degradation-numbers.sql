-- Issue 16: outages of kind `degradation` (a service settling well below its long-run level), and the numbers a
-- reader understands beside the IODA-style score: percent of normal lost, hours, and whether synthetic data
-- took part. SQLite cannot change a CHECK constraint in place, so the table is rebuilt (same ids, same rows).
CREATE TABLE outages_new (
  id           INTEGER PRIMARY KEY,
  entity_id    INTEGER NOT NULL REFERENCES entities (id),
  start        INTEGER NOT NULL,
  end          INTEGER NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('connectivity', 'service-blocking', 'both', 'degradation')),
  severity     TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
  score        REAL NOT NULL,
  signals      TEXT NOT NULL,    -- JSON: [{ signal, start, end, severity, depth, score, lost? }]
  targets      TEXT NOT NULL DEFAULT '[]', -- JSON: blocked OONI targets / Google products
  evidence     TEXT NOT NULL DEFAULT '[]', -- JSON: [{ label, url }]
  detected_at  INTEGER NOT NULL,
  open         INTEGER NOT NULL DEFAULT 0 CHECK (open IN (0, 1)),
  lost_percent REAL,             -- percent of normal lost (NULL: only rates fell, or detected before this column)
  hours        REAL,             -- duration in hours (NULL for rows detected before this column: end − start)
  synthetic    INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1))
);
INSERT INTO outages_new (id, entity_id, start, end, kind, severity, score, signals, targets, evidence, detected_at, open)
  SELECT id, entity_id, start, end, kind, severity, score, signals, targets, evidence, detected_at, open FROM outages;
DROP TABLE outages;
ALTER TABLE outages_new RENAME TO outages;
CREATE INDEX outages_entity_time ON outages (entity_id, start);
CREATE INDEX outages_time ON outages (start);
