import type { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { correlatorConfig, referenceConfig } from '../correlator/config.js';
import { AppError, UsageError } from '../../core/app-errors.js';
import { evaluateReference, type EvaluationJson } from '../reference/assemble.js';
import type { Evaluation, Scores } from '../reference/evaluate.js';

interface Flags {
  reference: string;
  country?: string;
  from?: string;
  until?: string;
  kind?: string;
  scope?: string;
  by?: string;
  against?: string;
  json?: boolean;
}

const BREAKDOWNS = ['scope', 'kind', 'year', 'country'] as const;
type By = (typeof BREAKDOWNS)[number];
const SCOPES = ['national', 'regional', 'local', 'asn', 'unknown'];

function rowsOf(e: Evaluation, by: By): Array<{ key: string } & Scores> {
  if (by === 'scope') return e.byScope.map((r) => ({ ...r, key: r.scope }));
  if (by === 'kind') return e.byKind.map((r) => ({ ...r, key: r.kind === 'throttling' ? 'throttling/degradation' : r.kind }));
  if (by === 'year') return e.byYear.map((r) => ({ ...r, key: String(r.year) }));
  return e.byCountry.map((r) => ({ ...r, key: r.country }));
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x * 1000) / 10}%`);

function printEval(ctx: CliContext, title: string, e: Evaluation, by: readonly By[]): void {
  const o = e.overall;
  ctx.out(
    `${title}: precision ${pct(o.precision)} (${o.matchedDetections}/${o.detections}), recall ${pct(o.recall)} (${o.matchedReferences}/${o.references})`,
  );
  // without --by: the per-country table, as before, when there is more than one country
  const list: By[] = by.length ? [...by] : e.byCountry.filter((c) => c.references + c.detections > 0).length > 1 ? ['country'] : [];
  for (const b of list) {
    const rows = rowsOf(e, b).filter((c) => c.references + c.detections > 0);
    if (b === 'kind') ctx.out('  by kind (matching within each family; throttling and degradation are one family):');
    else if (by.length) ctx.out(`  by ${b}:`);
    ctx.table(
      rows.map((c) => ({
        [b]: c.key,
        references: c.references,
        matched: c.matchedReferences,
        recall: pct(c.recall),
        detections: c.detections,
        correct: c.matchedDetections,
        precision: pct(c.precision),
      })),
    );
  }
}

/** `outagewatch evaluate --reference NAME [--country CC] [--from --until] [--kind K] [--against LIST] [--json]` */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('evaluate')
    .description('precision and recall of detected outages and source events against a reference list (SIGCOMM 2023 matching rule)')
    .requiredOption('--reference <name>', 'an imported reference list (see `reference list`)')
    .option('--country <CC>', 'only this country')
    .option('--from <time>', 'reference outages and detections starting at or after this time')
    .option('--until <time>', 'and before this time')
    .option('--kind <kind>', 'only reference outages of this kind (connectivity includes "both")')
    .option('--scope <scopes>', `only reference outages of these scopes, comma-separated (${SCOPES.join(', ')})`)
    .option(
      '--by <breakdowns>',
      `tables by ${BREAKDOWNS.join(', ')} (comma-separated); JSON always holds byScope, byKind, byYear, byCountry`,
    )
    .option('--against <list>', 'also score another reference list as if it were detections, e.g. ioda-investigated')
    .option('--json', 'print one JSON document')
    .action(async (flags: Flags) => {
      const from = ctx.time('--from', flags.from, 'start');
      const until = ctx.time('--until', flags.until, 'end');
      if (from !== undefined && until !== undefined && !(until > from)) throw new UsageError('--until must be after --from');
      if (flags.country !== undefined && !/^[A-Za-z]{2}$/.test(flags.country))
        throw new UsageError('--country: a two-letter ISO 3166-1 code');
      if (flags.kind !== undefined && !['connectivity', 'service-blocking', 'throttling', 'both'].includes(flags.kind))
        throw new UsageError('--kind: connectivity, service-blocking, throttling or both');
      const by = (flags.by ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      const badBy = by.filter((x) => !(BREAKDOWNS as readonly string[]).includes(x));
      if (badBy.length) throw new UsageError(`--by: ${badBy.join(', ')} is not one of ${BREAKDOWNS.join(', ')}`);
      const scope =
        flags.scope === undefined
          ? undefined
          : flags.scope
              .split(',')
              .map((x) => x.trim().toLowerCase())
              .filter(Boolean);
      const badScope = (scope ?? []).filter((x) => !SCOPES.includes(x));
      if (scope !== undefined && (scope.length === 0 || badScope.length))
        throw new UsageError(`--scope: ${badScope.join(', ') || 'empty'} is not one of ${SCOPES.join(', ')}`);
      const cfg = correlatorConfig(ctx.config());
      const ref = referenceConfig(ctx.config());
      const repos = await ctx.repositories();
      let r: EvaluationJson;
      try {
        r = await evaluateReference(repos, {
          reference: flags.reference,
          country: flags.country,
          from,
          until,
          kind: flags.kind,
          scope,
          against: flags.against,
          openEndedSeconds: ref.openEndedDefault,
          lead: cfg.lead,
          lag: cfg.lag,
        });
      } catch (err) {
        if (err instanceof AppError && err.code === 'NOT_FOUND')
          throw new UsageError(`${err.message} (see \`outagewatch reference list\`)`);
        throw err;
      }
      if (flags.json) {
        ctx.json(r);
        return;
      }
      ctx.out(
        `reference "${r.reference}"${r.country ? ` ${r.country}` : ''}${r.kind ? `, kind ${r.kind}` : ''}${r.scope ? `, scope ${r.scope.join(', ')}` : ''}; rule: ${r.rule}`,
      );
      const bys = by as By[];
      printEval(ctx, 'detected outages', r.detected, bys);
      printEval(ctx, 'source events', r.sourceEvents, bys);
      if (r.against) printEval(ctx, `list "${r.against.list}"`, r.against, bys);
      ctx.out('');
      ctx.out(`calendar events the list marks as disrupted: ${r.disruptedEvents.length}`);
      if (r.disruptedEvents.length)
        ctx.table(
          r.disruptedEvents.map((e) => ({
            id: e.id,
            country: e.country,
            start: e.start,
            references: e.references.map((x) => `${x.start.slice(0, 10)} ${x.kind ?? ''}`).join('; '),
          })),
        );
    });
}
