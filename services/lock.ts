import { closeSync, openSync, readFileSync, realpathSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * The lock file of a database: beside its real path (symlinks resolved, for the file and for its folder), so
 * that every path naming the same file shares one lock.
 */
export function lockPathFor(dbPath: string): string {
  const abs = resolve(dbPath);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    try {
      real = join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      real = abs;
    }
  }
  return `${real}.lock`;
}

/** device:inode of the database file (null when it does not exist yet). */
function identity(dbPath: string): string | null {
  try {
    const st = statSync(dbPath);
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

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
 * One daemon per database: an exclusive lock file beside the database's real path (see lockPathFor) holding the
 * owner's pid, host and the file's identity. A lock whose process is gone (kill -9, crash) is stale and taken over.
 */
export function acquireLock(dbPath: string): DaemonLock {
  const path = lockPathFor(dbPath);
  const fileId = identity(dbPath);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), file: fileId }));
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
