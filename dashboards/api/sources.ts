import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import type { CheckpointRow, RunRow } from '../../db/store.js';
import { isoUtc } from '../../core/time.js';
import { collectorHealth, type CollectorHealth } from '../health.js';
import { toCsv } from '../../services/util/csv-write.js';
import { sendListing, wantsCsv } from '../csv.js';
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

export function coverage(rows: CheckpointRow[]): CoverageJson[] {
  const groups = new Map<string, CheckpointRow[]>();
  for (const r of rows) {
    const k = `${r.collector}\u0000${r.entity}\u0000${r.signal}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.values()].map((g) => {
    g.sort((a, b) => a.from - b.from);
    const gaps: CoverageJson['gaps'] = [];
    let end = g[0]!.until;
    for (const r of g.slice(1)) {
      if (r.from > end) gaps.push({ from: isoUtc(end), until: isoUtc(r.from) });
      end = Math.max(end, r.until);
    }
    const first = g[0]!;
    return {
      collector: first.collector,
      entity: first.entity,
      signal: first.signal,
      first: isoUtc(first.from),
      until: isoUtc(end),
      okSeconds: g.filter((r) => r.status === 'ok').reduce((s, r) => s + (r.until - r.from), 0),
      noDataSeconds: g.filter((r) => r.status === 'no-data').reduce((s, r) => s + (r.until - r.from), 0),
      gaps,
      updatedAt: isoUtc(g.reduce((m, r) => Math.max(m, r.updatedAt), -Infinity)),
    };
  });
}

export function sourcesRouter(deps: AppDeps): Router {
  const router = Router();

  const checkpointRows = (f: { collector?: string; entity?: string }) =>
    deps.store.checkpoints({ collector: f.collector, entity: f.entity });
  const checkpointJson = (c: CheckpointRow): CheckpointJson => ({
    collector: c.collector,
    entity: c.entity,
    signal: c.signal,
    from: isoUtc(c.from),
    until: isoUtc(c.until),
    status: c.status,
    updatedAt: isoUtc(c.updatedAt),
  });

  router.get(
    '/sources',
    handle(routes.sources, ({ query: { collector, entity, runs: limit } }, req, res) => {
      const f = { collector, entity };
      const cps = checkpointRows(f);
      const cov = coverage(cps);
      if (wantsCsv(req)) {
        res.type('text/csv; charset=utf-8').set('Content-Disposition', 'attachment; filename="coverage.csv"');
        res.send(
          toCsv(cov, [
            { header: 'collector', value: (c) => c.collector },
            { header: 'entity', value: (c) => c.entity },
            { header: 'signal', value: (c) => c.signal },
            { header: 'first', value: (c) => c.first },
            { header: 'until', value: (c) => c.until },
            { header: 'ok_seconds', value: (c) => c.okSeconds },
            { header: 'no_data_seconds', value: (c) => c.noDataSeconds },
            { header: 'gaps', value: (c) => c.gaps.length },
            { header: 'updated_at', value: (c) => c.updatedAt },
          ]),
        );
        return;
      }
      const collectors = collectorHealth(deps)
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
      const doc: SourcesJson = {
        collectors,
        runs: limit === 0 ? [] : deps.store.recentRuns({ collector: f.collector, limit }).map(runJson),
        checkpoints: cps.map(checkpointJson),
        coverage: cov,
      };
      res.json(doc);
    }),
  );

  router.get(
    '/sources/runs',
    handle(routes.listRuns, ({ query: { collector, limit } }, req, res) => {
      const rows = deps.store.recentRuns({ collector, limit }).map(runJson);
      sendListing(
        req,
        res,
        rows,
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
    handle(routes.getRun, ({ params: { id } }, _req, res) => {
      const run = deps.store.getRun(id);
      if (!run) throw notFound(`run ${id}`);
      res.json(runJson(run));
    }),
  );

  router.get(
    '/sources/checkpoints',
    handle(routes.listCheckpoints, ({ query: { collector, entity } }, req, res) => {
      const rows = checkpointRows({ collector, entity }).map(checkpointJson);
      sendListing(
        req,
        res,
        rows,
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
