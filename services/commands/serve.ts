import type { Command } from 'commander';
import type { Logger } from 'pino';
import { createCollectors } from '../../collectors/registry.js';
import { openRepositories } from '../../db/open.js';
import type { Repositories } from '../../db/repositories.js';
import type { SqliteStore } from '../../db/store.js';
import { createApp } from '../../dashboards/app.js';
import { bindServer, type BoundServer } from '../../dashboards/server.js';
import { describeDbLocation } from '../../core/db-location.js';
import { UsageError } from '../../core/app-errors.js';
import { packageVersion } from '../../core/package-root.js';
import type { Config } from '../../core/config.js';
import { enableCorrelationWorker } from '../correlator/cache.js';
import type { CliContext } from '../cli/context.js';

/** A running `serve`: its address and how to stop it (tests start it in-process too). */
export interface Serving {
  url: string;
  stop(): Promise<void>;
}

/**
 * `outagewatch serve`: the dashboard and the API only — no collectors run, no scheduler, no lock — on SQLite or
 * PostgreSQL. Any number of these may serve one database (beside one daemon or `collect` processes writing it).
 * On PostgreSQL they also take the dashboard's writes (calendar forms, `POST`/`PUT`/`DELETE /api/events`,
 * `POST /api/collect`). On SQLite the file must exist and is served read-only: its writes answer 503 naming the
 * daemon (`start`, `start --no-collect`), the one process that writes a SQLite database (docs/scale.md).
 * On PostgreSQL the schema is brought up to date under the migration lock first (safe with many processes
 * starting at once).
 */
export async function startServing(opts: {
  config: Config;
  log: Logger;
  /** for SQLite: the read-only connection (the caller opened it and closes it after `stop`) */
  sqlite?: SqliteStore;
}): Promise<Serving> {
  const { config, log } = opts;
  // the port first: when it is taken nothing else is opened
  const server: BoundServer = await bindServer(config.host, config.port);
  let repos: Repositories | undefined;
  try {
    if (!opts.sqlite) repos = await openRepositories(config.db);
    else enableCorrelationWorker(opts.sqlite.path !== ':memory:');
    const collectors = createCollectors(config, log);
    server.attach(
      createApp({
        config,
        ...(opts.sqlite ? { store: opts.sqlite } : {}),
        // PostgreSQL: the dashboard writes (calendar forms, /api/events, POST /api/collect) go to the same database,
        // from any number of these processes; SQLite: `serve` is read-only (the daemon owns the writer)
        ...(repos ? { points: repos.points, repos, writes: repos } : {}),
        collectors,
        log,
        version: packageVersion(),
      }),
    );
    log.info({ url: server.url, backend: repos?.backend ?? 'sqlite' }, 'serving the dashboard and API (no collection)');
  } catch (err) {
    await server.close();
    await repos?.close();
    throw err;
  }
  let stopped: Promise<void> | null = null;
  const finalRepos = repos;
  return {
    url: server.url,
    stop() {
      stopped ??= (async () => {
        await server.close();
        await finalRepos?.close();
      })();
      return stopped;
    },
  };
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description(
      'serve the dashboard and API only (no collection, scheduler or lock), on SQLite or PostgreSQL; run as many as you like against one database',
    )
    .option('--host <host>', 'address (OUTAGEWATCH_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port (OUTAGEWATCH_PORT, default 8080; 0 picks a free one)')
    .action(async (opts: { host?: string; port?: string }) => {
      if (opts.port !== undefined && !/^\d+$/.test(opts.port)) throw new UsageError(`--port: "${opts.port}" is not a port number`);
      const config = ctx.config({ host: opts.host, port: opts.port });
      const log = ctx.log();
      // SQLite: an existing file (named when missing, exit 1), read-only when this user cannot write it
      const sqlite = ctx.dbLocation().backend === 'sqlite' ? ctx.readStore() : undefined;
      const serving = await startServing({ config, log, ...(sqlite ? { sqlite } : {}) });
      ctx.out(
        `outagewatch ${describeDbLocation(ctx.dbLocation())} — dashboard and API at ${serving.url} (serving only, nothing collected)`,
      );
      await new Promise<void>((resolve) => {
        const onSignal = (sig: NodeJS.Signals) => {
          log.info({ signal: sig }, 'signal received');
          const force = setTimeout(() => {
            log.error('shutdown took over 10 s; exiting');
            process.exit(1);
          }, 10_000);
          force.unref();
          void serving.stop().then(() => {
            clearTimeout(force);
            resolve();
          });
        };
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
      });
    });
}
