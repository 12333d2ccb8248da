import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SqliteStore } from '../../db/store.js';
import { csvCell } from '../../dashboards/csv.js';
import { isoUtc } from '../../core/time.js';

/** Bytes buffered before each write: memory stays flat however many points the range holds. */
const CHUNK = 1 << 20;

/**
 * The full-resolution export behind a report: every stored point of the entity's signals in [from, until),
 * one row each (`signal,time_utc,ts,value,synthetic`; empty value = no data), streamed from the store to
 * `path` in chunks (through `path.tmp`, renamed when complete: a failed export leaves no half file). Returns
 * the number of rows written. Signal names are neutralised like every CSV cell.
 */
export function exportPointsCsv(store: SqliteStore, entity: string, from: number, until: number, path: string): number {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  let rows = 0;
  let done = false;
  try {
    let buf = 'signal,time_utc,ts,value,synthetic\r\n';
    for (const sig of store.listSignals(entity)) {
      const name = csvCell(sig.name);
      const synthetic = sig.synthetic ? 'true' : 'false';
      for (const [ts, v] of store.iteratePoints(sig.id, from, until)) {
        buf += `${name},${isoUtc(ts)},${ts},${csvCell(v)},${synthetic}\r\n`;
        rows++;
        if (buf.length >= CHUNK) {
          writeSync(fd, buf);
          buf = '';
        }
      }
    }
    writeSync(fd, buf);
    done = true;
  } finally {
    closeSync(fd);
    if (done) renameSync(tmp, path);
    else rmSync(tmp, { force: true });
  }
  return rows;
}
