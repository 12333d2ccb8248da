import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createCollectors } from '../collectors/registry.js';
import { SqliteStore } from '../db/store.js';
import { openRepositories } from '../db/open.js';
import { sqliteRepositories } from '../db/sqlite-repositories.js';
import type { Repositories } from '../db/repositories.js';
import { describeDbLocation, type DbLocation } from '../core/db-location.js';
import { createApp } from '../dashboards/app.js';
import { bindServer, type BoundServer } from '../dashboards/server.js';
import type { Config } from '../core/config.js';
import { acquireLock, lockPathFor } from './lock.js';
import { ownedHere, ownerGone } from './runs.js';
import { Scheduler } from './scheduler/scheduler.js';
import { buildJobs } from './scheduler/jobs.js';
import { autoReportJob } from './report/auto.js';
import { enableCorrelationWorker } from './correlator/cache.js';
import { STARTUP_TASKS } from './startup.js';
import { packageVersion } from '../core/package-root.js';

export interface DaemonOptions {
  config: Config;
  log: Logger;
  dashboard?: boolean;
  /** false: serve the dashboard and API only (no scheduler); on a file this user cannot write, read-only. */
  collect?: boolean;
}

export interface Daemon {
  url: string | null;
  scheduler: Scheduler;
  store: SqliteStore;
  stop(): Promise<void>;
}

/** Starts the scheduler and (unless `dashboard: false`) the dashboard, one daemon per database. */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const { config, log } = opts;
  const dbPath = config.db === ':memory:' ? ':memory:' : resolve(config.db);
  // the port first: when it is taken the daemon stops here, before any folder, database or seed is created
  const server: BoundServer | undefined = opts.dashboard !== false ? await bindServer(config.host, config.port) : undefined;
  let lock: ReturnType<typeof acquireLock> | null = null;
  let store: SqliteStore | undefined;
  let reader: SqliteStore | undefined;
  try {
    const serveOnly = opts.collect === false;
    if (serveOnly && dbPath !== ':memory:' && existsSync(dbPath)) {
      // serving only: a database shared read-only (chmod 444, another user's file, read-only storage) is served as it is
      try {
        lock = acquireLock(dbPath);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM') throw err;
        log.warn({ lock: lockPathFor(dbPath), code }, 'cannot write the lock file beside the database: serving without a lock');
      }
      store = SqliteStore.openForReading(dbPath);
    } else {
      if (dbPath !== ':memory:') mkdirSync(dirname(dbPath), { recursive: true });
      lock = dbPath === ':memory:' ? null : acquireLock(dbPath);
      store = SqliteStore.open(dbPath);
    }
    const readOnly = store.readOnly;
    if (readOnly)
      log.warn(
        { db: dbPath },
        'the database is read-only here: serving pages and the API read-only (no migration, no startup tasks, nothing collected or written)',
      );
    else {
      // only runs whose process is gone: a `collect` running beside the daemon keeps its run
      const interrupted = store.markInterruptedRuns(ownerGone);
      if (interrupted > 0) log.warn({ runs: interrupted }, 'runs left unfinished by the previous process are marked interrupted');
      const db = sqliteRepositories(store);
      for (const task of STARTUP_TASKS) {
        try {
          await task.run({ db, config, log });
        } catch (err) {
          log.error({ task: task.name, err }, 'startup task failed');
        }
      }
    }
    const collectors = createCollectors(config, log);
    for (const c of collectors) if (!c.enabled()) log.warn({ collector: c.name, reason: c.disabledReason() }, 'collector disabled');
    const scheduler = new Scheduler({ store, log });
    if (!serveOnly) {
      for (const job of buildJobs({ config, store, collectors, log })) scheduler.add(job);
      scheduler.add(autoReportJob(sqliteRepositories(store), config, log));
    } else log.info('collection is off (--no-collect): no scheduled collection, detection or reports');
    if (server) {
      reader = dbPath === ':memory:' || readOnly ? store : SqliteStore.open(dbPath, { readonly: true });
      // API-started collections run under the scheduler's stop signal, so stopping aborts and awaits them too
      // cold correlations (a country's whole calendar, B = 9,999) run off the event loop
      enableCorrelationWorker(reader.path !== ':memory:');
      server.attach(
        createApp({
          config,
          store: reader,
          writer: readOnly ? undefined : store,
          collectors,
          log,
          version: packageVersion(),
          jobs: scheduler,
        }),
      );
      log.info({ url: server.url }, 'dashboard listening');
    }
    if (!serveOnly) scheduler.start();
    // collect once right away instead of waiting for the first cron tick, and write the reports of event
    // windows that closed while the daemon was not running (not only at the next hourly tick)
    const kickoff = setTimeout(() => {
      if (serveOnly) return;
      for (const name of scheduler.jobNames()) if (name.startsWith('collect:') || name === 'reports') void scheduler.trigger(name);
    }, 1000);
    kickoff.unref();
    let stopped: Promise<void> | null = null;
    const finalStore = store;
    const finalReader = reader;
    const finalServer = server;
    const finalLock = lock;
    return {
      url: server?.url ?? null,
      scheduler,
      store,
      stop() {
        stopped ??= (async () => {
          log.info('shutting down');
          clearTimeout(kickoff);
          const closing = finalServer?.close();
          const clean = await scheduler.stop(8000);
          if (!clean) log.warn('in-flight jobs did not finish in time; their open windows roll back');
          await closing;
          if (!readOnly) {
            try {
              const left = finalStore.markInterruptedRuns(ownedHere, 'interrupted: the daemon stopped before the run finished');
              if (left > 0) log.warn({ runs: left }, 'runs still in flight at shutdown are marked interrupted');
            } catch (err) {
              log.error({ err }, 'could not mark the runs in flight as interrupted');
            }
          }
          if (finalReader && finalReader !== finalStore) finalReader.close();
          finalStore.close();
          finalLock?.release();
          log.info('stopped');
        })();
        return stopped;
      },
    };
  } catch (err) {
    await server?.close();
    if (reader && reader !== store) reader.close();
    store?.close();
    lock?.release();
    throw err;
  }
}

