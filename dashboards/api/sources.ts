import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import type { CheckpointRow, RunRow } from '../../db/store.js';
import { isoUtc } from '../../core/time.js';
import { collectorHealth, type CollectorHealth } from '../health.js';
import type { CsvColumn } from '../../services/util/csv-write.js';
import type { CoverageRow } from '../../db/listings.js';
import { listingPage, sendListingAsync, setListingHeaders, wantsCsv } from '../csv.js';
import { routes } from './routes.js';
import { handle } from './schema.js';

import { notFound } from '../../core/app-errors.js';

export interface RunJson {
  id: number;
  job: string;
  collector: string | null;
  startedAt: string;
  finishedAt: string | null;
  status: RunRow['status'];
  rows: number;
  windowsOk: number;
  windowsFailed: number;
  error: string | null;
}

export interface CheckpointJson {
  collector: string;
  entity: string;
  signal: string;
  from: string;
  until: string;
  status: CheckpointRow['status'];
  updatedAt: string;
}

/** Per (collector, entity, signal): the span covered and the holes in it. */
export interface CoverageJson {
  collector: string;
  entity: string;
  signal: string;
  first: string;
  until: string;
  okSeconds: number;
  noDataSeconds: number;
  /** Holes between `first` and `until` not covered by any checkpoint. */
  gaps: Array<{ from: string; until: string }>;
  updatedAt: string;
}

export interface SourcesJson {
  collectors: Array<CollectorHealth & { signals: string[] | null }>;
  runs: RunJson[];
  checkpoints: CheckpointJson[];
  coverage: CoverageJson[];
}

export const runJson = (r: RunRow): RunJson => ({
  id: r.id,
  job: r.job,
  collector: r.collector,
  startedAt: isoUtc(r.startedAt),
  finishedAt: r.finishedAt === null ? null : isoUtc(r.finishedAt),
  status: r.status,
  rows: r.rows,
  windowsOk: r.windowsOk,
  windowsFailed: r.windowsFailed,
  error: r.error,
});

/** Coverage rows (aggregated in SQL) with their gaps, from the checkpoints of just those rows. */
export async function coverageWithGaps(deps: Pick<AppDeps, 'listings'>, rows: readonly CoverageRow[]): Promise<CoverageJson[]> {
  const cps = await deps.listings.checkpointsOf(rows);
  const byKey = new Map<string, CheckpointRow[]>();
  for (const c of cps) {
    const k = `${c.collector}\u0000${c.entity}\u0000${c.signal}`;
    const list = byKey.get(k);
    if (list) list.push(c);
    else byKey.set(k, [c]);
  }
  return rows.map((r) => {
    const g = byKey.get(`${r.collector}\u0000${r.entity}\u0000${r.signal}`) ?? [];
    const gaps: CoverageJson['gaps'] = [];
    let end = g[0]?.until ?? r.first;
    for (const c of g.slice(1)) {
      if (c.from > end) gaps.push({ from: isoUtc(end), until: isoUtc(c.from) });
      end = Math.max(end, c.until);
    }
    return {
      collector: r.collector,
      entity: r.entity,
      signal: r.signal,
      first: isoUtc(r.first),
      until: isoUtc(r.until),
      okSeconds: r.okSeconds,
      noDataSeconds: r.noDataSeconds,
      gaps,
      updatedAt: isoUtc(r.updatedAt),
    };
  });
}

const checkpointJson = (c: CheckpointRow): CheckpointJson => ({
  collector: c.collector,
  entity: c.entity,
  signal: c.signal,
  from: isoUtc(c.from),
  until: isoUtc(c.until),
  status: c.status,
  updatedAt: isoUtc(c.updatedAt),
});

const COVERAGE_COLUMNS: ReadonlyArray<CsvColumn<CoverageJson>> = [
  { header: 'collector', value: (c) => c.collector },
  { header: 'entity', value: (c) => c.entity },
  { header: 'signal', value: (c) => c.signal },
  { header: 'first', value: (c) => c.first },
  { header: 'until', value: (c) => c.until },
  { header: 'ok_seconds', value: (c) => c.okSeconds },
  { header: 'no_data_seconds', value: (c) => c.noDataSeconds },
  { header: 'gaps', value: (c) => c.gaps.length },
  { header: 'updated_at', value: (c) => c.updatedAt },
];

