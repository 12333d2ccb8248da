-- outagewatch schema, version 1. Never edit once applied: add a new numbered file.
-- Times are Unix seconds UTC. JSON columns hold text produced by JSON.stringify.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- What is measured: `type:code` (country:KZ, region:1234, asn:9198, county:IR-xyz).
CREATE TABLE entities (
  id      INTEGER PRIMARY KEY,
  type    TEXT NOT NULL CHECK (type IN ('country', 'region', 'asn', 'county')),
  code    TEXT NOT NULL,
  name    TEXT,
  country TEXT,
  UNIQUE (type, code)
);

-- One time series from one source about one entity: `source.metric[:target]`.
CREATE TABLE signals (
  id        INTEGER PRIMARY KEY,
  entity_id INTEGER NOT NULL REFERENCES entities (id),
  name      TEXT NOT NULL,
  source    TEXT NOT NULL,
  metric    TEXT NOT NULL,
  target    TEXT,
  step      INTEGER,            -- native step in seconds, when known
  unit      TEXT,
  synthetic INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1)),
  meta      TEXT,               -- JSON
  UNIQUE (entity_id, name)
);

-- value NULL means "no data", never zero.
CREATE TABLE points (
  signal_id INTEGER NOT NULL,
  ts        INTEGER NOT NULL,
  value     REAL,
  PRIMARY KEY (signal_id, ts)
) WITHOUT ROWID;

-- Rollups of non-null values; `n` = count of non-null values, `sum` kept so means combine exactly.
CREATE TABLE points_hourly (
  signal_id INTEGER NOT NULL,
  ts        INTEGER NOT NULL,   -- start of the UTC hour
  min       REAL,
  mean      REAL,
  max       REAL,
  n         INTEGER NOT NULL,
  sum       REAL,
  PRIMARY KEY (signal_id, ts)
) WITHOUT ROWID;

CREATE TABLE points_daily (
  signal_id INTEGER NOT NULL,
  ts        INTEGER NOT NULL,   -- start of the UTC day
  min       REAL,
  mean      REAL,
  max       REAL,
  n         INTEGER NOT NULL,
  sum       REAL,
  PRIMARY KEY (signal_id, ts)
) WITHOUT ROWID;

-- Outages a source declared itself (IODA outage events, Radar annotations, OONI confirmed blocks).
CREATE TABLE source_events (
  id          INTEGER PRIMARY KEY,
  source      TEXT NOT NULL,
  external_id TEXT NOT NULL,    -- stable key from the source, or a hash of the raw record
  entity_id   INTEGER REFERENCES entities (id),
  start       INTEGER NOT NULL,
  end         INTEGER,
  kind        TEXT,
  title       TEXT,
  description TEXT,
  score       REAL,
  url         TEXT,
  raw         TEXT NOT NULL,    -- the record as the source sent it (JSON)
  fetched_at  INTEGER NOT NULL,
  UNIQUE (source, external_id)
);
CREATE INDEX source_events_entity_time ON source_events (entity_id, start);

-- Episodes outagewatch detected.
CREATE TABLE outages (
  id          INTEGER PRIMARY KEY,
  entity_id   INTEGER NOT NULL REFERENCES entities (id),
  start       INTEGER NOT NULL,
  end         INTEGER NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('connectivity', 'service-blocking', 'both')),
  severity    TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
  score       REAL NOT NULL,
  signals     TEXT NOT NULL,    -- JSON: [{ signal, depth, minRatio, start, end, severity }]
  targets     TEXT NOT NULL DEFAULT '[]', -- JSON: blocked OONI targets / Google products
  evidence    TEXT NOT NULL DEFAULT '[]', -- JSON: [{ label, url }]
  detected_at INTEGER NOT NULL
);
CREATE INDEX outages_entity_time ON outages (entity_id, start);
CREATE INDEX outages_time ON outages (start);