/** The daemon on PostgreSQL (`start`, `start --no-dashboard`). */
export interface CollectionDaemon {
  /** The dashboard's address, or null with `dashboard: false`. */
  url: string | null;
  scheduler: Scheduler;
  stop(): Promise<void>;
}

/**
 * `start` on PostgreSQL (issue 23): the scheduler's collection jobs, planned from the calendar and the checkpoints
 * in the database, writing through the async store, and (unless `dashboard: false`) the dashboard and API in the
 * same process on the same connection pool — its writes (calendar forms, `/api/events`, `POST /api/collect`) go to
 * the database like every other dashboard's. No lock file: any number of these (and of `outagewatch collect` and
 * `serve`) may run on one database, on one machine or many — collectors split the windows through leases
 * (db/postgres/leases.ts). As on SQLite: the calendar seed at start, detection and alerts after each collection
 * (through the repositories: incremental, one transaction per entity, an advisory lock per entity so two daemons
 * detecting one entity take turns) and the automatic reports.
 */
export async function startPgCollection(opts: {
  config: Config;
  log: Logger;
  location: DbLocation;
  /** false: the scheduler only (`start --no-dashboard`). Default true. */
  dashboard?: boolean;
}): Promise<CollectionDaemon> {
  const { config, log } = opts;
  // the port first: when it is taken the daemon stops here, before the database is touched
  const server: BoundServer | undefined = opts.dashboard !== false ? await bindServer(config.host, config.port) : undefined;
  let repos: Repositories;
  try {
    repos = await openRepositories(opts.location);
  } catch (err) {
    await server?.close();
    throw err;
  }
  try {
    // only runs whose process is gone (on this host: other hosts decide for their own)
    const interrupted = await repos.points.markInterruptedRuns(ownerGone);
    if (interrupted > 0) log.warn({ runs: interrupted }, 'runs left unfinished by a process that is gone are marked interrupted');
    log.info({ db: describeDbLocation(opts.location) }, 'daemon on PostgreSQL: no lock file, collectors share windows by leases');
    for (const task of STARTUP_TASKS) {
      try {
        await task.run({ db: repos, config, log });
      } catch (err) {
        log.error({ task: task.name, err }, 'startup task failed');
      }
    }
    const collectors = createCollectors(config, log);
    for (const c of collectors) if (!c.enabled()) log.warn({ collector: c.name, reason: c.disabledReason() }, 'collector disabled');
    const scheduler = new Scheduler({ log });
    for (const job of buildJobs({ config, repos: { points: repos.points, calendar: repos.calendar }, hooks: repos, collectors, log }))
      scheduler.add(job);
    scheduler.add(autoReportJob(repos, config, log));
    if (server) {
      // API-started collections run under the scheduler's stop signal, so stopping aborts and awaits them too
      server.attach(
        createApp({
          config,
          points: repos.points,
          repos,
          writes: repos,
          collectors,
          log,
          version: packageVersion(),
          jobs: scheduler,
        }),
      );
      log.info({ url: server.url, backend: 'postgres' }, 'dashboard listening');
    }
    scheduler.start();
    const kickoff = setTimeout(() => {
      for (const name of scheduler.jobNames()) if (name.startsWith('collect:') || name === 'reports') void scheduler.trigger(name);
    }, 1000);
    kickoff.unref();
    let stopped: Promise<void> | null = null;
    const finalServer = server;
    return {
      url: server?.url ?? null,
      scheduler,
      stop() {
        stopped ??= (async () => {
          log.info('shutting down');
          clearTimeout(kickoff);
          const closing = finalServer?.close();
          const clean = await scheduler.stop(8000);
          if (!clean) log.warn('in-flight jobs did not finish in time; their open windows roll back');
          await closing;
          try {
            const left = await repos.points.markInterruptedRuns(ownedHere, 'interrupted: the daemon stopped before the run finished');
            if (left > 0) log.warn({ runs: left }, 'runs still in flight at shutdown are marked interrupted');
          } catch (err) {
            log.error({ err }, 'could not mark the runs in flight as interrupted');
          }
          await repos.close();
          log.info('stopped');
        })();
        return stopped;
      },
    };
  } catch (err) {
    await server?.close();
    await repos.close();
    throw err;
  }
}