export function sourcesRouter(deps: AppDeps): Router {
  const router = Router();

  router.get(
    '/sources',
    handle(routes.sources, async ({ query: { collector, entity, runs: limit } }, req, res) => {
      const f = { collector, entity };
      // coverage counted and paged in SQL (collector, entity, signal); the checkpoints are those of the page's rows
      const coverageSource = {
        total: () => deps.listings.countCoverage(f),
        rows: async (offset: number, n: number) =>
          coverageWithGaps(deps, await deps.listings.pageCoverage(f, { key: 'collector', dir: 'asc' }, offset, n)),
      };
      if (wantsCsv(req)) {
        await sendListingAsync(req, res, coverageSource, COVERAGE_COLUMNS, 'coverage');
        return;
      }
      const total = await coverageSource.total();
      const page = listingPage(req, total, false);
      const end = Math.min(total, page.offset + page.limit);
      const covRows =
        end > page.offset ? await deps.listings.pageCoverage(f, { key: 'collector', dir: 'asc' }, page.offset, end - page.offset) : [];
      const [cov, cps, health, runs] = await Promise.all([
        coverageWithGaps(deps, covRows),
        deps.listings.checkpointsOf(covRows),
        collectorHealth(deps),
        limit === 0 ? Promise.resolve([]) : deps.listings.pageRuns({ collector: f.collector }, { key: 'id', dir: 'desc' }, 0, limit),
      ]);
      const collectors = health
        .filter((c) => !f.collector || c.name === f.collector)
        .map((c) => {
          const impl = deps.collectors.find((x) => x.name === c.name);
          let signals: string[] | null = null;
          if (impl && f.entity) {
            try {
              signals = impl.signals(f.entity);
            } catch {
              signals = null;
            }
          }
          return { ...c, signals };
        });
      const doc: SourcesJson = { collectors, runs: runs.map(runJson), checkpoints: cps.map(checkpointJson), coverage: cov };
      setListingHeaders(req, res, total, page.limit, end);
      res.json(doc);
    }),
  );

  router.get(
    '/sources/runs',
    handle(routes.listRuns, async ({ query: { collector } }, req, res) => {
      // newest first, counted and paged in SQL
      await sendListingAsync(
        req,
        res,
        {
          total: () => deps.listings.countRuns({ collector }),
          rows: async (offset, n) => (await deps.listings.pageRuns({ collector }, { key: 'id', dir: 'desc' }, offset, n)).map(runJson),
        },
        [
          { header: 'id', value: (r) => r.id },
          { header: 'job', value: (r) => r.job },
          { header: 'collector', value: (r) => r.collector },
          { header: 'started_at', value: (r) => r.startedAt },
          { header: 'finished_at', value: (r) => r.finishedAt },
          { header: 'status', value: (r) => r.status },
          { header: 'rows', value: (r) => r.rows },
          { header: 'windows_ok', value: (r) => r.windowsOk },
          { header: 'windows_failed', value: (r) => r.windowsFailed },
          { header: 'error', value: (r) => r.error },
        ],
        'runs',
      );
    }),
  );

  router.get(
    '/sources/runs/:id',
    handle(routes.getRun, async ({ params: { id } }, _req, res) => {
      const run = await deps.points.getRun(id);
      if (!run) throw notFound(`run ${id}`);
      res.json(runJson(run));
    }),
  );

  router.get(
    '/sources/checkpoints',
    handle(routes.listCheckpoints, async ({ query: { collector, entity } }, req, res) => {
      // counted and paged in SQL (collector, entity, signal, start)
      await sendListingAsync(
        req,
        res,
        {
          total: () => deps.listings.countCheckpoints({ collector, entity }),
          rows: async (offset, n) => (await deps.listings.pageCheckpoints({ collector, entity }, offset, n)).map(checkpointJson),
        },
        [
          { header: 'collector', value: (c) => c.collector },
          { header: 'entity', value: (c) => c.entity },
          { header: 'signal', value: (c) => c.signal },
          { header: 'from', value: (c) => c.from },
          { header: 'until', value: (c) => c.until },
          { header: 'status', value: (c) => c.status },
          { header: 'updated_at', value: (c) => c.updatedAt },
        ],
        'checkpoints',
      );
    }),
  );

  return router;
}
