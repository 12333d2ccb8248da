-- As SQLite migration 0109: an outage change may name in `body_of` the change whose payload holds the outage JSON it
-- shares (its own payload then being only the head `{"event":…,"text":…}`). Readers on both backends put the text
-- back together (db/alerts.ts `payloadText`). The PostgreSQL detection commit writes whole payloads (one multi-row
-- statement: the ids are known only after it); rows copied from SQLite (`db copy`) keep their form.
ALTER TABLE outage_changes ADD COLUMN body_of bigint REFERENCES outage_changes (id);
