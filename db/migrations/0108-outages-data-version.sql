-- The correlation data version (migration 0060) is moved ONCE per write of outages instead of once per row: the row
-- triggers on `outages` ran an UPDATE of `data_version` for every row inserted or deleted, which was a fifth of the
-- time a ten-year detection took to store its outages (issue 21: ~1,800 rows deleted and ~1,850 inserted, two
-- UPDATEs each). Every write of outages goes through db/outages.ts (`replaceOutages`, `syncOutages`) or the copy
-- into a SQLite target (db/copy.ts), and each moves the version once in the transaction that changed rows
-- (`outagesChanged`); test/db/outages-data-version.test.ts holds every writer to it. The other tables keep their
-- triggers. PostgreSQL moves its version by statement-level triggers (migration 0030) and is unchanged.
DROP TRIGGER IF EXISTS dv_outages_ins;
DROP TRIGGER IF EXISTS dv_outages_upd;
DROP TRIGGER IF EXISTS dv_outages_del;
