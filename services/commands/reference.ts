import type { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import { UsageError } from '../../core/app-errors.js';
import { importReference } from '../reference/import.js';
import { referenceListJson } from '../reference/json.js';
import { FORMATS, type ReferenceFormat } from '../reference/parse.js';

/** `outagewatch reference import FILE… --format stop|ioda-investigated|csv [--name NAME]` and `reference list [--json]`. */
export function register(program: Command, ctx: CliContext): void {
  const ref = program.command('reference').description('published outage lists (Access Now STOP, IODA investigated outages, your CSV)');
  ref
    .command('import')
    .description('import reference outages; rejected rows are reported as FILE:LINE: field: reason (exit 1 if any)')
    .argument('<files...>', 'files to import')
    .requiredOption('--format <format>', `one of ${FORMATS.join(', ')}`)
    .option('--name <name>', 'the list to add to (default: the format name)')
    .option('--json', 'print the import summary as one JSON document')
    .action(async (files: string[], flags: { format: string; name?: string; json?: boolean }) => {
      if (!(FORMATS as readonly string[]).includes(flags.format)) throw new UsageError(`--format: must be one of ${FORMATS.join(', ')}`);
      if (flags.name !== undefined && !/^[\w.-]{1,64}$/.test(flags.name))
        throw new UsageError('--name: letters, digits, ".", "_" and "-" only');
      const repos = await ctx.repositories();
      const r = await importReference(repos.reference, files, flags.format as ReferenceFormat, flags.name);
      if (flags.json) ctx.json(r);
      else {
        for (const x of r.rejections) process.stderr.write(`${x.file}:${x.line}: ${x.field}: ${x.reason}\n`);
        for (const f of r.files)
          ctx.out(`${f.file} (${f.layout}): ${f.imported} imported, ${f.repeated} already in the list, ${f.rejected} rejected`);
        ctx.out(`reference list "${r.name}": ${r.imported} imported, ${r.repeated} repeated rows kept once, ${r.rejected} rejected`);
      }
      if (r.rejected > 0) process.exitCode = 1;
    });
  ref
    .command('list')
    .description('the imported reference lists')
    .option('--json', 'print one JSON array')
    .action(async (flags: { json?: boolean }) => {
      const repos = await ctx.repositories();
      const lists = (await repos.reference.listReferenceLists()).map(referenceListJson);
      if (flags.json) ctx.json(lists);
      else
        ctx.table(
          lists.map((l) => ({
            ...l,
            kinds: Object.entries(l.kinds)
              .map(([k, n]) => `${k}:${n}`)
              .join(' '),
            scopes: Object.entries(l.scopes)
              .map(([k, n]) => `${k}:${n}`)
              .join(' '),
            files: l.files.length,
          })),
        );
    });
}
