-- The process that owns a run (host, pid, process start in Unix ms): a run left `running` is reconciled as
-- `interrupted` only when its owner is gone, never while the process that started it still runs.
ALTER TABLE runs ADD COLUMN owner_host TEXT;
ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
ALTER TABLE runs ADD COLUMN owner_started INTEGER;
CREATE INDEX runs_running ON runs (status) WHERE status = 'running';
