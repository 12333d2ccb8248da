import { parse, CsvError } from 'csv-parse';
import type { Readable } from 'node:stream';

export class CsvReadError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads CSV records in order, calling `onRecord` with the physical line each starts on (quoted
 * fields may span lines; blank lines are skipped but counted). Records are handled synchronously as
 * the parser produces them, so nothing piles up in memory. `onRecord` returns false to ignore the
 * rest. A malformed file rejects with CsvReadError naming the line.
 */
export function readCsv(input: Readable | string, onRecord: (record: string[], line: number) => boolean | void): Promise<void> {
  return new Promise((resolve, reject) => {
    let prevLines = 0;
    let prevEmpty = 0;
    let stopped = false;
    let failure: unknown = null;
    const parser = parse({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (record: string[], info: { lines: number; empty_lines: number }) => {
        const line = prevLines + 1 + (info.empty_lines - prevEmpty);
        prevLines = info.lines;
        prevEmpty = info.empty_lines;
        if (stopped || failure) return null;
        try {
          if (onRecord(record, line) === false) stopped = true;
        } catch (e) {
          failure = e;
        }
        return null;
      },
    });
    const done = (e?: unknown) => {
      if (typeof input !== 'string') input.destroy();
      if (e instanceof CsvError) reject(new CsvReadError((e as CsvError & { lines?: number }).lines ?? prevLines + 1, `malformed CSV: ${e.message.replace(/^Invalid [^:]*: /, '')}`));
      else if (e) reject(e);
      else if (failure) reject(failure);
      else resolve();
    };
    parser.on('error', done);
    parser.on('end', () => done());
    parser.resume();
    if (typeof input === 'string') parser.end(input);
    else {
      input.on('error', done);
      input.pipe(parser);
    }
  });
}

/** Undoes the export's formula neutralising: `'=SUM(A1)` → `=SUM(A1)`. */
export function unneutralise(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}
