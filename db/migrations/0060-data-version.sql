-- A counter of changes to what correlation results are computed from (issue 17): new or changed points (through
-- their daily rollups, one row per signal and day), outages, calendar events, reference outages, source events
-- and checkpoints. Cached correlation results are keyed by it, so that any such change invalidates them.
CREATE TABLE data_version (
  name TEXT PRIMARY KEY,
  v INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO data_version (name, v) VALUES ('correlation', 0);

CREATE TRIGGER dv_points_daily_ins AFTER INSERT ON points_daily BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_points_daily_upd AFTER UPDATE ON points_daily BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_points_daily_del AFTER DELETE ON points_daily BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_outages_ins AFTER INSERT ON outages BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_outages_upd AFTER UPDATE ON outages BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_outages_del AFTER DELETE ON outages BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_events_ins AFTER INSERT ON protest_events BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_events_upd AFTER UPDATE ON protest_events BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_events_del AFTER DELETE ON protest_events BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_reference_ins AFTER INSERT ON reference_outages BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_reference_upd AFTER UPDATE ON reference_outages BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_reference_del AFTER DELETE ON reference_outages BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_source_events_ins AFTER INSERT ON source_events BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_source_events_upd AFTER UPDATE ON source_events BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_source_events_del AFTER DELETE ON source_events BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_checkpoints_ins AFTER INSERT ON checkpoints BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_checkpoints_upd AFTER UPDATE ON checkpoints BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_checkpoints_del AFTER DELETE ON checkpoints BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_reference_lists_ins AFTER INSERT ON reference_lists BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_reference_lists_upd AFTER UPDATE ON reference_lists BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
CREATE TRIGGER dv_reference_lists_del AFTER DELETE ON reference_lists BEGIN UPDATE data_version SET v = v + 1 WHERE name = 'correlation'; END;
