import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { moduleWorker, runningBuild } from '../util/module-worker.js';
import type { PackedSource } from '../../db/packed.js';
import type { SignalJob, SignalJudgement } from './judge.js';

/**
 * Worker threads that judge level signals (`judgeSignal`, services/detector/signal-worker.ts) while the main thread
 * reads the next signal's points and, after them, merges the entity's episodes and stores the outages (issue 21: a
 * ten-year detection spends most of its time judging millions of points, one signal at a time). The judgement is the
 * same wherever it is made (a pure function of plain data; tested against judging on the main thread).
 *
 * Threads start when first needed and end after `IDLE_MS` without work; while one works it keeps the process alive,
 * idle ones do not.
 */

/** Idle threads end after this long without work. */
const IDLE_MS = 30_000;

/** How many threads judge signals by default: one per core (at most 4) from the build; none from the sources. */
export function defaultJudgeThreads(): number {
  // from the TypeScript sources (tests, tsx) a thread takes a few hundred ms to start (tsx compiles in it): more
  // than judging a year of points costs
  if (!runningBuild) return 0;
  const cores = availableParallelism();
  return cores >= 2 ? Math.min(4, cores) : 0;
}

/**
 * What a thread is sent: a signal's job with its points, or one whose points the thread reads itself from the
 * database file (`read`: a SQLite signal packed per day; the main thread then reads nothing).
 */
export type ThreadJob = SignalJob | (Omit<SignalJob, 'points'> & { read: { source: PackedSource; step: number | undefined } });

/** A thread's judgement; for a job it read itself, the first and last time read and how many points. */
export type ThreadJudgement = SignalJudgement & { read?: { first: number; last: number; length: number } };

interface Task {
  job: ThreadJob;
  resolve: (v: ThreadJudgement) => void;
  reject: (e: Error) => void;
}

type Reply = { value: ThreadJudgement; error?: undefined } | { error: { message: string; stack: string | null } };

export class JudgePool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private readonly all = new Set<Worker>();
  private idleTimer: NodeJS.Timeout | null = null;
  /** Jobs judged in this pool's threads so far, and how many of them the thread read itself. */
  judged = 0;
  readInThreads = 0;

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new Error(`a judging pool needs at least one thread (${size})`);
  }

  /** Judges the signal in a thread. The job's typed arrays are transferred, not copied: do not use them after. */
  judge(job: ThreadJob): Promise<ThreadJudgement> {
    return new Promise<ThreadJudgement>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.pump();
    });
  }

  /** Starts the threads now (they take ~20 ms to start from the build: a detection starts them before it reads). */
  start(): void {
    while (this.all.size < this.size) {
      const w = this.spawn();
      w.unref();
      this.idle.push(w);
    }
    this.armIdleTimer();
  }

  /** Ends every thread (the jobs in flight are rejected). */
  async close(): Promise<void> {
    this.clearIdleTimer();
    const all = [...this.all];
    await Promise.all(all.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let w = this.idle.pop();
      if (!w) {
        if (this.all.size >= this.size) return;
        w = this.spawn();
      }
      this.clearIdleTimer();
      const task = this.queue.shift()!;
      try {
        w.postMessage(task.job, transferOf(task.job));
      } catch (err) {
        // a job that cannot be sent (its arrays handed over already): its caller's error, the thread stays idle
        this.idle.push(w);
        task.reject(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      this.busy.set(w, task);
      w.ref();
    }
  }

  private spawn(): Worker {
    const w = moduleWorker(import.meta.url, 'signal-worker');
    this.all.add(w);
    w.on('message', (m: Reply) => {
      const task = this.busy.get(w);
      this.busy.delete(w);
      w.unref();
      this.idle.push(w);
      if (this.busy.size === 0 && this.queue.length === 0) this.armIdleTimer();
      if (task) {
        this.judged++;
        if ('read' in task.job) this.readInThreads++;
        if (m.error) task.reject(Object.assign(new Error(m.error.message), m.error.stack ? { stack: m.error.stack } : {}));
        else task.resolve(m.value);
      }
      this.pump();
    });
    // a thread that fails (cannot start, runs out of memory) takes its job with it: the detection fails as it would
    // on the main thread; the next job gets a new thread
    const gone = (err: Error) => {
      if (!this.all.delete(w)) return;
      const task = this.busy.get(w);
      this.busy.delete(w);
      const i = this.idle.indexOf(w);
      if (i >= 0) this.idle.splice(i, 1);
      task?.reject(err);
      this.pump();
    };
    w.on('error', gone);
    w.on('exit', (code) => gone(new Error(`signal judging thread exited (${code})`)));
    return w;
  }

  private armIdleTimer(): void {
    this.clearIdleTimer();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      for (const w of this.idle.splice(0)) void w.terminate();
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}

/** The buffers of a job's points (handed over to the thread). */
function transferOf(job: ThreadJob): ArrayBuffer[] {
  if ('read' in job) return [];
  const p = job.points;
  const arrays = 'series' in p ? [p.series.values] : [p.ts, p.values];
  const out: ArrayBuffer[] = [];
  for (const a of arrays) if (a.buffer instanceof ArrayBuffer && !out.includes(a.buffer)) out.push(a.buffer);
  return out;
}

const pools = new Map<number, JudgePool>();

/** The process's pool of `size` threads (made when first asked for). */
export function judgePool(size: number): JudgePool {
  let p = pools.get(size);
  if (!p) pools.set(size, (p = new JudgePool(size)));
  return p;
}
