import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Repositories } from '../../db/repositories.js';
import type { Config } from '../../core/config.js';
import { parseDbLocation } from '../../core/db-location.js';
import type { JobDefinition } from '../scheduler/scheduler.js';
import { packageVersion } from '../../core/package-root.js';
import { nowSeconds } from '../../core/time.js';
import { correlateOptions } from '../correlator/options.js';
import { gatherReport } from './gather.js';
import { writeReport } from './write.js';

/**
 * The one folder for reports — written by `outagewatch report`, by the daemon, and listed on `/reports`:
 * `reportsDir` (OUTAGEWATCH_REPORTS_DIR) when set, otherwise `reports/` beside the database file (for an in-memory
 * or PostgreSQL database, which has no folder: `reports/` in the working directory).
 */
export function reportsDir(config: Config): string {
  if (config.reportsDir) return resolve(config.reportsDir);
  if (config.db === ':memory:' || parseDbLocation(config.db).backend === 'postgres') return resolve('reports');
  return join(dirname(resolve(config.db)), 'reports');
}

/**
 * Writes a report for every calendar event whose window [start − 1 d, end + 2 d] has closed and has data,
 * once — and again when the data behind it changed (its hash differs, e.g. after a backfill). With `signal`, it stops
 * between two reports once the signal is aborted (the daemon stopping): the others are written at the next run.
 */
export async function writeDueReports(
  repos: Repositories,
  config: Config,
  log: Logger,
  now = nowSeconds(),
  signal?: AbortSignal,
): Promise<string[]> {
  const written: string[] = [];
  const correlate = correlateOptions(config);
  const lag = correlate.lag;
  for (const e of await repos.calendar.listEvents({ until: now - lag })) {
    if (signal?.aborted) break;
    if (e.end + lag > now) continue;
    const data = await gatherReport(repos, { eventId: e.id, correlate }, { version: packageVersion(), now });
    if (data.verdict.label === 'insufficient-data') continue;
    const key = `report:${e.id}`;
    if ((await repos.points.getMeta(key)) === data.reproducibility.dataHash) continue;
    const paths = writeReport(data, ['html', 'md', 'json', 'csv'], reportsDir(config));
    await repos.points.setMeta(key, data.reproducibility.dataHash);
    log.info({ event: e.id, verdict: data.verdict.label, paths: paths.length }, 'report written');
    for (const item of paths) written.push(item);
  }
  return written;
}

/** The daemon's hourly job writing due reports, on either backend (the meta keys `report:ID` hold what was written). */
export function autoReportJob(repos: Repositories, config: Config, log: Logger): JobDefinition {
  return {
    name: 'reports',
    cron: '17 * * * *',
    async run(signal) {
      const paths = await writeDueReports(repos, config, log, nowSeconds(), signal);
      return { rows: paths.length };
    },
  };
}