-- Protest calendar. Instants in UTC with the IANA zone they were announced in.
CREATE TABLE protest_events (
  id          TEXT PRIMARY KEY, -- slug: kz-2016-05-21-land-protests
  title       TEXT NOT NULL,
  country     TEXT NOT NULL,
  places      TEXT NOT NULL DEFAULT '[]', -- JSON: [{ name, admin1?, lat?, lon? }]
  start       INTEGER NOT NULL,
  end         INTEGER NOT NULL,
  tz          TEXT NOT NULL,
  all_day     INTEGER NOT NULL DEFAULT 1 CHECK (all_day IN (0, 1)),
  kind        TEXT NOT NULL CHECK (kind IN ('protest', 'election', 'unrest', 'anniversary', 'other')),
  sources     TEXT NOT NULL DEFAULT '[]', -- JSON: [url]
  notes       TEXT,
  tags        TEXT NOT NULL DEFAULT '[]', -- JSON: [tag]
  origin      TEXT NOT NULL CHECK (origin IN ('seed', 'import', 'manual')),
  origin_file TEXT,
  origin_line INTEGER,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  CHECK (end > start)
);
CREATE INDEX protest_events_country_time ON protest_events (country, start);
CREATE UNIQUE INDEX protest_events_natural ON protest_events (country, start, title);

-- Outages from published lists (Access Now STOP, IODA investigated, user CSV).
CREATE TABLE reference_outages (
  id          INTEGER PRIMARY KEY,
  list        TEXT NOT NULL,
  natural_key TEXT NOT NULL,
  country     TEXT NOT NULL,
  start       INTEGER NOT NULL,
  end         INTEGER,          -- NULL: open-ended (Ongoing / Unknown)
  kind        TEXT,             -- connectivity | service-blocking | throttling | NULL
  scope       TEXT,             -- country | region | asn | ...
  scope_detail TEXT,
  cause       TEXT,
  services    TEXT NOT NULL DEFAULT '[]',
  source      TEXT,
  origin_file TEXT,
  origin_line INTEGER,
  raw         TEXT NOT NULL,
  UNIQUE (list, natural_key)
);
CREATE INDEX reference_outages_country_time ON reference_outages (country, start);

-- Covered intervals per (collector, entity, signal): data in [from_ts, until_ts) is complete.
-- status 'no-data' records that the source answered "no data for this era".
CREATE TABLE checkpoints (
  collector  TEXT NOT NULL,
  entity     TEXT NOT NULL,     -- type:code
  signal     TEXT NOT NULL,     -- signal name, or '*' for a collector-wide stream (e.g. source events)
  from_ts    INTEGER NOT NULL,
  until_ts   INTEGER NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('ok', 'no-data')),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (collector, entity, signal, from_ts),
  CHECK (until_ts > from_ts)
) WITHOUT ROWID;

-- Every job run: collection, detection, reports...
CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  job         TEXT NOT NULL,    -- e.g. collect:ioda
  collector   TEXT,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  status      TEXT NOT NULL CHECK (status IN ('running', 'ok', 'partial', 'failed', 'interrupted')),
  rows        INTEGER NOT NULL DEFAULT 0,
  windows_ok  INTEGER NOT NULL DEFAULT 0,
  windows_failed INTEGER NOT NULL DEFAULT 0,
  error       TEXT,
  details     TEXT              -- JSON
);
CREATE INDEX runs_job_time ON runs (job, started_at);
CREATE INDEX runs_collector_time ON runs (collector, started_at);

-- Raw responses for provenance (gzip).
CREATE TABLE raw_responses (
  id         INTEGER PRIMARY KEY,
  source     TEXT NOT NULL,
  url        TEXT NOT NULL,
  fetched_at INTEGER NOT NULL,
  sha256     TEXT NOT NULL,
  status     INTEGER,
  body_gzip  BLOB NOT NULL
);
CREATE INDEX raw_responses_sha ON raw_responses (sha256);
