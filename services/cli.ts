#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliContext } from './cli/context.js';
import { COMMANDS } from './commands/index.js';
import { ConfigError } from '../core/config.js';
import { UsageError } from '../core/app-errors.js';
import { LockHeldError } from './lock.js';
import { packageVersion } from '../core/package-root.js';

/** Builds the `outagewatch` program. Exit codes: 0 ok, 1 failure, 2 bad usage. */
export function buildProgram(io?: CliContext['io']): { program: Command; ctx: CliContext } {
  const program = new Command('outagewatch');
  const ctx = new CliContext(program, io);
  program
    .description('Internet outages and service blocking from open measurement data, lined up against protest dates')
    .version(packageVersion(), '-V, --version')
    .option('--db <file|url>', 'SQLite database file or postgres:// URL (OUTAGEWATCH_DB, default ./data/outagewatch.db)')
    .option('--config <file>', 'configuration file (default ./outagewatch.config.json when present)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (LOG_LEVEL)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => (io?.stdout ?? process.stdout).write(s),
      writeErr: (s) => (io?.stderr ?? process.stderr).write(s),
    });
  // the command's full name (`db migrate`), for messages such as "does not work on PostgreSQL yet"; and every
  // section of the configuration is validated before any command does its work: a typo stops it (exit 2)
  program.hook('preAction', (_top, action) => {
    const names: string[] = [];
    for (let c: Command | null = action; c && c !== program; c = c.parent) names.unshift(c.name());
    ctx.command = names.join(' ');
    ctx.config();
  });
  for (const c of COMMANDS) c.register(program, ctx);
  for (const cmd of program.commands) cmd.exitOverride();
  return { program, ctx };
}

export async function main(argv: string[], io?: CliContext['io']): Promise<number> {
  const { program, ctx } = buildProgram(io);
  const err = io?.stderr ?? process.stderr;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (e instanceof ConfigError || e instanceof UsageError) {
      err.write(`outagewatch: ${e.message}\n`);
      return 2;
    }
    if (e instanceof LockHeldError) {
      err.write(`outagewatch: ${e.message}\n`);
      return 1;
    }
    // a database error names the file (read-only, not a database, damaged, full disk)
    const named = ctx.describeDbError(e);
    err.write(`outagewatch: ${named ?? (e as Error).message ?? String(e)}\n`);
    return 1;
  } finally {
    await ctx.close();
  }
}

function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // `outagewatch outages | head`: a closed pipe ends the output quietly, not with an EPIPE crash
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
