import { Option, type Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { getEvent, removeEvent } from '../../db/calendar.js';
import { applyChanges, planChanges } from '../calendar/apply.js';
import { calendarConfig } from '../calendar/config.js';
import { emitCalendarChange } from '../calendar/events.js';
import { EXPORT_FORMATS, exportEvents, type ExportFormat } from '../calendar/export.js';
import { IMPORT_FORMATS, importCalendarFile, type ImportFormat, type ImportReport } from '../calendar/import.js';
import { MapError, parseMapSpec } from '../calendar/importers/csv.js';
import { eventToJson } from '../calendar/json.js';
import { EVENT_KINDS, type EventKind, type ProtestEvent } from '../../core/calendar.js';
import { seedCalendar } from '../calendar/seed.js';
import { formatRowError, validateEvent } from '../calendar/validate.js';
import { canonicalZone } from '../calendar/zones.js';
import type { CliContext } from '../cli/context.js';
import { unknownEvent, UsageError } from '../../core/app-errors.js';
import { nowSeconds } from '../../core/time.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function kindOption(v: string | undefined): EventKind | undefined {
  if (v === undefined) return undefined;
  const k = v.toLowerCase();
  if (!(EVENT_KINDS as readonly string[]).includes(k))
    throw new UsageError(`--kind: unknown kind "${v}" (expected ${EVENT_KINDS.join(', ')})`);
  return k as EventKind;
}

function tzOption(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const tz = canonicalZone(v);
  if (!tz) throw new UsageError(`--tz: unknown time zone "${v}" (expected an IANA zone such as Asia/Almaty)`);
  return tz;
}

/** `2016-05-21` or `2016-05-20 – 2016-05-22` (local days), or local times for timed events. */
function when(e: ProtestEvent): string {
  const j = eventToJson(e);
  if (e.allDay) return j.localDays.first === j.localDays.last ? j.localDays.first : `${j.localDays.first}..${j.localDays.last}`;
  return `${j.localStart.slice(0, 16).replace('T', ' ')}..${j.localEnd.slice(0, 16).replace('T', ' ')}`;
}

function printTable(ctx: CliContext, events: ProtestEvent[]): void {
  ctx.table(
    events.map((e) => ({ id: e.id, when: when(e), tz: e.tz, country: e.country, kind: e.kind, title: e.title })),
    ['id', 'when', 'tz', 'country', 'kind', 'title'],
  );
}

function printReport(ctx: CliContext, r: ImportReport): void {
  if (r.dryRun) {
    for (const c of r.changes) {
      if (c.action === 'insert' || c.action === 'update')
        ctx.out(`would ${c.action} ${c.event.id}  ${when(c.event)} ${c.event.tz}  ${c.event.title}`);
    }
    if (r.changesOmitted) ctx.out(`… and ${r.changesOmitted} more event(s) not listed`);
  }
  for (const e of r.errors) ctx.out(formatRowError(e));
  if (r.errorsOmitted) ctx.out(`… and ${r.errorsOmitted} more error(s) not listed`);
  const verb = r.dryRun ? 'would import' : 'imported';
  ctx.out(
    `${r.file}: ${r.rows} row(s) read${r.skipped ? `, ${r.skipped} skipped (not protests or riots)` : ''}, ${r.rejected} rejected; ` +
      `${verb} ${r.events} event(s): ${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged${r.dryRun ? ' (dry run: nothing written)' : ''}`,
  );
}

