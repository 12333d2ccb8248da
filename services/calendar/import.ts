import { createReadStream, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { CalendarImportSession, CalendarRepository } from '../../db/repositories.js';
import { nowSeconds } from '../../core/time.js';
import { planChange, type ImportStage, type PlannedChange } from './apply.js';
import { emitCalendarChange } from './events.js';
import { countryDayGroup, countryDayMerger, parseAcled } from './importers/acled.js';
import { parseCsv } from './importers/csv.js';
import { parseIcs } from './importers/ics.js';
import { parseJson } from './importers/json.js';
import type { CandidateSink, ImportFormat, ImporterOptions, ParsedInput } from './importers/types.js';
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
  /** The first REPORT_KEEP errors, by line; `errorsOmitted` more were found. */
  errors: RowError[];
  errorsOmitted: number;
  /** The first REPORT_KEEP_CHANGES planned changes; `changesOmitted` more. */
  changes: PlannedChange[];
  changesOmitted: number;
}

/** Reads a file in the given format: streamed for CSV/ACLED, whole for JSON/iCalendar. */
export async function parseCalendarFile(
  path: string,
  format: ImportFormat,
  opts: ImporterOptions,
  sink?: CandidateSink,
): Promise<ParsedInput> {
  // text that is not UTF-8 (a spreadsheet saved as windows-1251) would turn into U+FFFD silently: refuse the file
  const notUtf8 = await checkUtf8(path);
  if (notUtf8)
    return {
      rows: 0,
      skipped: 0,
      candidates: [],
      errors: [{ file: opts.file, line: notUtf8.line, field: 'file', reason: notUtf8.reason }],
    };
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
      return {
        line,
        reason: `not UTF-8 text (byte 0x${buf[bad]!.toString(16).toUpperCase()} cannot be UTF-8; the file looks like ${guess}): nothing was imported; convert it first, e.g. iconv -f ${cp} -t UTF-8 FILE > FILE.utf8`,
      };
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

/** At most this many errors and planned changes (whole events, notes and all) are kept in the report; the counts stay exact. */
export const REPORT_KEEP = 10_000;
export const REPORT_KEEP_CHANGES = 1_000;

/** Errors of one import: the first REPORT_KEEP kept, every rejected line counted. */
class ErrorList {
  readonly kept: RowError[] = [];
  omitted = 0;
  readonly lines = new Set<number>();
  add = (e: RowError): void => {
    this.lines.add(e.line);
    if (this.kept.length < REPORT_KEEP) this.kept.push(e);
    else this.omitted++;
  };
}

/**
 * Runs candidates through the shared validation step as they are read and stages the good ones (TEMP tables,
 * in batches), so that neither the rows nor the merged events of a large file are held in memory.
 */
class Validator {
  constructor(
    private readonly opts: ImportOptions & { file: string },
    private readonly stage: ImportStage,
    private readonly errors: ErrorList,
    /** The merge group of an event (ACLED: country and day), or null to keep each event. */
    private readonly group: ((e: ProtestEvent) => string) | null,
  ) {}
  add = (c: Candidate): void => {
    const v = validateEvent(c, { file: this.opts.file, origin: 'import', defaultTz: this.opts.tz, defaultKind: this.opts.kind });
    if (!v.ok) for (const item of v.errors) this.errors.add(item);
    else this.stage.add(this.group ? this.group(v.event) : null, JSON.stringify(v.event));
  };
}

/**
 * Imports a calendar file into the calendar of either backend: read → the shared validation step → staged (TEMP
 * tables on local disk) → in ONE transaction: (ACLED merge, one country-day at a time) → duplicates inside the
 * file → plan against the stored calendar → write. All good rows of a file or none; bad rows are reported as
 * FILE:LINE: field: reason. Memory stays flat at any file size (CSV and ACLED are streamed). Importing the same
 * file again changes nothing (ids are stable; an event with the same country, start and title is the same event).
 */
export async function importCalendarFile(calendar: CalendarRepository, path: string, opts: ImportOptions): Promise<ImportReport> {
  const file = opts.displayName ?? path;
  const o = { ...opts, file };
  const session = await calendar.openImport();
  try {
    const stage = session.stage;
    const errors = new ErrorList();
    const merge = opts.format === 'acled' && (opts.merge ?? true);
    const validator = new Validator(o, stage, errors, merge ? countryDayGroup : null);
    const parsed = await parseCalendarFile(path, opts.format, o, validator.add);
    for (const c of parsed.candidates) validator.add(c);
    stage.flush();
    return await writeStaged(session, parsed, o, errors, merge || parsed.combiner !== undefined);
  } finally {
    await session.close();
  }
}

async function writeStaged(
  session: CalendarImportSession,
  parsed: ParsedInput,
  opts: ImportOptions & { file: string },
  errors: ErrorList,
  merged: boolean,
): Promise<ImportReport> {
  const stage = session.stage;
  const file = opts.file;
  for (const e of parsed.errors) errors.add(e);
  const now = opts.now ?? nowSeconds();
  const counts = { events: 0, inserted: 0, updated: 0, unchanged: 0 };
  const changes: PlannedChange[] = [];
  let changesOmitted = 0;

  const take = async (e: ProtestEvent): Promise<void> => {
    // two rows of one file naming the same event: the first wins, the later one is reported
    const key = `${e.country}|${e.start}|${e.title}`;
    const sameId = stage.seenLine(`id:${e.id}`);
    const prevLine = sameId ?? stage.seenLine(`nk:${key}`);
    if (prevLine !== null) {
      const same = sameId !== null ? `id ${e.id}` : 'country, start and title';
      errors.add({
        file,
        line: e.originLine ?? 0,
        field: sameId !== null ? 'id' : 'title',
        reason: `duplicate of the event on line ${prevLine} (same ${same})`,
      });
      return;
    }
    stage.markSeen(`id:${e.id}`, e.originLine ?? 0);
    stage.markSeen(`nk:${key}`, e.originLine ?? 0);
    const c = await planChange(session, e);
    if (c.action === 'conflict') {
      errors.add({
        file,
        line: c.event.originLine ?? 0,
        field: 'title',
        reason: 'another stored event already has this country, start and title',
      });
      return;
    }
    counts.events++;
    if (c.action === 'insert') counts.inserted++;
    else if (c.action === 'update') counts.updated++;
    else if (c.action === 'unchanged') counts.unchanged++;
    if (!opts.dryRun && (c.action === 'insert' || c.action === 'update')) {
      await session.upsertEvent(c.event, now);
      stage.recordWritten(c.event.id, c.action);
    }
    if (changes.length < REPORT_KEEP_CHANGES) changes.push(c);
    else changesOmitted++;
  };

  const run = async (): Promise<void> => {
    if (merged) {
      // one country-day at a time, in the order of each day's first row; the stored rows a batch of days may
      // match are read at once
      for (let after = 0; ;) {
        const groups = stage.groups(after, 500);
        if (groups.length === 0) break;
        const events: ProtestEvent[] = [];
        for (const g of groups) {
          const merger = countryDayMerger();
          for (const json of stage.groupEvents(g.grp)) merger.add(JSON.parse(json) as ProtestEvent);
          for (const e of merger.finish()) events.push(e);
          after = g.first;
        }
        await session.prefetch(events);
        for (const e of events) await take(e);
      }
    }
    for (let after = 0; ;) {
      const batch = stage.events(after, 2000);
      if (batch.length === 0) break;
      const events = batch.map((r) => JSON.parse(r.event) as ProtestEvent);
      await session.prefetch(events);
      for (const e of events) await take(e);
      after = batch[batch.length - 1]!.seq;
    }
  };
  if (opts.dryRun) await run();
  else {
    // ONE transaction for the whole file: all good rows or none
    await session.transaction(run);
    // announced after the commit, in chunks (a large file is never held as one list of ids)
    for (let after = 0; ;) {
      const batch = stage.written(after, 10_000);
      if (batch.length === 0) break;
      emitCalendarChange({
        cause: 'import',
        added: batch.filter((w) => w.action === 'insert').map((w) => w.id),
        updated: batch.filter((w) => w.action === 'update').map((w) => w.id),
        removed: [],
      });
      after = batch[batch.length - 1]!.seq;
    }
  }
  const list = errors.kept.sort((a, b) => a.line - b.line);
  const report: ImportReport = {
    file,
    format: opts.format,
    dryRun: opts.dryRun ?? false,
    rows: parsed.rows,
    skipped: parsed.skipped,
    rejected: errors.lines.size,
    events: counts.events,
    inserted: counts.inserted,
    updated: counts.updated,
    unchanged: counts.unchanged,
    errors: list,
    errorsOmitted: errors.omitted,
    changes,
    changesOmitted,
  };
  opts.log?.info(
    {
      file,
      format: opts.format,
      rows: report.rows,
      inserted: report.inserted,
      updated: report.updated,
      unchanged: report.unchanged,
      rejected: report.rejected,
      dryRun: report.dryRun,
    },
    'calendar import',
  );
  return report;
}
