import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

export class LockHeldError extends Error {
  constructor(
    readonly lockPath: string,
    readonly pid: number,
  ) {
    super(`another outagewatch daemon (pid ${pid}) is already running on this database (lock ${lockPath}); stop it first`);
    this.name = 'LockHeldError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DaemonLock {
  path: string;
  release(): void;
}

/**
 * One daemon per database: an exclusive lock file beside it holding the owner's pid. A lock whose
 * process is gone (kill -9, crash) is stale and taken over.
 */
export function acquireLock(dbPath: string): DaemonLock {
  const path = `${dbPath}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          try {
            const owner = JSON.parse(readFileSync(path, 'utf8')) as { pid?: number };
            if (owner.pid === process.pid) unlinkSync(path);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner: { pid?: number; host?: string } = {};
      try {
        owner = JSON.parse(readFileSync(path, 'utf8')) as typeof owner;
      } catch {
        /* half-written or unreadable lock: treat as stale */
      }
      const sameHost = owner.host === undefined || owner.host === hostname();
      if (owner.pid && owner.pid !== process.pid && sameHost && alive(owner.pid)) throw new LockHeldError(path, owner.pid);
      if (owner.pid && !sameHost) throw new LockHeldError(path, owner.pid);
      try {
        unlinkSync(path);
      } catch {
        /* raced with another starter */
      }
    }
  }
  throw new Error(`could not take the daemon lock ${path}`);
}
