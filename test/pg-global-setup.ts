/**
 * Vitest globalSetup: one private PostgreSQL cluster for the whole test run (issue 23), so the PostgreSQL tests
 * run against a real server and no mock. When `initdb` is found (PATH, then Debian's /usr/lib/postgresql/N/bin)
 * a cluster is created in a temp folder, as an unprivileged user when the run is root (initdb refuses root),
 * listening on a free loopback port only, with a random password; it is stopped and removed at the end.
 * `OUTAGEWATCH_TEST_PG_URL=postgres://…` uses an existing server instead (a superuser URL).
 *
 * Without PostgreSQL the PostgreSQL tests are skipped, unless `REQUIRE_PG=1` (set by `.ci/run`): then they fail,
 * naming why the cluster could not start. Each test file gets its own database (test/pg.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the test cluster (database `postgres`), or null when there is none. */
    pgAdminUrl: string | null;
    /** Why there is no cluster (null when there is one). */
    pgUnavailable: string | null;
  }
}

/** The folder holding initdb/pg_ctl: PATH first, then the newest Debian /usr/lib/postgresql/N/bin. */
export function findPgBin(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(base, v, 'bin', 'initdb'))) return join(base, v, 'bin');
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface Cluster {
  url: string;
  stop(): Promise<void>;
}

/** uid/gid of `nobody` (to run initdb/pg_ctl as when this process is root). */
function nobody(): { uid: number; gid: number } {
  const uid = Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid <= 0)
    throw new Error('running as root and no user "nobody" to run PostgreSQL as');
  return { uid, gid };
}

/**
 * Folders of earlier runs that were killed (their cluster already stopped with them: no live postmaster), older than
 * 15 minutes so that a run still starting is never touched.
 */
function removeStaleClusters(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('ow-pg-')) continue;
    const dir = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(dir).mtimeMs < 15 * 60_000) continue;
      const pidFile = join(dir, 'data', 'postmaster.pid');
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
        try {
          process.kill(pid, 0);
          continue; // alive
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EPERM') continue;
        }
      }
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* another run removed it */
    }
  }
}

export async function startCluster(bin: string): Promise<Cluster> {
  removeStaleClusters();
  const dir = mkdtempSync(join(tmpdir(), 'ow-pg-'));
  const data = join(dir, 'data');
  const user = 'ow_test';
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  const root = process.getuid?.() === 0;
  let as: string[] = [];
  if (root) {
    const u = nobody();
    chownSync(dir, u.uid, u.gid);
    chownSync(pwfile, u.uid, u.gid);
    chmodSync(dir, 0o700);
    as = [`--reuid=${u.uid}`, `--regid=${u.gid}`, '--clear-groups'];
  }
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync('setpriv', [...as, '--', join(bin, cmd), ...args], { encoding: 'utf8', cwd: dir, env });
    if (r.status !== 0)
      throw new Error(`${cmd} failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr || r.stdout || '').trim().slice(-800)}`);
  };
  const logFile = join(dir, 'server.log');
  let server: ReturnType<typeof spawn> | undefined;
  const stopServer = async () => {
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => server!.once('exit', () => resolve()));
    server.kill('SIGINT'); // fast shutdown
    const timer = setTimeout(() => server?.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    run('initdb', ['-D', data, '-U', user, '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-N', '-E', 'UTF8', '--locale=C']);
    const port = await freePort();
    const log = openSync(logFile, 'a');
    // postgres itself as our child (not daemonised by pg_ctl), with a parent-death signal: when this process dies
    // however it dies (a killed test run), the cluster shuts down too instead of lingering
    server = spawn(
      'setpriv',
      [
        '--pdeathsig=SIGINT',
        ...as,
        '--',
        join(bin, 'postgres'),
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        // a throw-away test cluster: durability off, speed on
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
      ],
      { cwd: dir, env, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    let spawnError: Error | null = null;
    server.once('error', (err) => {
      spawnError = err;
    });
    const url = `postgres://${user}:${password}@127.0.0.1:${port}/postgres`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (spawnError) throw new Error(`setpriv/postgres could not start: ${(spawnError as Error).message}`);
      if (server.exitCode !== null) throw new Error(`postgres exited (${server.exitCode}) while starting`);
      const c = new pg.Client({ connectionString: url });
      try {
        await c.connect();
        await c.end();
        break;
      } catch (err) {
        await c.end().catch(() => {});
        if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 60 s: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return {
      url,
      async stop() {
        try {
          await stopServer();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    const tail = existsSync(logFile) ? `\n${readFileSync(logFile, 'utf8').slice(-800)}` : '';
    await stopServer();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}${tail}`);
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void> | void> {
  const given = process.env.OUTAGEWATCH_TEST_PG_URL;
  if (given) {
    project.provide('pgAdminUrl', given);
    project.provide('pgUnavailable', null);
    return () => {};
  }
  const bin = findPgBin();
  if (!bin) {
    project.provide('pgAdminUrl', null);
    project.provide('pgUnavailable', 'initdb/pg_ctl not found (PATH, /usr/lib/postgresql/N/bin); install postgresql-15');
    return () => {};
  }
  let cluster: Cluster;
  try {
    cluster = await startCluster(bin);
  } catch (err) {
    project.provide('pgAdminUrl', null);
    project.provide('pgUnavailable', `the test cluster did not start: ${(err as Error).message}`);
    return () => {};
  }
  project.provide('pgAdminUrl', cluster.url);
  project.provide('pgUnavailable', null);
  return () => cluster.stop();
}