export function register(program: Command, ctx: CliContext): void {
  const cal = program.command('calendar').description('the protest calendar: list, add, import, export, remove, seed');

  cal
    .command('list')
    .description('list events (those overlapping --from/--until), ordered by start')
    .option('--country <CC>', 'ISO 3166-1 alpha-2 country code')
    .option('--from <time>', 'events ending after this (date = 00:00 UTC)')
    .option('--until <time>', 'events starting before this (date = end of that UTC day)')
    .option('--kind <kind>', `one of ${EVENT_KINDS.join(', ')}`)
    .option('--upcoming', 'only events that have not ended yet')
    .option('--json', 'print a JSON array (the /api/events shape)')
    .action(async (opts: { country?: string; from?: string; until?: string; kind?: string; upcoming?: boolean; json?: boolean }) => {
      const from = ctx.time('--from', opts.from, 'start');
      const until = ctx.time('--until', opts.until, 'end');
      const now = nowSeconds();
      const country = ctx.country('--country', opts.country);
      const repos = await ctx.readRepositories();
      const events = await repos.calendar.listEvents({
        country,
        from: opts.upcoming ? Math.max(from ?? now, now) : from,
        until,
        kind: kindOption(opts.kind),
      });
      if (opts.json) ctx.json(events.map(eventToJson));
      else printTable(ctx, events);
    });

  cal
    .command('show')
    .description('one event with its places, sources and notes')
    .argument('<id>', 'event id')
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts: { json?: boolean }) => {
      const e = await (await ctx.readRepositories()).calendar.getEvent(id);
      if (!e) throw unknownEvent('calendar show', id);
      const j = eventToJson(e);
      if (opts.json) return ctx.json(j);
      ctx.out(
        [
          `${j.id}: ${j.title}`,
          `country ${j.country}, kind ${j.kind}${j.tags.length ? `, tags ${j.tags.join(', ')}` : ''}`,
          `${j.allDay ? 'all day' : 'timed'} ${j.localStart} .. ${j.localEnd} (${j.tz}) = ${j.start} .. ${j.end}`,
          `places: ${j.places.map((p) => p.name + (p.lat !== null ? ` (${p.lat}, ${p.lon})` : '')).join('; ') || '-'}`,
          'sources:',
          ...j.sources.map((s) => `  ${s}`),
          ...(j.notes ? ['notes:', `  ${j.notes}`] : []),
          `origin: ${j.origin.type}${j.origin.file ? ` ${j.origin.file}${j.origin.line ? `:${j.origin.line}` : ''}` : ''}`,
        ].join('\n'),
      );
    });

  cal
    .command('add')
    .description('add one event by hand')
    .requiredOption('--title <text>', 'what happened')
    .requiredOption('--country <CC>', 'ISO 3166-1 alpha-2 country code')
    .requiredOption('--start <date|time>', 'local day (all-day event) or local time YYYY-MM-DDTHH:MM, or an instant with offset')
    .option('--end <date|time>', 'last local day (inclusive) or end time; default: same day')
    .option('--tz <zone>', "IANA zone the dates are local to (default: the country's main zone)")
    .option('--kind <kind>', `one of ${EVENT_KINDS.join(', ')}`, 'protest')
    .option('--source <url>', 'source URL (repeatable; at least one)', collect)
    .option('--place <name>', 'place name (repeatable)', collect)
    .option('--notes <text>', 'notes; mark doubtful facts UNVERIFIED')
    .option('--tag <tag>', 'tag (repeatable)', collect)
    .option('--id <slug>', 'explicit id (default: country-date-title slug)')
    .option('--json', 'print the stored event as JSON')
    .action(
      (opts: {
        title: string;
        country: string;
        start: string;
        end?: string;
        tz?: string;
        kind: string;
        source?: string[];
        place?: string[];
        notes?: string;
        tag?: string[];
        id?: string;
        json?: boolean;
      }) => {
        if (!opts.source?.length) throw new UsageError('--source: give at least one source URL');
        const v = validateEvent(
          {
            line: 0,
            raw: {
              id: opts.id,
              title: opts.title,
              country: opts.country,
              places: opts.place ?? [],
              start: opts.start,
              end: opts.end,
              tz: opts.tz,
              kind: opts.kind,
              sources: opts.source,
              notes: opts.notes,
              tags: opts.tag ?? [],
            },
            fieldNames: {
              id: '--id',
              title: '--title',
              country: '--country',
              places: '--place',
              start: '--start',
              end: '--end',
              tz: '--tz',
              kind: '--kind',
              sources: '--source',
              notes: '--notes',
              tags: '--tag',
            },
          },
          { file: null, origin: 'manual' },
        );
        if (!v.ok) throw new UsageError(v.errors.map((e) => `${e.field}: ${e.reason}`).join('; '));
        const store = ctx.store();
        const [change] = planChanges(store.db, [v.event]);
        if (!change) return;
        if (change.action === 'unchanged') {
          ctx.out(`unchanged: ${change.event.id} is already in the calendar`);
        } else if (change.action !== 'insert') {
          ctx.io.stderr.write(
            `outagewatch: an event ${change.existing?.id === v.event.id ? `with id ${v.event.id}` : `with this country, start and title (${change.existing?.id})`} already exists; remove it first or give another --id\n`,
          );
          process.exitCode = 1;
          return;
        } else {
          applyChanges(store.db, [change], nowSeconds());
          emitCalendarChange({ cause: 'add', added: [v.event.id], updated: [], removed: [] });
        }
        const stored = getEvent(store.db, change.event.id)!;
        if (opts.json) ctx.json(eventToJson(stored));
        else if (change.action === 'insert')
          ctx.out(`added ${stored.id}: ${when(stored)} ${stored.tz} (${eventToJson(stored).start} .. ${eventToJson(stored).end})`);
      },
    );

  cal
    .command('import')
    .description('import events from a file; good rows are committed, each bad row is reported as FILE:LINE: field: reason')
    .argument('<file>', 'file to import')
    .addOption(new Option('--format <format>', 'file format').choices([...IMPORT_FORMATS]).makeOptionMandatory())
    .option('--dry-run', 'report what would change and every error, write nothing')
    .option('--map <spec>', 'csv: model field=column pairs, e.g. start=date,country=cc,title=name')
    .option('--no-merge', 'acled: one event per row instead of one per country and day')
    .option('--tz <zone>', 'zone for rows that give none')
    .option('--country <CC>', 'country for rows that give none (ics, csv)')
    .option('--kind <kind>', 'kind for rows that give none')
    .option('--json', 'print the import report as JSON')
    .action(
      async (
        file: string,
        opts: {
          format: ImportFormat;
          dryRun?: boolean;
          map?: string;
          merge: boolean;
          tz?: string;
          country?: string;
          kind?: string;
          json?: boolean;
        },
      ) => {
        if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
        let map: Record<string, string> | undefined;
        try {
          map = parseMapSpec(opts.map);
        } catch (e) {
          if (e instanceof MapError) throw new UsageError(e.message);
          throw e;
        }
        if (opts.map && opts.format !== 'csv') throw new UsageError('--map applies to --format csv only');
        const repos = await ctx.repositories();
        const merge = opts.merge === false ? false : calendarConfig(ctx.config()).acledMerge;
        // A one-shot process that streams a file of any size: V8's memory-saving mode (no heap limit; it collects
        // the per-row garbage sooner instead of letting the heap grow to ~4x the live set). 1,000,000 ACLED rows
        // peak at ~330 MB without it, under 200 MB with it, at about the same speed (bench/calendar-import.bench.ts).
        setFlagsFromString('--optimize-for-size');
        const report = await importCalendarFile(repos.calendar, file, {
          format: opts.format,
          dryRun: opts.dryRun,
          map,
          merge,
          tz: tzOption(opts.tz),
          country: opts.country,
          kind: kindOption(opts.kind),
          log: ctx.log(),
        });
        if (opts.json) {
          ctx.json({
            file: report.file,
            format: report.format,
            dryRun: report.dryRun,
            rows: report.rows,
            skipped: report.skipped,
            rejected: report.rejected,
            events: report.events,
            inserted: report.inserted,
            updated: report.updated,
            unchanged: report.unchanged,
            errors: report.errors.map(formatRowError),
            errorsOmitted: report.errorsOmitted,
            changesOmitted: report.changesOmitted,
            changes: report.changes
              .filter((c) => c.action === 'insert' || c.action === 'update')
              .map((c) => ({ action: c.action, id: c.event.id })),
          });
        } else printReport(ctx, report);
        if (report.errors.length) process.exitCode = 1;
      },
    );

  cal
    .command('export')
    .description('write the calendar as JSON, CSV (formula-safe) or iCalendar')
    .addOption(new Option('--format <format>', 'output format').choices([...EXPORT_FORMATS]).default('json'))
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--country <CC>', 'only this country')
    .option('--from <time>', 'only events ending after this')
    .option('--until <time>', 'only events starting before this')
    .action(async (opts: { format: ExportFormat; out?: string; country?: string; from?: string; until?: string }) => {
      const from = ctx.time('--from', opts.from, 'start');
      const until = ctx.time('--until', opts.until, 'end');
      const country = ctx.country('--country', opts.country);
      const events = await (await ctx.readRepositories()).calendar.listEvents({ country, from, until });
      const text = await exportEvents(events, opts.format, { generatedAt: nowSeconds() });
      if (opts.out) {
        writeFileSync(opts.out, text);
        ctx.io.stderr.write(`wrote ${events.length} event(s) to ${opts.out}\n`);
      } else ctx.io.stdout.write(text);
    });

  cal
    .command('remove')
    .description('remove an event by id')
    .argument('<id>', 'event id')
    .action((id: string) => {
      const store = ctx.existingStore();
      if (!removeEvent(store.db, id)) throw unknownEvent('calendar remove', id);
      emitCalendarChange({ cause: 'remove', added: [], updated: [], removed: [id] });
      ctx.out(`removed ${id}`);
    });

  cal
    .command('seed')
    .description('load the built-in calendar (inserts and updates seed events, never touches your own)')
    .option('--json', 'print the counts as JSON')
    .action((opts: { json?: boolean }) => {
      const r = seedCalendar(ctx.store(), ctx.log());
      if (opts.json) ctx.json(r);
      else
        ctx.out(
          `calendar seed: ${r.total} events: ${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged` +
            (r.keptUser.length ? `; left your own event(s) alone: ${r.keptUser.join(', ')}` : ''),
        );
    });
}
