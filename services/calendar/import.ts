import { createReadStream, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Db } from '../../db/connection.js';
import { nowSeconds } from '../../core/time.js';
import { applyChanges, planChanges, type PlannedChange } from './apply.js';
import { emitCalendarChange } from './events.js';
import { countryDayMerger, parseAcled } from './importers/acled.js';
import { parseCsv } from './importers/csv.js';
import { parseIcs } from './importers/ics.js';
import { parseJson } from './importers/json.js';
import type { CandidateSink, Combiner, ImportFormat, ImporterOptions, ParsedInput } from './importers/types.js';
import type { ProtestEvent } from '../../core/calendar.js';
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
  // text that is not UTF-8 (a spreadsheet saved as windows-1251) would turn into U+FFFD silently: refuse the file
  const notUtf8 = await checkUtf8(path);
  if (notUtf8) return { rows: 0, skipped: 0, candidates: [], errors: [{ file: opts.file, line: notUtf8.line, field: 'file', reason: notUtf8.reason }] };
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

/**
 * Streams the file through a strict UTF-8 decoder (constant memory). Null when it is UTF-8 (a BOM is fine);
 * otherwise the first bad byte's line and a reason naming the encoding it most likely is.
 */
async function checkUtf8(path: string): Promise<{ line: number; reason: string } | null> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    try {
      decoder.decode(buf, { stream: true });
    } catch {
      // find the first byte that cannot start or continue a UTF-8 sequence, for the line and the guess
      const bad = firstInvalidUtf8(buf);
      for (let i = 0; i < bad; i++) if (buf[i] === 0x0a) line++;
      const high = buf.filter((b) => b >= 0x80);
      const cyrillic = high.filter((b) => b >= 0xc0).length > high.length * 0.6;
      const guess = cyrillic ? 'windows-1251 (Cyrillic)' : 'a legacy 8-bit encoding such as windows-1252 or latin-1';
      const cp = cyrillic ? 'CP1251' : 'CP1252';
      return { line, reason: `not UTF-8 text (byte 0x${buf[bad]!.toString(16).toUpperCase()} cannot be UTF-8; the file looks like ${guess}): nothing was imported; convert it first, e.g. iconv -f ${cp} -t UTF-8 FILE > FILE.utf8` };
    }
    for (const b of buf) if (b === 0x0a) line++;
  }
  try {
    decoder.decode();
  } catch {
    return { line, reason: 'not UTF-8 text (the file ends inside a multi-byte character): nothing was imported' };
  }
  return null;
}

function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 0) return i;
    if (i + n > buf.length) return i; // cut at the chunk edge: the decoder's own error came earlier
    for (let k = 1; k < n; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return i;
    i += n;
  }
  return Math.max(0, buf.length - 1);
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
