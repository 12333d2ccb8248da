import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { createCollectors } from '../../collectors/registry.js';
import { DbWatch } from '../../dashboards/db-watch.js';
import { health } from '../../dashboards/health.js';
import { completeDeps } from '../../dashboards/deps.js';
import type { CliContext } from '../cli/context.js';
import { formatSeconds } from '../cli/progress.js';
import { lockPathFor } from '../lock.js';
import { packageVersion } from '../../core/package-root.js';

function daemonPid(dbPath: string): number | null {
  const lock = lockPathFor(dbPath);
  if (!existsSync(lock)) return null;
  try {
    const { pid } = JSON.parse(readFileSync(lock, 'utf8')) as { pid?: number };
    if (!pid) return null;
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('database, daemon and collector health (the same facts as /api/health)')
    .option('--json', 'print one JSON document')
    .action(async (opts: { json?: boolean }) => {
      const config = ctx.config();
      const collectors = createCollectors(config, ctx.log());
      const base = { config, collectors, log: ctx.log(), version: packageVersion() };
      // SQLite: the file's integrity check and the daemon's lock file; PostgreSQL: the same health through the
      // repositories (collectors there coordinate by leases, not a lock file, so no daemon pid is known)
      const sqlite = ctx.dbLocation().backend === 'sqlite';
      let deps;
      let watch: DbWatch;
      if (sqlite) {
        const store = ctx.existingStore();
        deps = completeDeps({ ...base, store });
        watch = new DbWatch(store);
      } else {
        const repos = await ctx.readRepositories();
        deps = completeDeps({ ...base, points: repos.points, repos });
        watch = new DbWatch(null);
      }
      await watch.refresh();
      const h = await health(deps, watch);
      if (h.status === 'down') process.exitCode = 1;
      const pid = sqlite ? daemonPid(config.db) : null;
      const doc = { ...h, daemon: { running: sqlite ? pid !== null : null, pid } };
      if (opts.json) {
        ctx.json(doc);
        return;
      }
      ctx.out(`status ${h.status}${h.reasons.map((r) => `\n  - ${r}`).join('')}`);
      ctx.out(
        `outagewatch ${h.version}\ndatabase ${h.database.path} (${h.database.engine}, ${(h.database.sizeBytes / 1e6).toFixed(1)} MB, schema ${h.database.schemaVersion})\ndaemon ${pid ? `running (pid ${pid})` : sqlite ? 'not running' : 'not tracked on PostgreSQL (collectors share windows by leases)'}`,
      );
      ctx.table(
        h.collectors.map((c) => ({
          collector: c.name,
          state: c.failingSince ? `failing since ${c.failingSince}` : c.state,
          'last run': c.lastRun?.startedAt ?? 'never',
          'last success': c.lastSuccessAt ?? '',
          'last error': c.lastError?.message ?? c.disabledReason ?? '',
        })),
        ['collector', 'state', 'last run', 'last success', 'last error'],
      );
      if (h.backfill.length) {
        ctx.out('\nbackfill (history kept per collector and entity; covered = windows fetched and days with data in the store)');
        ctx.table(
          h.backfill.map((b) => ({
            collector: b.collector,
            entity: b.entity,
            covered: `${b.percent}%${b.synthetic ? ' SYNTHETIC' : ''}`,
            'days with data': b.daysWithData,
            'history from': b.from,
            'oldest covered': b.oldestCovered ?? '',
            pending: b.pendingWindows,
            next: b.nextWindow ? `${b.nextWindow.reason} ${b.nextWindow.from}` : '',
            every: formatSeconds(b.cadenceSeconds),
            watch: b.watchEvent ?? '',
          })),
          ['collector', 'entity', 'covered', 'days with data', 'history from', 'oldest covered', 'pending', 'next', 'every', 'watch'],
        );
      }
    });
}
