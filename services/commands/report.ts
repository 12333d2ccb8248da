import type { Command } from 'commander';
import { reportJsonSchema } from '../report/model.js';
import { reportsDir } from '../report/auto.js';
import { gatherReport } from '../report/gather.js';
import { correlateOptions } from '../correlator/options.js';
import { exportPointsCsv } from '../report/export-csv.js';
import { REPORT_FORMATS, reportBaseName, writeReport, type ReportFormat } from '../report/write.js';
import { join, resolve } from 'node:path';
import type { CliContext } from '../cli/context.js';
import { AppError, unknownEvent, UsageError } from '../../core/app-errors.js';
import { packageVersion } from '../../core/package-root.js';
import { nowSeconds, parseDuration } from '../../core/time.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('report')
    .description('write a citable outage report for a calendar event or a country and range')
    .option('--event <id>', 'calendar event id, e.g. kz-2016-05-21-land-protests')
    .option('--country <cc>', 'country (ISO 3166-1 alpha-2), with --from and --until')
    .option('--from <time>', 'start of the range (a date alone = 00:00 UTC)')
    .option('--until <time>', 'end of the range (a date alone = the end of that UTC day)')
    .option('--lead <duration>', 'window opens this long before the event start (default: correlator.lead, 1d)')
    .option('--lag <duration>', 'window closes this long after the event end (default: correlator.lag, 2d)')
    .option('--format <list>', `comma list of ${REPORT_FORMATS.join(',')}`, 'md,html,csv,json')
    .option(
      '--out <dir>',
      'output folder (default: reportsDir / OUTAGEWATCH_REPORTS_DIR, else reports/ beside the database — the folder /reports lists)',
    )
    .option('--full-csv', 'also write every stored point of the range at full resolution (BASE.points.csv, streamed)')
    .option('--json-schema', 'print the JSON Schema of the JSON report and exit')
    .action(
      async (opts: {
        event?: string;
        country?: string;
        from?: string;
        until?: string;
        lead?: string;
        lag?: string;
        format: string;
        out?: string;
        fullCsv?: boolean;
        jsonSchema?: boolean;
      }) => {
        if (opts.jsonSchema) {
          ctx.json(reportJsonSchema());
          return;
        }
        const formats = opts.format
          .split(',')
          .map((f) => f.trim().toLowerCase())
          .filter(Boolean);
        const bad = formats.find((f) => !(REPORT_FORMATS as readonly string[]).includes(f));
        if (bad || formats.length === 0) throw new UsageError(`--format: "${bad ?? ''}" is not one of ${REPORT_FORMATS.join(', ')}`);
        if (!opts.event && !opts.country) throw new UsageError('give --event ID, or --country CC with --from and --until');
        if (opts.event && opts.country) throw new UsageError('give either --event or --country, not both');
        if (opts.country && (!opts.from || !opts.until)) throw new UsageError('--country needs --from and --until');
        const country = ctx.country('--country', opts.country);
        let lead: number | undefined;
        let lag: number | undefined;
        try {
          lead = opts.lead === undefined ? undefined : parseDuration(opts.lead);
          lag = opts.lag === undefined ? undefined : parseDuration(opts.lag);
        } catch (err) {
          throw new UsageError(`--lead/--lag: ${(err as Error).message}`);
        }
        const from = ctx.time('--from', opts.from, 'start');
        const until = ctx.time('--until', opts.until, 'end');
        if (from !== undefined && until !== undefined && until <= from) throw new UsageError('--until must be after --from');
        const repos = await ctx.readRepositories();
        let data;
        try {
          data = await gatherReport(
            repos,
            { eventId: opts.event, country, from, until, correlate: correlateOptions(ctx.config(), { lead, lag }) },
            { version: packageVersion(), now: nowSeconds() },
          );
        } catch (err) {
          if (opts.event && err instanceof AppError && err.code === 'NOT_FOUND') throw unknownEvent('--event', opts.event);
          throw err;
        }
        const out = opts.out ?? reportsDir(ctx.config());
        for (const path of writeReport(data, formats as ReportFormat[], out)) ctx.out(path);
        if (opts.fullCsv) {
          const path = join(resolve(out), `${reportBaseName(data)}.points.csv`);
          await exportPointsCsv(
            repos.points,
            data.scope.entity,
            Math.floor(Date.parse(data.scope.from) / 1000),
            Math.floor(Date.parse(data.scope.until) / 1000),
            path,
          );
          ctx.out(path);
        }
      },
    );
}
