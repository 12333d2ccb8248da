import type { Command } from 'commander';
import { openDb } from '../../db/connection.js';
import { migrate, schemaVersion } from '../../db/migrate.js';
import type { CliContext } from '../cli/context.js';

export function register(program: Command, ctx: CliContext): void {
  const db = program.command('db').description('database maintenance');
  db.command('migrate')
    .description('apply pending schema migrations (also done at every start)')
    .option('--json', 'print the result as JSON')
    .action((opts: { json?: boolean }) => {
      const path = ctx.sqlitePath();
      const handle = openDb(path);
      try {
        const applied = migrate(handle);
        const result = { database: path, applied, schemaVersion: schemaVersion(handle) };
        if (opts.json) ctx.json(result);
        else ctx.out(applied.length ? `applied ${applied.join(', ')}; schema version ${result.schemaVersion}` : `already up to date; schema version ${result.schemaVersion}`);
      } finally {
        handle.close();
      }
    });
}
