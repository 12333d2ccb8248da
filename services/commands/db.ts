import type { Command } from 'commander';
import { describeDbLocation } from '../../core/db-location.js';
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
      else ctx.out(applied.length ? `applied ${applied.join(', ')}; schema version ${schemaVersion}` : `already up to date; schema version ${schemaVersion}`);
    });
}
