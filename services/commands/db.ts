import type { Command } from 'commander';
import { DbLocationError, describeDbLocation, parseDbLocation } from '../../core/db-location.js';
import { UsageError } from '../../core/app-errors.js';
import { copyDatabase, CopyRefusedError, type CopyProgress } from '../../db/copy.js';
import { migrateDatabase } from '../../db/open.js';
import type { CliContext } from '../cli/context.js';

export function register(program: Command, ctx: CliContext): void {
  const db = program.command('db').description('database maintenance');
  db.command('migrate')
    .description('apply pending schema migrations (also done at every start); a SQLite file or a postgres:// database')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const loc = ctx.dbLocation();
      const { applied, schemaVersion } = await migrateDatabase(loc);
      const result = { database: describeDbLocation(loc), backend: loc.backend, applied, schemaVersion };
      if (opts.json) ctx.json(result);
      else
        ctx.out(
          applied.length
            ? `applied ${applied.join(', ')}; schema version ${schemaVersion}`
            : `already up to date; schema version ${schemaVersion}`,
        );
    });

  db.command('copy')
    .description(
      'copy the whole database (points, rollups, signals, runs, calendar, outages, alerts, reference lists) into an EMPTY one, either backend either way (a SQLite path or a postgres:// URL), verified by row counts and checksums',
    )
    .argument('<source>', 'SQLite file or postgres:// URL to copy from')
    .argument('<target>', 'SQLite file or postgres:// URL to copy into (created / migrated; must hold no data)')
    .option('--batch <rows>', 'rows per batch (one transaction each)', '10000')
    .option(
      '--core-only',
      'copy even when the source has tables this version cannot copy (a newer SQLite file): those are left behind, every other table is copied',
    )
    .option('--json', 'print the result as JSON')
    .action(async (source: string, target: string, opts: { batch: string; coreOnly?: boolean; json?: boolean }) => {
      if (!/^\d+$/.test(opts.batch) || Number(opts.batch) < 1)
        throw new UsageError(`--batch: "${opts.batch}" is not a positive number of rows`);
      let from;
      let to;
      try {
        from = parseDbLocation(source);
        to = parseDbLocation(target);
      } catch (err) {
        if (err instanceof DbLocationError) throw new UsageError(err.message);
        throw err;
      }
      // progress on stderr: each table's start and end, and at most one line a second in between
      let lastLine = 0;
      const progress = (p: CopyProgress) => {
        const t = Date.now();
        if (p.done !== 0 && p.done !== p.total && t - lastLine < 1000) return;
        lastLine = t;
        ctx.io.stderr.write(`copy ${p.table}: ${p.done}/${p.total} rows${p.total ? ` (${Math.floor((100 * p.done) / p.total)}%)` : ''}\n`);
      };
      try {
        const r = await copyDatabase(from, to, { batch: Number(opts.batch), coreOnly: opts.coreOnly, onProgress: progress });
        if (opts.json) ctx.json(r);
        else {
          ctx.out(
            `copied ${r.source} → ${r.target} in ${r.seconds.toFixed(1)} s; verified: row counts equal, daily rollup checksum ${r.rollupChecksum.slice(0, 16)}, calendar/outage/alert/reference/detector-state checksum ${r.recordsChecksum.slice(0, 16)}`,
          );
          ctx.table(
            r.tables.map((x) => ({ table: x.table, rows: x.rows })),
            ['table', 'rows'],
          );
        }
      } catch (err) {
        if (err instanceof CopyRefusedError) throw new UsageError(err.message);
        throw err;
      }
    });
}
