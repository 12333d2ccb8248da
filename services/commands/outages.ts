import type { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { lossText, outageToJson } from '../detector/json.js';
import { OUTAGE_KINDS, type Outage, type OutageKind } from '../../core/outage.js';
import { UsageError } from '../../core/app-errors.js';
import { groupByParent, subnationalSummary } from '../detector/group.js';
import { isoUtc } from '../../core/time.js';
import { entityFlag } from './detect.js';

const KINDS: readonly OutageKind[] = OUTAGE_KINDS;

interface OutagesFlags {
  entity?: string;
  country?: string;
  from?: string;
  until?: string;
  kind?: string;
  json?: boolean;
}

/** `outagewatch outages [--entity] [--country] [--from --until] [--kind] [--json]`: the stored detections. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('outages')
    .description('list detected outages (overlapping --from/--until), oldest first')
    .option('--entity <type:code>', 'only this entity, e.g. country:KZ')
    .option('--country <CC>', 'every entity of this country (the country, its regions and networks)')
    .option('--from <time>', 'start: a date (00:00 UTC), an ISO instant or Unix seconds')
    .option('--until <time>', 'end, exclusive (a date means the end of that UTC day)')
    .option('--kind <kind>', `one of ${KINDS.join(', ')}`)
    .option('--json', 'print one JSON array (the /api/outages shape)')
    .action(async (flags: OutagesFlags) => {
      const entity = entityFlag(flags.entity);
      const from = ctx.time('--from', flags.from, 'start');
      const until = ctx.time('--until', flags.until, 'end');
      if (from !== undefined && until !== undefined && !(until > from)) throw new UsageError('--until must be after --from');
      if (flags.kind !== undefined && !KINDS.includes(flags.kind as OutageKind))
        throw new UsageError(`--kind: must be one of ${KINDS.join(', ')}`);
      const country = ctx.country('--country', flags.country);
      // either backend (issue 23): the stored detections through the outage repository
      const repos = await ctx.readRepositories();
      const list = await repos.outages.listOutages({ entity, country, from, until, kind: flags.kind as OutageKind | undefined });
      if (flags.json) {
        ctx.json(list.map(outageToJson));
        return;
      }
      const cols = ['id', 'entity', 'kind', 'severity', 'start', 'end', 'loss', 'signals', 'targets'];
      const row = (o: Outage) => ({
        id: o.id,
        entity: o.synthetic ? `${o.entity} SYNTHETIC` : o.entity,
        kind: o.kind,
        severity: o.severity,
        start: isoUtc(o.start),
        end: o.open ? `${isoUtc(o.end)} (open)` : isoUtc(o.end),
        loss: lossText(o),
        signals: [...new Set(o.signals.map((s) => s.signal))].join(' '),
        targets: o.targets.join(' '),
      });
      const groups = groupByParent(list);
      if (groups.length === 0) {
        ctx.table([], cols);
        return;
      }
      groups.forEach((g, i) => {
        if (g.parent) ctx.out(`${i > 0 ? '\n' : ''}${g.parent}: ${subnationalSummary(g.rows)}`);
        ctx.table(g.rows.map(row), cols);
      });
      const synthetic = list.filter((o) => o.synthetic).length;
      if (synthetic > 0) ctx.out(`${synthetic} of ${list.length} outage(s) rest on SYNTHETIC data (demo or test series), not measurements`);
    });
}
