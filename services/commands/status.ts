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
      const store = ctx.existingStore();
      const collectors = createCollectors(config, ctx.log());
      const watch = new DbWatch(store);
      await watch.refresh();
      const h = await health(completeDeps({ config, store, collectors, log: ctx.log(), version: packageVersion() }), watch);
      if (h.status === 'down') process.exitCode = 1;
      const pid = daemonPid(config.db);
      const doc = { ...h, daemon: { running: pid !== null, pid } };
      if (opts.json) {
        ctx.json(doc);
        return;
      }
      ctx.out(`status ${h.status}${h.reasons.map((r) => `\n  - ${r}`).join('')}`);
      ctx.out(
        `outagewatch ${h.version}\ndatabase ${h.database.path} (${h.database.engine}, ${(h.database.sizeBytes / 1e6).toFixed(1)} MB, schema ${h.database.schemaVersion})\ndaemon ${pid ? `running (pid ${pid})` : 'not running'}`,
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
