import { parse, CsvError } from 'csv-parse';
import type { Readable } from 'node:stream';

export interface CsvRecord {
  record: string[];
  /** 1-based physical line where the record starts (header = line 1). */
  line: number;
}

export class CsvReadError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Streams CSV records with the physical line each starts on (quoted fields may span lines; blank
 * lines are skipped but counted). A malformed file throws CsvReadError naming the line.
 */
export async function* csvRecords(input: Readable | string): AsyncGenerator<CsvRecord> {
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
  if (typeof input === 'string') parser.end(input);
  else input.pipe(parser);
  let prevLines = 0;
  let prevEmpty = 0;
  try {
    for await (const r of parser as AsyncIterable<{ record: string[]; info: { lines: number; empty_lines: number } }>) {
      const line = prevLines + 1 + (r.info.empty_lines - prevEmpty);
      prevLines = r.info.lines;
      prevEmpty = r.info.empty_lines;
      yield { record: r.record, line };
    }
  } catch (e) {
    if (e instanceof CsvError) {
      const at = (e as CsvError & { lines?: number }).lines ?? prevLines + 1;
      throw new CsvReadError(at, `malformed CSV: ${e.message.replace(/^Invalid [^:]*: /, '')}`);
    }
    throw e;
  } finally {
    if (typeof input !== 'string') input.destroy();
  }
}

/** Undoes the export's formula neutralising: `'=SUM(A1)` → `=SUM(A1)`. */
export function unneutralise(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}
