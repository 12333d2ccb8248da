import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PointStore } from '../../db/repository.js';
import { csvRows, type CsvCell } from '../util/csv-write.js';
import { isoUtc } from '../../core/time.js';

/** Rows buffered before each write: memory stays flat however many points the range holds. */
const CHUNK_ROWS = 20_000;

/**
 * The full-resolution export behind a report: every stored point of the entity's signals in [from, until),
 * one row each (`signal,time_utc,ts,value,synthetic`; empty value = no data), streamed from the store to
 * `path` in chunks (through `path.tmp`, renamed when complete: a failed export leaves no half file). Returns
 * the number of rows written, through the one CSV writer (services/util/csv-write.ts; signal names are
 * neutralised like every CSV cell). Read through `PointStore.iteratePoints` on either backend (on PostgreSQL in
 * one REPEATABLE READ snapshot, keyset pages).
 */
export async function exportPointsCsv(points: PointStore, entity: string, from: number, until: number, path: string): Promise<number> {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  let rows = 0;
  let done = false;
  try {
    writeSync(fd, csvRows([['signal', 'time_utc', 'ts', 'value', 'synthetic']]));
    let chunk: CsvCell[][] = [];
    const signals = await points.listSignals(entity);
    const byId = new Map(signals.map((s) => [s.id, s] as const));
    for await (const batch of points.iteratePoints(
      signals.map((s) => s.id),
      from,
      until,
      CHUNK_ROWS,
    )) {
      const sig = byId.get(batch.signalId)!;
      for (const [ts, v] of batch.rows) {
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
