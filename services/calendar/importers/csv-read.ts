import type { Readable } from 'node:stream';
import { readCsvStream, readCsvText, type OnBroken } from '../../util/csv-records.js';

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
 * they are read, so nothing piles up in memory. `onRecord` returns false to ignore the rest. A record
 * that cannot be read (a stray or unclosed quote) goes to `onBroken` and reading goes on at the next
 * line (the shared reader in services/util/csv-records.ts).
 */
export async function readCsv(
  input: Readable | string,
  onRecord: (record: string[], line: number) => boolean | void,
  onBroken: OnBroken,
): Promise<void> {
  let failure: unknown = null;
  const guarded = (record: string[], line: number): boolean | void => {
    try {
      return onRecord(record, line);
    } catch (e) {
      failure = e;
      return false;
    }
  };
  if (typeof input === 'string') readCsvText(input, guarded, onBroken);
  else await readCsvStream(input, guarded, onBroken);
  if (failure) throw failure;
}
