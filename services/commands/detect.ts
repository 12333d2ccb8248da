import type { Command } from 'commander';
import { EntityRefError, formatEntity, parseEntity } from '../../db/entities.js';
import { deliverConfigured } from '../alerts/webhooks.js';
import type { CliContext } from '../cli/context.js';
import { detectorConfigFrom, MAX_JUDGE_THREADS } from '../detector/config.js';
import { lossText, outageToJson } from '../detector/json.js';
import { detectAndStore } from '../detector/run.js';
import type { Outage } from '../../core/outage.js';
import { UsageError } from '../../core/app-errors.js';
import { groupByParent, subnationalSummary } from '../detector/group.js';
import { isoUtc } from '../../core/time.js';
import { packageVersion } from '../../core/package-root.js';

interface DetectFlags {
  entity?: string;
  from?: string;
  until?: string;
  json?: boolean;
  threads?: string;
}

export function entityFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return formatEntity(parseEntity(value));
  } catch (err) {
    if (err instanceof EntityRefError) throw new UsageError(`--entity: ${err.message}`);
    throw err;
  }
}

/** `outagewatch detect [--entity] [--from --until] [--json]`: idempotent (re-running replaces that range's detections). */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('detect')
    .description('detect outages and service blocking in the stored signals (re-running replaces the detections of the range)')
    .option('--entity <type:code>', 'only this entity, e.g. country:KZ (default: every entity with signals)')
    .option('--from <time>', 'start: a date (00:00 UTC), an ISO instant or Unix seconds (default: all data)')
    .option('--until <time>', 'end, exclusive (a date means the end of that UTC day)')
    .option('--json', 'print { entities, outages, comparison, changes } as one JSON document')
    .option('--threads <n>', 'worker threads judging large signals, 0 for none (default: detector.threads, else one per core, at most 4)')
    .action(async (flags: DetectFlags) => {
      const entity = entityFlag(flags.entity);
      const from = ctx.time('--from', flags.from, 'start');
      const until = ctx.time('--until', flags.until, 'end');
      if (from !== undefined && until !== undefined && !(until > from)) throw new UsageError('--until must be after --from');
      const threads = ctx.wholeNumber('--threads', flags.threads, 0, MAX_JUDGE_THREADS);
      const config = ctx.config();
      const log = ctx.log();
      const db = await ctx.repositories();
      const r = await detectAndStore(db, { entity, from, until, config, log, threads });
      await deliverConfigured(db.alerts, detectorConfigFrom(config).alerts, log, packageVersion());
      const count = (s: string) => r.comparison.filter((c) => c.status === s).length;
      if (flags.json) {
        ctx.json({
          entities: r.entities,
          outages: r.outages.map(outageToJson),
          comparison: r.comparison.map((c) => ({
            entity: c.entity,
            status: c.status,
            outage: c.outage && { start: isoUtc(c.outage.start), end: isoUtc(c.outage.end), kind: c.outage.kind },
            sourceEvent: c.sourceEvent && {
              ...c.sourceEvent,
              start: isoUtc(c.sourceEvent.start),
              end: c.sourceEvent.end === null ? null : isoUtc(c.sourceEvent.end),
            },
          })),
          changes: r.changes.filter((c) => c.announced).map((c) => c.payload),
          history: r.history.map((h) => ({
            ...h,
            insufficient: h.insufficient.map((x) => ({ start: isoUtc(x.start), end: isoUtc(x.end) })),
          })),
        });
        return;
      }
      const cols = ['entity', 'kind', 'severity', 'start', 'end', 'loss', 'signals', 'targets'];
      const row = (o: Outage) => ({
        entity: o.synthetic ? `${o.entity} SYNTHETIC` : o.entity,
        kind: o.kind,
        severity: o.severity,
        start: isoUtc(o.start),
        end: o.open ? `${isoUtc(o.end)} (open)` : isoUtc(o.end),
        loss: lossText(o),
        signals: [...new Set(o.signals.map((s) => s.signal))].join(' '),
        targets: o.targets.join(' '),
      });
      const groups = groupByParent(r.outages);
      if (groups.length === 0) ctx.table([], cols);
      groups.forEach((g, i) => {
        if (g.parent) ctx.out(`${i > 0 ? '\n' : ''}${g.parent}: ${subnationalSummary(g.rows)}`);
        ctx.table(g.rows.map(row), cols);
      });
      if (r.rerun.length)
        ctx.out(
          `the detector rules changed since the last detection of ${r.rerun.join(', ')}: detected again from the start, not only the range asked`,
        );
      ctx.out(
        `${r.entities} entities, ${r.outages.length} outages; against source events: ${count('agree')} agree, ${count('only-source')} only in a source, ${count('only-detected')} only detected`,
      );
    });
}
