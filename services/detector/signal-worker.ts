/**
 * Worker thread judging level signals (`judgeSignal`) for `JudgePool` (services/detector/pool.ts): it is sent a
 * signal's rule and state with its points (transferred typed arrays), or with where to read them (a SQLite file's
 * packed days: read here, on a read-only connection of this thread), and sends back the judgement. Messages:
 * `ThreadJob` → `{ value: ThreadJudgement }` or `{ error: { message, stack } }`.
 */
import { parentPort } from 'node:worker_threads';
import { readPackedGrid, readPackedSource } from '../../db/packed.js';
import { judgeSignal } from './judge.js';
import type { ThreadJob, ThreadJudgement } from './pool.js';

// a job that arrives unreadable (its arrays handed over before) is answered with the error, not left waiting
parentPort?.on('messageerror', (err) => {
  parentPort!.postMessage({ error: { message: `the job could not be read: ${err.message}`, stack: err.stack ?? null } });
});

/** The judgement of a job; a job that names its points' source is read here first (on this thread's connection). */
function judge(job: ThreadJob): ThreadJudgement {
  if (!('read' in job)) return judgeSignal(job);
  const { read, ...rest } = job;
  if (read.step !== undefined && read.step > 0) {
    // the signal's step known: its points go straight onto the grid
    const { first, last, length, ...series } = readPackedGrid(read.source, read.step);
    const value: ThreadJudgement = judgeSignal({ ...rest, points: { series } });
    value.read = { first, last, length };
    return value;
  }
  const { ts, values, length } = readPackedSource(read.source, -1e12, 1e12);
  const value: ThreadJudgement = judgeSignal({ ...rest, points: { ts, values, step: undefined } });
  value.read = { first: length > 0 ? ts[0]! : NaN, last: length > 0 ? ts[length - 1]! : NaN, length };
  return value;
}

parentPort?.on('message', (job: ThreadJob) => {
  try {
    parentPort!.postMessage({ value: judge(job) });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    parentPort!.postMessage({ error: { message: e.message, stack: e.stack ?? null } });
  }
});
