/** Sleeps `ms`, rejecting with an AbortError when `signal` fires first. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const t = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  const err = new Error(reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'aborted');
  err.name = 'AbortError';
  return err;
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * Per-source politeness: at most `requests` request starts in any `intervalMs`, and at most
 * `concurrency` requests in flight. `acquire()` resolves with a release function.
 */
export class RequestLimiter {
  private readonly starts: number[] = [];
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly opts: { requests: number; intervalMs: number; concurrency: number },
    private readonly sleep: Sleep = abortableSleep,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(signal?: AbortSignal): Promise<() => void> {
    // concurrency slot
    if (this.active >= this.opts.concurrency) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = this.waiting.indexOf(wake);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(abortError(signal!));
        };
        if (signal?.aborted) return reject(abortError(signal));
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(wake);
      });
    } else {
      this.active++;
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next)
        next(); // hand the slot over
      else this.active--;
    };
    try {
      // rate: wait until the oldest start in the interval has aged out
      for (;;) {
        const t = this.now();
        while (this.starts.length && this.starts[0]! <= t - this.opts.intervalMs) this.starts.shift();
        if (this.starts.length < this.opts.requests) {
          this.starts.push(t);
          return release;
        }
        await this.sleep(this.starts[0]! + this.opts.intervalMs - t, signal);
      }
    } catch (err) {
      release();
      throw err;
    }
  }
}
