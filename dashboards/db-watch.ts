import { isoUtc } from '../core/time.js';

/** SQLite's error codes that say the file itself is in trouble (damaged, not a database, unreadable, full). */
const DB_TROUBLE = /^SQLITE_(CORRUPT|NOTADB|IOERR|CANTOPEN|FULL|READONLY)/;

/**
 * What the server knows about its database beyond one cheap read: the latest `quick_check` (run in a worker
 * thread, at most every `checkEverySeconds`) and the latest database error a request ran into.
 */
export class DbWatch {
  private check: { at: number; ok: boolean; problems: string[] } | null = null;
  private running: Promise<void> | null = null;
  private lastError: { at: number; code: string; message: string; path: string } | null = null;

  constructor(
    /** null: no file check (PostgreSQL checks its own pages; a request's database error is still noted) */
    private readonly store: { quickCheck(): Promise<{ ok: boolean; problems: string[] }> } | null,
    private readonly checkEverySeconds = 600,
  ) {}

  /** Called by the error handler: a request failed with a database error. */
  noteError(err: unknown, path: string, now = Math.floor(Date.now() / 1000)): void {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && DB_TROUBLE.test(code)) this.lastError = { at: now, code, message: (err as Error).message, path };
  }

  /** Runs the quick check now (off the event loop); resolves when it is done. */
  refresh(now = Math.floor(Date.now() / 1000)): Promise<void> {
    if (!this.store) return Promise.resolve();
    this.running ??= this.store
      .quickCheck()
      .then((r) => {
        this.check = { at: now, ok: r.ok, problems: r.problems };
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** Starts a check when none ran for `checkEverySeconds`; waits up to `waitMs` for the first one ever. */
  async ensureFresh(now: number, waitMs = 5000): Promise<void> {
    if (!this.store || (this.check && now - this.check.at < this.checkEverySeconds)) return;
    const p = this.refresh(now);
    if (this.check) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }

  reasons(now: number): string[] {
    const out: string[] = [];
    if (this.check && !this.check.ok)
      out.push(`database fails its quick check (${isoUtc(this.check.at)}): ${this.check.problems.slice(0, 3).join('; ')}`);
    if (this.lastError && now - this.lastError.at < this.checkEverySeconds)
      out.push(
        `database error ${this.lastError.code} answering ${this.lastError.path} at ${isoUtc(this.lastError.at)}: ${this.lastError.message}`,
      );
    return out;
  }
}
