/**
 * The one CSV record reader every importer uses (reference lists, calendar CSV and ACLED): csv-parse does the
 * parsing; this reader only decides where a record may be cut, so that a record csv-parse cannot read (a stray or
 * unclosed quote) costs that record and nothing else. Reading resumes at the physical line after the bad record's
 * first line, so rows before AND after it are kept. (csv-parse's own `skip_records_with_error` loses track of the
 * record boundaries after a bad quote and drops or garbles the rows that follow.)
 *
 * Lines are pushed one at a time (streamed files) or all at once (text). Complete records are parsed in batches of
 * about 64 KB (fast path); only a batch that fails is re-read record by record. Memory is bounded by the batch, or
 * by MAX_RECORD_BYTES while a quoted field is open: a record longer than that is reported as never closed.
 */
import { parse } from 'csv-parse/sync';
import type { Readable } from 'node:stream';

export interface BrokenRecord {
  /** first physical line of the record that could not be read (1-based) */
  line: number;
  /** 0-based column where csv-parse stopped, when it said */
  column: number | null;
  /** csv-parse's error code */
  code: string;
  reason: string;
}

export type OnRecord = (record: string[], line: number) => boolean | void;
export type OnBroken = (b: BrokenRecord) => void;

const QUOTE_ERRORS: Record<string, string> = {
  CSV_INVALID_CLOSING_QUOTE: 'bad CSV quote: a closing quote is followed by text instead of a comma or line end',
  CSV_QUOTE_NOT_CLOSED: 'bad CSV quote: a quoted field is never closed',
  INVALID_OPENING_QUOTE: 'bad CSV quote: a quote inside an unquoted field',
  CSV_INVALID_OPENING_QUOTE: 'bad CSV quote: a quote inside an unquoted field',
};

const BATCH_BYTES = 64 * 1024;
/** A quoted field may span lines, but no record is longer than this (ACLED notes are a few KB). */
export const MAX_RECORD_BYTES = 1024 * 1024;

const OPTIONS = { relax_column_count: true, skip_empty_lines: true } as const;

function csvCode(err: unknown): string | null {
  const e = err as { code?: unknown };
  return typeof e.code === 'string' && (e.code.startsWith('CSV_') || e.code.startsWith('INVALID_')) ? e.code : null;
}

function quotes(line: string): number {
  let n = 0;
  for (let i = line.indexOf('"'); i >= 0; i = line.indexOf('"', i + 1)) n++;
  return n;
}

const blank = (line: string) => line === '\n' || line === '\r\n' || line === '' || line === '\r';

/** Push-based reader: `push` each physical line (with its `\n`), then `end`. Callbacks run synchronously. */
export class CsvRecordReader {
  private pending: string[] = [];
  private pendingStart = 1; // line number of pending[0]
  private pendingBytes = 0;
  private odd = false; // an odd number of quotes so far: a quoted field is open
  private nextLine = 1;
  private stopped = false;

  constructor(
    private readonly onRecord: OnRecord,
    private readonly onBroken: OnBroken,
  ) {}

  push(line: string): void {
    if (this.stopped) return;
    if (this.nextLine === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (this.pending.length === 0) this.pendingStart = this.nextLine;
    this.nextLine++;
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (quotes(line) % 2 === 1) this.odd = !this.odd;
    if (!this.odd && this.pendingBytes >= BATCH_BYTES) this.flush(false);
    else if (this.odd && this.pendingBytes > MAX_RECORD_BYTES) this.flush(true);
  }

  end(): void {
    if (!this.stopped) this.flush(true);
    this.pending = [];
  }

  /** True once `onRecord` returned false: the caller may stop reading. */
  get done(): boolean {
    return this.stopped;
  }

  private emit(record: string[], line: number): void {
    if (this.stopped) return;
    if (this.onRecord(record, line) === false) this.stopped = true;
  }

  private flush(force: boolean): void {
    const lines = this.pending;
    const start = this.pendingStart;
    if (lines.length === 0) return;
    if (!this.odd) {
      // fast path: the whole batch at once, records emitted only when all of it reads
      const got: Array<[string[], number]> = [];
      let prevLines = 0;
      let prevEmpty = 0;
      try {
        parse(lines.join(''), {
          ...OPTIONS,
          on_record: (record: string[], info: { lines: number; empty_lines: number }) => {
            got.push([record, start + prevLines + (info.empty_lines - prevEmpty)]);
            prevLines = info.lines;
            prevEmpty = info.empty_lines;
            return null;
          },
        });
        this.clear();
        for (const [r, l] of got) this.emit(r, l);
        return;
      } catch (err) {
        if (!csvCode(err)) throw err;
      }
    }
    this.slow(lines, start, force);
  }

  private clear(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.odd = false;
  }

  /** Record by record: a record that does not read is reported at its first line; reading goes on at the next. */
  private slow(lines: string[], start: number, force: boolean): void {
    let i = 0;
    while (i < lines.length && !this.stopped) {
      if (blank(lines[i]!)) {
        i++;
        continue;
      }
      let j = i;
      let q = 0;
      do q += quotes(lines[j++]!);
      while (q % 2 === 1 && j < lines.length);
      if (q % 2 === 1 && !force) break; // a quoted field still open: wait for more lines
      try {
        const got: string[][] = parse(lines.slice(i, j).join(''), OPTIONS);
        for (const r of got) this.emit(r, start + i);
        i = j;
      } catch (err) {
        const code = csvCode(err);
        if (!code) throw err;
        const e = err as { message?: string; column?: unknown };
        const reason = QUOTE_ERRORS[code] ?? `unreadable CSV: ${(e.message ?? code).replace(/ at line \d+.*$/s, '')}`;
        this.onBroken({ line: start + i, column: typeof e.column === 'number' ? e.column : null, code, reason });
        i++;
      }
    }
    const rest = lines.slice(i);
    this.clear();
    if (this.stopped) return;
    this.pendingStart = start + i;
    for (const l of rest) {
      this.pending.push(l);
      this.pendingBytes += l.length;
      if (quotes(l) % 2 === 1) this.odd = !this.odd;
    }
  }
}

/** Reads CSV text (sync). */
export function readCsvText(text: string, onRecord: OnRecord, onBroken: OnBroken): void {
  const r = new CsvRecordReader(onRecord, onBroken);
  let from = 0;
  while (from < text.length && !r.done) {
    const nl = text.indexOf('\n', from);
    const to = nl < 0 ? text.length : nl + 1;
    r.push(text.slice(from, to));
    from = to;
  }
  r.end();
}

/** Reads a CSV stream (UTF-8) line by line; memory stays bounded whatever the file size. */
export async function readCsvStream(input: Readable, onRecord: OnRecord, onBroken: OnBroken): Promise<void> {
  const r = new CsvRecordReader(onRecord, onBroken);
  input.setEncoding('utf8');
  let carry = '';
  try {
    for await (const chunk of input) {
      const s = carry + (chunk as string);
      let from = 0;
      for (let nl = s.indexOf('\n'); nl >= 0 && !r.done; nl = s.indexOf('\n', from)) {
        r.push(s.slice(from, nl + 1));
        from = nl + 1;
      }
      carry = s.slice(from);
      if (r.done) break;
    }
    if (carry && !r.done) r.push(carry);
    r.end();
  } finally {
    input.destroy();
  }
}
