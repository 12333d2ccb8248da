import type { Command } from 'commander';
import { startDaemon, startPgCollection } from '../daemon.js';
import { startServing } from './serve.js';
import { describeDbLocation } from '../../core/db-location.js';
import type { CliContext } from '../cli/context.js';
import { UsageError } from '../../core/app-errors.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('run the daemon: scheduled collection, detection and the dashboard')
    .option('--no-dashboard', 'run only the scheduler')
    .option(
      '--no-collect',
      'serve the dashboard and API only: no scheduled collection, detection or reports (a database this user cannot write is served read-only)',
    )
    .option('--host <host>', 'dashboard address (OUTAGEWATCH_HOST, default 127.0.0.1)')
    .option('--port <port>', 'dashboard port (OUTAGEWATCH_PORT, default 8080; 0 picks a free one)')
    .action(async (opts: { dashboard: boolean; collect: boolean; host?: string; port?: string }) => {
      if (opts.port !== undefined && !/^\d+$/.test(opts.port)) throw new UsageError(`--port: "${opts.port}" is not a port number`);
      const config = ctx.config({ host: opts.host, port: opts.port });
      if (!opts.collect && !opts.dashboard) throw new UsageError('--no-collect with --no-dashboard leaves nothing to run');
      const loc = ctx.dbLocation();
      const log = ctx.log();
      // on PostgreSQL: the scheduler (collection, detection, alerts, reports) with the dashboard in the same process,
      // or either alone (--no-collect is `serve`); no lock file — any number of these share one database
      const daemon: { url: string | null; stop(): Promise<void> } =
        loc.backend === 'postgres'
          ? opts.collect
            ? await startPgCollection({ config, log, location: loc, dashboard: opts.dashboard })
            : await startServing({ config, log })
          : await startDaemon({ config, log, dashboard: opts.dashboard, collect: opts.collect });
      // stdout: where to look, for people and scripts
      const where = loc.backend === 'postgres' ? describeDbLocation(loc) : config.db;
      ctx.out(daemon.url ? `outagewatch ${where} — dashboard at ${daemon.url}` : `outagewatch ${where} — scheduler only`);
      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (sig: NodeJS.Signals) => {
          if (stopping) return;
          stopping = true;
          log.info({ signal: sig }, 'signal received');
          const force = setTimeout(() => {
            log.error('shutdown took over 10 s; exiting');
            process.exit(1);
          }, 10_000);
          force.unref();
          void daemon.stop().then(() => {
            clearTimeout(force);
            // work that ignored the stop signal must not keep the process (and its requests) alive
            setTimeout(() => {
              log.error('something still ran after the daemon stopped; exiting');
              process.exit(process.exitCode ?? 0);
            }, 1000).unref();
            resolve();
          });
        };
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
      });
    });
}
