import { createReadStream, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Db } from '../../db/connection.js';
import { nowSeconds } from '../util/time.js';
import { applyChanges, planChanges, type PlannedChange } from './apply.js';
import { emitCalendarChange } from './events.js';
import { countryDayMerger, parseAcled } from './importers/acled.js';
import { parseCsv } from './importers/csv.js';
import { parseIcs } from './importers/ics.js';
import { parseJson } from './importers/json.js';
import type { CandidateSink, Combiner, ImportFormat, ImporterOptions, ParsedInput } from './importers/types.js';
import type { ProtestEvent } from './model.js';
import { validateEvent, type Candidate, type RowError } from './validate.js';

export { IMPORT_FORMATS, type ImportFormat } from './importers/types.js';

export interface ImportOptions extends Omit<ImporterOptions, 'file'> {
  format: ImportFormat;
  /** Name used in messages and kept as origin (default: the path as given). */
  displayName?: string;
  /** Plan only: report what would change and every error, write nothing. */
  dryRun?: boolean;
  now?: number;
  log?: Logger;
}

export interface ImportReport {
  file: string;
  format: ImportFormat;
  dryRun: boolean;
  /** Data rows read (header and blank lines excluded). */
  rows: number;
  /** Rows not meant for the calendar (ACLED event types other than Protests/Riots). */
  skipped: number;
  /** Rows with at least one error (none of them imported). */
  rejected: number;
  /** Events after validation (and ACLED merging). */
  events: number;
  inserted: number;
  updated: number;
  unchanged: number;
  errors: RowError[];
  changes: PlannedChange[];
}

/** Reads a file in the given format: streamed for CSV/ACLED, whole for JSON/iCalendar. */
export async function parseCalendarFile(path: string, format: ImportFormat, opts: ImporterOptions, sink?: CandidateSink): Promise<ParsedInput> {
  switch (format) {
    case 'acled':
      return parseAcled(createReadStream(path), opts, sink);
    case 'csv':
      return parseCsv(createReadStream(path), opts, sink);
    case 'json':
      return parseJson(readFileSync(path, 'utf8'), opts);
    case 'ics':
      return parseIcs(readFileSync(path, 'utf8'), opts);
  }
}

/** Runs candidates through the shared validation step as they are read. */
class Validator {
  readonly events: ProtestEvent[] = [];
  readonly errors: RowError[] = [];
  constructor(
    private readonly opts: ImportOptions & { file: string },
    /** Folds events as they are validated (ACLED merge), instead of keeping each one. */
    readonly combiner?: Combiner,
  ) {}
  add = (c: Candidate): void => {
    const v = validateEvent(c, { file: this.opts.file, origin: 'import', defaultTz: this.opts.tz, defaultKind: this.opts.kind });
    if (!v.ok) for (const item of v.errors) this.errors.push(item);
    else if (this.combiner) this.combiner.add(v.event);
    else this.events.push(v.event);
  };
}

/**
 * Imports a calendar file: read → the shared validation step → (ACLED merge) → duplicates inside
 * the file → plan against the stored calendar → ONE transaction for all good rows. Importing the
 * same file again changes nothing (ids are stable; an event with the same country, start and title
 * is the same event).
 */
export async function importCalendarFile(db: Db, path: string, opts: ImportOptions): Promise<ImportReport> {
  const file = opts.displayName ?? path;
  const o = { ...opts, file };
  const validator = new Validator(o, opts.format === 'acled' && (opts.merge ?? true) ? countryDayMerger() : undefined);
  const parsed = await parseCalendarFile(path, opts.format, o, validator.add);
  return importParsed(db, parsed, o, validator);
}

export function importParsed(db: Db, parsed: ParsedInput, opts: ImportOptions & { file: string }, validated = new Validator(opts)): ImportReport {
  const file = opts.file;
  for (const c of parsed.candidates) validated.add(c);
  const errors: RowError[] = [...parsed.errors, ...validated.errors];
  let events = validated.combiner ? validated.combiner.finish() : validated.events;
  if (parsed.combiner && !validated.combiner) {
    const combiner = parsed.combiner();
    for (const e of events) combiner.add(e);
    events.length = 0;
    events = combiner.finish();
  }

  // Two rows of one file naming the same event: the first wins, the later one is reported.
  const byId = new Map<string, ProtestEvent>();
  const byKey = new Map<string, ProtestEvent>();
  const unique: ProtestEvent[] = [];
  for (const e of events) {
    const key = `${e.country}|${e.start}|${e.title}`;
    const prev = byId.get(e.id) ?? byKey.get(key);
    if (prev) {
      const same = prev.id === e.id ? `id ${e.id}` : 'country, start and title';
      errors.push({ file, line: e.originLine ?? 0, field: prev.id === e.id ? 'id' : 'title', reason: `duplicate of the event on line ${prev.originLine} (same ${same})` });
      continue;
    }
    byId.set(e.id, e);
    byKey.set(key, e);
    unique.push(e);
  }

  const planned = planChanges(db, unique);
  for (const c of planned.filter((p) => p.action === 'conflict')) {
    errors.push({ file, line: c.event.originLine ?? 0, field: 'title', reason: `another stored event already has this country, start and title` });
  }
  const plan = planned.filter((p) => p.action !== 'conflict');
  if (!opts.dryRun) {
    applyChanges(db, plan, opts.now ?? nowSeconds());
    emitCalendarChange({
      cause: 'import',
      added: plan.filter((c) => c.action === 'insert').map((c) => c.event.id),
      updated: plan.filter((c) => c.action === 'update').map((c) => c.event.id),
      removed: [],
    });
  }
  errors.sort((a, b) => a.line - b.line);
  const report: ImportReport = {
    file,
    format: opts.format,
    dryRun: opts.dryRun ?? false,
    rows: parsed.rows,
    skipped: parsed.skipped,
    rejected: new Set(errors.map((e) => e.line)).size,
    events: plan.length,
    inserted: plan.filter((c) => c.action === 'insert').length,
    updated: plan.filter((c) => c.action === 'update').length,
    unchanged: plan.filter((c) => c.action === 'unchanged').length,
    errors,
    changes: plan,
  };
  opts.log?.info({ file, format: opts.format, rows: report.rows, inserted: report.inserted, updated: report.updated, unchanged: report.unchanged, rejected: report.rejected, dryRun: report.dryRun }, 'calendar import');
  return report;
}
