-- Detector and live alerts (issue 8).
-- An outage still going at the end of the data the detector saw.
ALTER TABLE outages ADD COLUMN open INTEGER NOT NULL DEFAULT 0 CHECK (open IN (0, 1));

-- Every start or end of an outage the detector has seen, once: the key is stable across re-detections.
CREATE TABLE outage_changes (
  id          INTEGER PRIMARY KEY,
  key         TEXT NOT NULL UNIQUE,   -- started:<entity>:<start> | ended:<entity>:<start>
  entity      TEXT NOT NULL,          -- type:code
  change      TEXT NOT NULL CHECK (change IN ('started', 'ended')),
  at          INTEGER NOT NULL,       -- the outage's start (started) or end (ended), Unix seconds UTC
  payload     TEXT NOT NULL,          -- JSON sent to webhooks
  announced   INTEGER NOT NULL CHECK (announced IN (0, 1)), -- 0: too old to announce (backfill)
  created_at  INTEGER NOT NULL
);
CREATE INDEX outage_changes_entity ON outage_changes (entity, at);

-- One row per (change, webhook URL): a change is POSTed to a URL at most once successfully.
CREATE TABLE webhook_deliveries (
  id           INTEGER PRIMARY KEY,
  change_id    INTEGER NOT NULL REFERENCES outage_changes (id),
  url          TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT,
  next_attempt INTEGER,
  sent_at      INTEGER,
  UNIQUE (change_id, url)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (status, next_attempt);
