import type { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { checkOptions, ingestCsv, type CsvIngestOptions, type CsvIngestResult, type CsvProvenance } from './csv.js';

/** The command's flags: the ingest options as given on the command line (`--axis` etc. checked by checkOptions). */
type CsvFlags = Omit<CsvIngestOptions, 'groupEntityType' | 'provenance' | 'collector'> &
  Omit<CsvProvenance, 'axis'> & { groupEntityType?: string; axis?: string; json?: boolean };

/** One line per rejected row, `FILE:LINE: field: reason`. */
export function formatRejected(r: CsvIngestResult): string[] {
  return r.rejected.map((x) => `${x.file}:${x.line}: ${x.field}: ${x.reason}`);
}

export function summaryLine(r: CsvIngestResult): string {
  const mean = r.entities.length > 1 ? ` (${r.entities[0]!.entity} = mean of ${r.entities.length - 1} groups)` : '';
  const span = r.entities[0] ? `, ${r.entities[0].from} – ${r.entities[0].until}` : '';
  return `${r.file}: ${r.accepted} of ${r.rows} rows ingested, ${r.rejected.length} rejected; ${r.points} points of ${r.signal} for ${r.entities.length} entit${r.entities.length === 1 ? 'y' : 'ies'}${mean}${span}`;
}

/** `outagewatch ingest csv FILE …`: added under the `ingest` command. */
export function registerCsvIngest(ingestCmd: Command, ctx: CliContext): Command {
  return ingestCmd
    .command('csv')
    .description('ingest a time series of your own from a CSV file (e.g. custom.connectivity)')
    .argument('<file>', 'CSV file with a header line')
    .requiredOption('--entity <entity>', 'what the series measures, e.g. country:IR (with groups: the entity that gets their mean)')
    .requiredOption('--signal <name>', 'signal name source.metric, e.g. custom.connectivity')
    .requiredOption('--time-column <col>', 'column holding the time')
    .requiredOption('--value-column <col>', 'column holding the value (empty, NA, NaN = no data)')
    .option(
      '--time-format <fmt>',
      'iso, epoch, or a luxon format such as "dd-LLL-yyyy HH:mm:ss" (default: epoch when digits, ISO otherwise)',
    )
    .option('--tz <zone>', 'IANA zone for times without an offset (default UTC)')
    .option('--epoch-local', 'the Unix-second times count local wall-clock time in --tz, not UTC')
    .option('--group-column <col>', 'each value of this column becomes its own entity; --entity gets their mean')
    .option('--group-entity-type <type>', 'region or county: the entity type of the groups')
    .option(
      '--source-name <name>',
      'who measured the series, shown in coverage, charts and citations (e.g. "Monash IP Observatory"; default: the signal\'s source prefix)',
    )
    .option('--licence <text>', 'licence of the data (e.g. GPL-3.0, CC BY 4.0)')
    .option('--citation <text>', 'how to cite the data, or a URL')
    .option('--unit <unit>', 'unit of the values (e.g. "index 0–100", "requests")')
    .option('--label <text>', 'human label for charts (e.g. "Connectivity index")')
    .option('--axis <axis>', 'connectivity (default) or services: the verdict axis the series informs')
    .option('--target <name>', 'with --axis services: what is measured (e.g. youtube.com)')
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      '\nExamples:\n  outagewatch ingest csv irn.csv --entity country:IR --signal custom.connectivity \\\n    --time-column time_e --value-column connectivity --tz Asia/Tehran --epoch-local \\\n    --group-column name_2 --group-entity-type county \\\n    --source-name "Monash IP Observatory" --licence GPL-3.0 --unit "index 0–100" --label "Connectivity index"\n\nRejected rows are reported as FILE:LINE: field: reason; good rows are kept; exit 1 when any row was rejected.',
    )
    .action(async (file: string, flags: CsvFlags) => {
      const { json: _json, sourceName, licence, citation, unit, label, axis, target, groupEntityType, epochLocal, ...columns } = flags;
      const opts: CsvIngestOptions = {
        ...columns,
        epochLocal: epochLocal === true,
        groupEntityType: groupEntityType as CsvIngestOptions['groupEntityType'],
        provenance: { sourceName, licence, citation, unit, label, axis: axis as CsvProvenance['axis'], target },
      };
      checkOptions(opts);
      // either backend: the points go through PointStore.writeWindow (one transaction per entity)
      const result = await ingestCsv((await ctx.repositories()).points, file, opts);
      const err = ctx.io.stderr;
      for (const line of formatRejected(result)) err.write(`${line}\n`);
      if (flags.json) ctx.json(result);
      else ctx.out(summaryLine(result));
      ctx.log().debug({ file, entities: result.entities.length, points: result.points, rejected: result.rejected.length }, 'csv ingested');
      if (result.rejected.length > 0) process.exitCode = 1;
    });
}
