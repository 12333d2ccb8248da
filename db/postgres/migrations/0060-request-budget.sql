-- Politeness across processes (issue 23): one row per source with the time (Unix milliseconds, the database's clock)
-- from which its next request may start. Every collector process on the database claims its request starts here
-- (db/postgres/request-budget.ts), so N processes together keep one source's pace instead of N times it.
-- Bookkeeping, like collect_leases: not copied by `db copy`.
CREATE TABLE request_budget (
  source text PRIMARY KEY,
  next_ms double precision NOT NULL
);
