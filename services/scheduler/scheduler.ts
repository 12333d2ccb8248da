import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { SignalStore, RunFinish } from '../../db/store.js';

export interface JobOutcome {
  status?: RunFinish['status'];
  rows?: number;
  windowsOk?: number;
  windowsFailed?: number;
  error?: string | null;
  details?: unknown;
}

export interface JobDefinition {
  name: string;
  /** node-cron expression (seconds field optional), evaluated in UTC. */
  cron: string;
  collector?: string;
  /** Record each run in the `runs` table (default true). Jobs that record their own runs set false. */
  record?: boolean;
  run(signal: AbortSignal): Promise<JobOutcome | void>;
}

export interface SchedulerOptions {
  store?: SignalStore;
  log: Logger;
}

/**
 * Runs jobs on cron schedules with no overlapping runs of one job, records each run, and stops
 * gracefully: no new runs, in-flight runs are told to abort and awaited.
 */
export class Scheduler {
  private readonly jobs = new Map<string, { def: JobDefinition; task: ScheduledTask | null }>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly controller = new AbortController();
  private stopping = false;
  private readonly log: Logger;
  /** node-cron's own messages go through pino, not the console. */
  private readonly cronLogger = {
    info: (msg: string) => this.log.debug({ source: 'node-cron' }, msg),
    warn: (msg: string) => this.log.debug({ source: 'node-cron' }, msg),
    error: (msg: string | Error) => this.log.error({ source: 'node-cron' }, String(msg)),
    debug: (msg: string) => this.log.trace({ source: 'node-cron' }, msg),
  };

  constructor(private readonly opts: SchedulerOptions) {
    this.log = opts.log.child({ component: 'scheduler' });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  add(def: JobDefinition): void {
    if (this.jobs.has(def.name)) throw new Error(`job ${def.name} is already scheduled`);
    if (!cron.validate(def.cron)) throw new Error(`job ${def.name}: bad cron expression "${def.cron}"`);
    this.jobs.set(def.name, { def, task: null });
  }

  jobNames(): string[] {
    return [...this.jobs.keys()];
  }

  isRunning(name: string): boolean {
    return this.inFlight.has(name);
  }

  start(): void {
    for (const [name, entry] of this.jobs) {
      if (entry.task) continue;
      entry.task = cron.schedule(entry.def.cron, () => void this.trigger(name), {
        name,
        timezone: 'Etc/UTC',
        noOverlap: true,
        logger: this.cronLogger,
      });
    }
    this.log.info({ jobs: this.jobNames() }, 'scheduler started');
  }

  /**
   * Runs a job now unless a run of it is in flight (then it returns that run and starts nothing).
   * Resolves when the run ends; never rejects.
   */
  trigger(name: string): Promise<void> {
    const running = this.inFlight.get(name);
    if (running) {
      this.log.debug({ job: name }, 'previous run still in flight; skipped');
      return running;
    }
    if (this.stopping) return Promise.resolve();
    const entry = this.jobs.get(name);
    if (!entry) return Promise.reject(new Error(`no job named ${name}`));
    const p = this.execute(entry.def).finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, p);
    return p;
  }

  private async execute(def: JobDefinition): Promise<void> {
    const record = def.record !== false && this.opts.store !== undefined;
    const runId = record ? this.opts.store!.startRun(def.name, def.collector ?? null) : null;
    const log = this.log.child({ job: def.name });
    log.debug('job started');
    try {
      const out = (await def.run(this.controller.signal)) ?? {};
      const status = out.status ?? (this.controller.signal.aborted ? 'interrupted' : 'ok');
      if (runId !== null) this.opts.store!.finishRun(runId, { ...out, status });
      log.debug({ status }, 'job finished');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const status = this.controller.signal.aborted ? 'interrupted' : 'failed';
      try {
        if (runId !== null) this.opts.store!.finishRun(runId, { status, error: message });
      } catch (recordErr) {
        log.error({ err: recordErr }, 'could not record the failed run');
      }
      log.error({ err: message, status }, 'job failed');
    }
  }

  /**
   * Runs work started outside the schedule (a collection asked through the API) under the same stop signal:
   * `stop()` aborts it and waits for it like a scheduled run. Returns null (and starts nothing) while stopping
   * or while work of the same name is in flight.
   */
  runDetached(name: string, fn: (signal: AbortSignal) => Promise<void>): Promise<void> | null {
    if (this.stopping || this.inFlight.has(name)) return null;
    const p = Promise.resolve()
      .then(() => fn(this.controller.signal))
      .catch((err: unknown) => this.log.error({ job: name, err }, 'job failed'))
      .finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, p);
    return p;
  }

  /** False once `stop()` was called. */
  get accepting(): boolean {
    return !this.stopping;
  }

  /** Stops scheduling, aborts in-flight runs and waits for them (at most `timeoutMs`). */
  async stop(timeoutMs = 8000): Promise<boolean> {
    this.stopping = true;
    for (const entry of this.jobs.values()) {
      if (entry.task) {
        await entry.task.stop();
        await entry.task.destroy();
        entry.task = null;
      }
    }
    this.controller.abort(new Error('shutting down'));
    const pending = [...this.inFlight.values()];
    if (pending.length === 0) return true;
    this.log.info({ jobs: [...this.inFlight.keys()] }, 'waiting for in-flight jobs');
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.allSettled(pending).then(() => true),
      new Promise<boolean>((res) => {
        timer = setTimeout(() => res(false), timeoutMs);
      }),
    ]);
    if (timer) clearTimeout(timer);
    return finished;
  }
}
