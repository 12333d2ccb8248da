import { hostname } from 'node:os';
import { THIS_PROCESS, type RunOwner } from '../db/store.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process that started a run is gone, so that its `running` run can be called `interrupted`:
 * - no owner recorded (a run from before owners were kept): gone;
 * - this process: gone only if the start time differs (a pid reused after a restart, e.g. pid 1 in a container);
 * - another process on this host: gone when no process has that pid;
 * - another host: never decided here (on a shared database each host reconciles its own runs).
 */
export function ownerGone(owner: RunOwner | null): boolean {
  if (owner === null) return true;
  if (owner.host !== hostname()) return false;
  if (owner.pid === THIS_PROCESS.pid) return owner.started !== THIS_PROCESS.started;
  return !alive(owner.pid);
}

/** Runs started by this very process (marked interrupted when it stops before they finish). */
export const ownedHere = (owner: RunOwner | null): boolean =>
  owner !== null && owner.host === THIS_PROCESS.host && owner.pid === THIS_PROCESS.pid && owner.started === THIS_PROCESS.started;
