import type { Command } from 'commander';
import { COLLECTOR_MODULES, createCollectors, sourceLines } from '../../collectors/registry.js';
import type { IngestResult } from '../../collectors/types.js';
import type { CliContext } from '../cli/context.js';
import { UsageError } from '../../core/app-errors.js';
import { registerCsvIngest } from '../ingest/csv-command.js';

interface IngestFlags {
  json?: boolean;
  synthetic?: boolean;
}

/** Ingests saved responses of collector `source` through its own parse/validate/write path; used by the CLI and the demo. */
export async function ingestSaved(
  ctx: CliContext,
  source: string,
  files: string[],
  opts: { synthetic?: boolean } = {},
): Promise<IngestResult> {
  const log = ctx.log();
  const c = createCollectors(ctx.config(), log).find((x) => x.name === source);
  if (!c) throw new UsageError(`unknown source "${source}"`);
  if (!c.ingest) throw new UsageError(`the ${source} collector cannot ingest saved responses`);
  const store = (await ctx.repositories()).points;
  const run = await store.startRun(`ingest:${source}`, null, { files: files.length });
  const r = await c.ingest({ files, store, log, synthetic: opts.synthetic });
  await store.finishRun(run, {
    status: r.failures.length === 0 ? 'ok' : r.filesOk > 0 ? 'partial' : 'failed',
    rows: r.points + r.events,
    windowsOk: r.filesOk,
    windowsFailed: r.failures.length,
    error: r.failures[0] ? `${r.failures.length} file(s) rejected; first: ${r.failures[0].error}` : null,
  });
  return r;
}

/**
 * `outagewatch ingest <source> FILE...` (saved API responses, e.g. `ingest ioda`) and `ingest csv FILE`
 * (a series of your own, services/ingest/csv-command.ts).
 */
export function register(program: Command, ctx: CliContext): void {
  const ingest = program
    .command('ingest')
    .description('ingest saved API responses (ingest <source> FILE...) or a CSV series (ingest csv FILE)');
  ingest.addHelpText(
    'after',
    `\nSources that ingest saved responses (collectors/registry.ts):\n${sourceLines({ ingestOnly: true })
      .map((l) => `  ${l}`)
      .join('\n')}\n  csv       a series of your own (ingest csv --help)`,
  );
  for (const m of COLLECTOR_MODULES.filter((x) => x.ingests)) {
    const name = m.name;
    ingest
      .command(name)
      .description(`ingest ${m.ingests ?? ''} (${m.title}) through the same validation as collect`)
      .argument('<files...>', 'saved response files (JSON)')
      .option('--synthetic', 'flag the signals written as synthetic (generated, not measured)')
      .option('--json', 'print the outcome as one JSON document')
      .action(async (files: string[], flags: IngestFlags) => {
        const r = await ingestSaved(ctx, name, files, { synthetic: flags.synthetic });
        if (flags.json) ctx.json(r);
        else {
          for (const f of r.failures) ctx.out(f.error.startsWith(f.file) ? f.error : `${f.file}: ${f.error}`);
          ctx.out(
            `${r.filesOk} of ${r.files} file(s) ingested: ${r.points} points, ${r.events} source events${r.failures.length ? `, ${r.failures.length} rejected` : ''}`,
          );
        }
        if (r.failures.length) process.exitCode = 1;
      });
  }
  registerCsvIngest(ingest, ctx);
}
