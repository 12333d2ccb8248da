-- Provenance of every signal (DESIGN.md "provenance"): who measured it, under which licence, how to cite it,
-- a human label and the verdict axis it informs. `unit` and `target` already exist. NULL = not recorded
-- (signals stored before this version): readers fall back to the known defaults of the source.
ALTER TABLE signals ADD COLUMN source_name TEXT;
ALTER TABLE signals ADD COLUMN licence TEXT;
ALTER TABLE signals ADD COLUMN citation TEXT;
ALTER TABLE signals ADD COLUMN label TEXT;
ALTER TABLE signals ADD COLUMN axis TEXT CHECK (axis IS NULL OR axis IN ('connectivity', 'services'));
