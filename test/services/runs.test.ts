import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore, THIS_PROCESS } from '../../db/store.js';
import { ownedHere, ownerGone } from '../../services/runs.js';
import { tempStore } from '../helpers.js';

async function childPid(keep: boolean): Promise<{ pid: number; stop(): void }> {
  const proc = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((r) => proc.once('spawn', r));
  const pid = proc.pid!;
  if (!keep) {
    proc.kill('SIGKILL');
    await new Promise((r) => proc.once('exit', r));
  }
  return { pid, stop: () => proc.kill('SIGKILL') };
}

describe('run records and their owners', () => {
  let t: ReturnType<typeof tempStore> | undefined;
  const stops: Array<() => void> = [];
  afterEach(() => {
    for (const s of stops.splice(0)) s();
    t?.cleanup();
  });

  it('reconciling marks interrupted only the runs whose process is gone (a live `collect` beside a starting daemon keeps its run)', async () => {
    t = tempStore();
    const live = await childPid(true);
    stops.push(live.stop);
    const dead = await childPid(false);
    const open = (owner: { pid: number; started: number }) => SqliteStore.open(t!.path, { owner: { host: hostname(), ...owner } });
    const liveStore = open({ pid: live.pid, started: 1 });
    const deadStore = open({ pid: dead.pid, started: 1 });
    const liveRun = liveStore.startRun('collect:ioda', 'ioda'); // a CLI collect still running
    const deadRun = deadStore.startRun('collect:ioda', 'ioda'); // a collect killed with SIGKILL
    // this very pid, but started at another time: the container's pid 1 before a restart
    const reusedRun = open({ pid: process.pid, started: THIS_PROCESS.started - 60_000 }).startRun('collect:ooni', 'ooni');
    const ownRun = t.store.startRun('collect:radar', 'radar');
    t.store.db.prepare("INSERT INTO runs (job, collector, started_at, status) VALUES ('collect:old', 'ioda', 1, 'running')").run(); // before owners were kept
    const elsewhere = open({ pid: live.pid, started: 1 });
    const otherHost = SqliteStore.open(t.path, { owner: { host: 'another-machine.example', pid: dead.pid, started: 1 } }).startRun(
      'collect:ioda',
      'ioda',
    );

    expect(t.store.markInterruptedRuns(ownerGone)).toBe(3);
    const status = new Map(t.store.recentRuns({ limit: 50 }).map((r) => [r.id, r.status]));
    expect(status.get(liveRun)).toBe('running');
    expect(status.get(ownRun)).toBe('running');
    expect(status.get(otherHost)).toBe('running');
    expect(status.get(deadRun)).toBe('interrupted');
    expect(status.get(reusedRun)).toBe('interrupted');
    expect(t.store.recentRuns({ job: 'collect:old' })[0]!.status).toBe('interrupted');
    expect(t.store.getRun(deadRun)!.error).toMatch(/process that ran it ended/);

    // a stopping daemon marks its own runs, nobody else's
    expect(t.store.markInterruptedRuns(ownedHere, 'interrupted: the daemon stopped')).toBe(1);
    expect(t.store.getRun(ownRun)!.status).toBe('interrupted');
    expect(t.store.getRun(liveRun)!.status).toBe('running');
    for (const s of [liveStore, deadStore, elsewhere]) s.close();
  });
});
