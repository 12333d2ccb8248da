/**
 * Worker thread judging level signals (`judgeSignal`) for `JudgePool` (services/detector/pool.ts). It opens no
 * database: it is sent a signal's points (transferred typed arrays) and its rule and state, and sends back the
 * judgement. Messages: `SignalJob` → `{ value: SignalJudgement }` or `{ error: { message, stack } }`.
 */
import { parentPort } from 'node:worker_threads';
import { judgeSignal, type SignalJob } from './judge.js';

// a job that arrives unreadable (its arrays handed over before) is answered with the error, not left waiting
parentPort?.on('messageerror', (err) => {
  parentPort!.postMessage({ error: { message: `the job could not be read: ${err.message}`, stack: err.stack ?? null } });
});

parentPort?.on('message', (job: SignalJob) => {
  try {
    parentPort!.postMessage({ value: judgeSignal(job) });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    parentPort!.postMessage({ error: { message: e.message, stack: e.stack ?? null } });
  }
});
