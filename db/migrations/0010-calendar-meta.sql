-- Calendar bookkeeping: which version of the built-in seed was last loaded (key 'seed_hash'), so
-- that the daemon reloads the seed only on first start or when the seed itself changed.
CREATE TABLE calendar_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
