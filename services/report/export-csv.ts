import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SqliteStore } from '../../db/store.js';
import { csvRows, type CsvCell } from '../util/csv-write.js';
import { isoUtc } from '../../core/time.js';

/** Rows buffered before each write: memory stays flat however many points the range holds. */
const CHUNK_ROWS = 20_000;

/**
 * The full-resolution export behind a report: every stored point of the entity's signals in [from, until),
 * one row each (`signal,time_utc,ts,value,synthetic`; empty value = no data), streamed from the store to
 * `path` in chunks (through `path.tmp`, renamed when complete: a failed export leaves no half file). Returns
 * the number of rows written, through the one CSV writer (services/util/csv-write.ts; signal names are
 * neutralised like every CSV cell).
 */
export function exportPointsCsv(store: SqliteStore, entity: string, from: number, until: number, path: string): number {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  let rows = 0;
  let done = false;
  try {
    writeSync(fd, csvRows([['signal', 'time_utc', 'ts', 'value', 'synthetic']]));
    let chunk: CsvCell[][] = [];
    for (const sig of store.listSignals(entity)) {
      for (const [ts, v] of store.iteratePoints(sig.id, from, until)) {
        chunk.push([sig.name, isoUtc(ts), ts, v, sig.synthetic]);
        rows++;
        if (chunk.length >= CHUNK_ROWS) {
          writeSync(fd, csvRows(chunk));
          chunk = [];
        }
      }
    }
    writeSync(fd, csvRows(chunk));
    done = true;
  } finally {
    closeSync(fd);
    if (done) renameSync(tmp, path);
    else rmSync(tmp, { force: true });
  }
  return rows;
}
