import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './connection.js';

const requireHere = createRequire(import.meta.url);

/** Runs in a worker thread: its own read-only connection, so a long check never blocks the server's event loop. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let out;
try {
  const Database = require(workerData.module);
  const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
  try {
    out = { rows: db.pragma('quick_check(' + workerData.max + ')').map((r) => String(Object.values(r)[0])) };
  } finally {
    db.close();
  }
} catch (err) {
  out = { error: String((err && err.message) || err), code: err && err.code };
}
parentPort.postMessage(out);
`;

export interface IntegrityResult {
  ok: boolean;
  /** What SQLite's quick_check reported (at most `max` lines), or why the file could not be checked. */
  problems: string[];
}

function fromRows(rows: string[]): IntegrityResult {
  return rows.length === 1 && rows[0] === 'ok' ? { ok: true, problems: [] } : { ok: false, problems: rows };
}

/** `PRAGMA quick_check` of the database file at `path`, in a worker thread (`db` is used instead for `:memory:`). */
export function quickCheck(path: string, db: Db, max = 10): Promise<IntegrityResult> {
  if (path === ':memory:') {
    try {
      return Promise.resolve(
        fromRows((db.pragma(`quick_check(${max})`) as Array<Record<string, unknown>>).map((r) => String(Object.values(r)[0]))),
      );
    } catch (err) {
      return Promise.resolve({ ok: false, problems: [(err as Error).message] });
    }
  }
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, max, module: requireHere.resolve('better-sqlite3') } });
    let done = false;
    const finish = (r: IntegrityResult) => {
      if (done) return;
      done = true;
      resolve(r);
      void worker.terminate();
    };
    worker.once('message', (m: { rows?: string[]; error?: string }) =>
      finish(m.rows ? fromRows(m.rows) : { ok: false, problems: [m.error ?? 'unknown error'] }),
    );
    worker.once('error', (err) => finish({ ok: false, problems: [err.message] }));
    worker.once('exit', (code) => finish({ ok: false, problems: [`integrity check ended early (exit ${code})`] }));
  });
}
