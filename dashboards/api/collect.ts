import { Router } from 'express';
import type { AppDeps, BackgroundJobs } from '../deps.js';
import { AppError, badParameter } from '../../core/app-errors.js';
import { isoUtc } from '../../core/time.js';
import { requireAdmin } from '../auth.js';
import { apiOptions } from './options.js';
import { routes } from './routes.js';
import { handle } from './schema.js';
import { runJson } from './sources.js';
import { writable } from '../backend.js';

/** For apps built without a daemon (tests, embedding): runs the work, one per name, with a signal that never aborts. */
function localJobs(): BackgroundJobs {
  const running = new Set<string>();
  const never = new AbortController().signal;
  return {
    accepting: true,
    isRunning: (name) => running.has(name),
    runDetached(name, fn) {
      if (running.has(name)) return null;
      running.add(name);
      return Promise.resolve()
        .then(() => fn(never))
        .finally(() => running.delete(name));
    },
  };
}

/**
 * `POST /api/collect` `{ source, entity, from, until? }`: runs one collector over the range in the
 * background on the writable store and answers 202 with a run record to poll at
 * `/api/sources/runs/{id}`. One API collection per collector at a time (409 otherwise). The work runs under
 * the daemon's stop signal (`deps.jobs`): stopping the daemon aborts it and marks its run `interrupted`.
 */
export function collectRouter(deps: AppDeps): Router {
  const router = Router();
  const jobs = deps.jobs ?? localJobs();
  const maxWindows = apiOptions(deps.config).maxCollectWindows;

  router.post(
    '/collect',
    requireAdmin(deps.config.adminToken),
    handle(routes.collect, async ({ body: b }, req, res) => {
      const collector = deps.collectors.find((c) => c.name === b.source);
      if (!collector)
        throw badParameter('source', `unknown collector "${b.source}" (known: ${deps.collectors.map((c) => c.name).join(', ') || 'none'})`);
      if (!collector.enabled())
        throw badParameter('source', `${collector.name} is disabled: ${collector.disabledReason() ?? 'see its configuration'}`);
      const entity = b.entity;
      if (collector.signals(entity).length === 0) throw badParameter('entity', `${collector.name} collects nothing for ${entity}`);
      const now = deps.now ? deps.now() : Math.floor(Date.now() / 1000);
      const from = b.from;
      const until = b.until ?? now;
      if (until <= from) throw badParameter('until', 'must be after from');
      // a range reaching before the source's first data is clipped to it (nothing to fetch there), not refused
      const first = collector.firstData;
      const clipped = first !== undefined && from < first;
      if (clipped && until <= first)
        throw badParameter('until', `${collector.name} has no data before ${isoUtc(first)}: the range ends before it`);
      const start = clipped ? first : from;
      const windows = collector.windowCount ? collector.windowCount(entity, start, until) : 0;
      if (windows > maxWindows)
        throw badParameter(
          'from',
          `the range needs ${windows} windows from ${collector.name}, more than the limit of ${maxWindows} per request (api.maxCollectWindows): ask for a shorter range or use \`outagewatch collect\``,
        );
      // on PostgreSQL the same database as the pages (several dashboards and collectors split windows by leases);
      // on SQLite the daemon's writable connection
      const store = writable(deps).points;
      const jobName = `api-collect:${collector.name}`;
      if (jobs.isRunning(jobName))
        throw new AppError('CONFLICT', `a collection by ${collector.name} started through the API is still running`);
      if (!jobs.accepting) throw new AppError('UNAVAILABLE', 'the server is shutting down');

      const runId = await store.startRun(jobName, collector.name, { entity, from: isoUtc(start), until: isoUtc(until) });
      // the request's logger (carrying its reqId) when the request logger is mounted
      const log = ((req as { log?: typeof deps.log }).log ?? deps.log).child({ apiRun: runId, collector: collector.name, entity });
      const started = jobs.runDetached(jobName, async (signal) => {
        try {
          const r = await collector.collect({ entity, from: start, until, store, log, abort: signal });
          const status = signal.aborted ? 'interrupted' : r.windowsFailed === 0 ? 'ok' : r.windowsOk > 0 ? 'partial' : 'failed';
          const error = signal.aborted
            ? 'interrupted: the server stopped before the collection finished'
            : r.failures[0]
              ? `${r.windowsFailed} window(s) failed; first: ${r.failures[0].error}`
              : null;
          await store.finishRun(runId, {
            status,
            rows: r.points + r.events,
            windowsOk: r.windowsOk,
            windowsFailed: r.windowsFailed,
            error,
          });
        } catch (err) {
          if (!signal.aborted) log.error({ err }, 'API collection failed');
          await store.finishRun(runId, {
            status: signal.aborted ? 'interrupted' : 'failed',
            error: err instanceof Error ? err.message : String(err),
          });
        }
      });
      if (!started) {
        await store.finishRun(runId, { status: 'interrupted', error: 'not started: the server is shutting down or the collector is busy' });
        throw new AppError(
          'CONFLICT',
          `a collection by ${collector.name} could not start now: the server is shutting down or one is already running`,
        );
      }
      const run = await store.getRun(runId);
      res
        .status(202)
        .location(`/api/sources/runs/${runId}`)
        .json({
          runId,
          source: collector.name,
          entity,
          from: isoUtc(start),
          until: isoUtc(until),
          run: run ? runJson(run) : null,
          ...(clipped
            ? {
                clippedFrom: isoUtc(from),
                note: `${collector.name} has no data before ${isoUtc(start)}: the range was clipped to start there`,
              }
            : {}),
        });
    }),
  );

  return router;
}
