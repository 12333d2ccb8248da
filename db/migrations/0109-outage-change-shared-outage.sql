-- An outage change may share the outage part of its payload with the outage's other change (issue 21: a first
-- detection of ten years records ~3,700 changes whose payloads each held the whole outage JSON, 5.3 MB, most of
-- what storing a detection wrote). When both changes of an outage are recorded together, the second ('ended') row
-- stores only the head of its payload, `{"event":…,"entity":…,"at":…,"text":…}`, and names in `body_of` the row
-- whose payload ends with the same `,"outage":…,"calendarEvent":…}`; readers put the text back together
-- (db/alerts.ts `payloadText`): the same bytes as before, listed and delivered. Changes are never updated or
-- deleted, so the row named stays. NULL: the row holds its whole payload (every row stored before).
ALTER TABLE outage_changes ADD COLUMN body_of INTEGER REFERENCES outage_changes (id);
