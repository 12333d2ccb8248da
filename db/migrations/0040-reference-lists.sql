-- Reference outage lists: one row per named list (the outages themselves are in reference_outages, 0001).
CREATE TABLE reference_lists (
  name       TEXT PRIMARY KEY,
  format     TEXT NOT NULL,       -- stop | ioda-investigated | csv (the format of the first import)
  files      TEXT NOT NULL DEFAULT '[]', -- JSON: [{ file, importedAt, imported, rejected, duplicates }]
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX reference_outages_list_time ON reference_outages (list, start);
