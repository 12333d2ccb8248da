// Read-only commands on a database file this user may not write (issue 19, item 10): a file shared chmod 444,
// another user's file, a backup on read-only storage. Root ignores file modes, so when the tests run as root the
// CLI runs as user nobody (65534); otherwise the modes alone make the file read-only.
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { upsertEvent } from '../../../db/calendar.js';
import { loadMigrations, migrate } from '../../../db/migrate.js';
import { openDb } from '../../../db/connection.js';
import { SqliteStore } from '../../../db/store.js';
import { packageRoot } from '../../../core/package-root.js';
import { tempDir } from '../../helpers.js';
import { OFFLINE_SOURCES_ENV } from '../../offline-env.js';

const cli = join(packageRoot(), 'services', 'cli.ts');
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * The Node binary the CLI runs on. As root the CLI runs as nobody, who must be able to execute the binary: a Node
 * kept in a private folder (root's nvm under /root, or CI's second Node line in a mktemp folder) is copied to a
 * folder anyone may enter, so the test runs on the same Node version instead of failing to start the child.
 */
const nodeBinary: string = (() => {
  if (!asRoot) return process.execPath;
  const othersMayRun = (path: string): boolean => {
    for (let p = dirname(path); ; p = dirname(p)) {
      if ((statSync(p).mode & 0o001) === 0) return false;
      if (p === dirname(p)) break;
    }
    return (statSync(path).mode & 0o001) !== 0;
  };
  if (othersMayRun(process.execPath)) return process.execPath;
  const dir = mkdtempSync(join(tmpdir(), 'ow-node-'));
  chmodSync(dir, 0o755);
  const copy = join(dir, 'node');
  copyFileSync(process.execPath, copy);
  chmodSync(copy, 0o755);
  return copy;
})();

afterAll(() => {
  if (nodeBinary !== process.execPath) rmSync(dirname(nodeBinary), { recursive: true, force: true });
});

/** A child's exit code, or the spawn failure itself (never a promise that waits forever). */
function exitOf(proc: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    proc.on('exit', (code) => resolve(code));
    proc.on('error', (err) => reject(err));
  });
}

function run(args: string[], db: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(nodeBinary, ['--import', 'tsx', cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...OFFLINE_SOURCES_ENV, OUTAGEWATCH_DB: db, LOG_LEVEL: 'warn', HOME: '/tmp' },
    cwd: packageRoot(),
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return exitOf(proc).then((code) => ({ code, stdout, stderr }));
}

const DAY = 86400;
const T0 = Date.UTC(2022, 0, 5) / 1000;

/** A database with one event, one signal and one outage-free window, its folder readable (not writable) by others. */
function makeDb(dir: string, opts: { journal: 'wal' | 'delete'; schemaBehind?: number }): string {
  const path = join(dir, 'ow.db');
  if (opts.schemaBehind) {
    const db = openDb(path);
    migrate(db, loadMigrations().slice(0, -opts.schemaBehind));
    db.pragma(`journal_mode = ${opts.journal}`);
    db.close();
  } else {
    const store = SqliteStore.open(path);
    upsertEvent(
      store.db,
      {
        id: 'kz-2022-01-05-protests',
        title: 'Protests',
        country: 'KZ',
        places: [],
        start: T0,
        end: T0 + DAY,
        tz: 'Asia/Almaty',
        allDay: true,
        kind: 'protest',
        sources: [],
        notes: null,
        tags: [],
        origin: 'manual',
        originFile: null,
        originLine: null,
      },
      T0,
    );
    store.writeWindow({
      collector: 'ioda',
      entity: 'country:KZ',
      from: T0 - DAY,
      until: T0 + DAY,
      series: [
        {
          signal: { name: 'ioda.bgp', unit: 'prefixes' },
          points: [
            [T0 - DAY, 100],
            [T0, 99],
          ],
        },
      ],
    });
    store.db.pragma(`journal_mode = ${opts.journal}`);
    store.close();
  }
  chmodSync(path, 0o444);
  chmodSync(dir, 0o555);
  return path;
}

let t: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  if (t) {
    chmodSync(t.dir, 0o755);
    t.cleanup();
  }
  t = undefined;
});

describe('read-only commands on a read-only database', { timeout: 180_000 }, () => {
  it('status, calendar list, outages and a report to a writable folder work; nothing is written beside the file; a write is refused naming the file', async () => {
    t = tempDir('ow-ro-');
    const db = makeDb(t.dir, { journal: 'delete' });
    const o = tempDir('ow-ro-out-');
    const out = o.dir;
    chmodSync(out, 0o777);
    try {
      const status = await run(['status', '--json'], db);
      expect(status.stderr).not.toMatch(/read-only/);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toHaveProperty('status');
      const list = await run(['calendar', 'list', '--country', 'KZ'], db);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toContain('kz-2022-01-05-protests');
      const outages = await run(['outages', '--country', 'KZ'], db);
      expect(outages.code, outages.stderr).toBe(0);
      const report = await run(['report', '--event', 'kz-2022-01-05-protests', '--format', 'md', '--out', out], db);
      expect(report.code, report.stderr).toBe(0);
      expect(readdirSync(out).some((f) => f.endsWith('.md'))).toBe(true);
      // nothing was created beside the database (no journal, no WAL)
      expect(readdirSync(t.dir)).toEqual(['ow.db']);
      const remove = await run(['calendar', 'remove', 'kz-2022-01-05-protests'], db);
      expect(remove.code).not.toBe(0);
      expect(remove.stderr).toContain(`${db} is read-only`);
    } finally {
      o.cleanup();
    }
  });

  it('start --no-collect serves the dashboard and the API from a read-only database; nothing is created beside it', async () => {
    t = tempDir('ow-ro-');
    const db = makeDb(t.dir, { journal: 'delete' });
    const proc = spawn(nodeBinary, ['--import', 'tsx', cli, 'start', '--no-collect', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...OFFLINE_SOURCES_ENV, OUTAGEWATCH_DB: db, LOG_LEVEL: 'info', HOME: '/tmp' },
      cwd: packageRoot(),
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let stdout = '';
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = exitOf(proc);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        proc.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const m = /dashboard at (http:\/\/\S+)/.exec(stdout);
          if (m) resolve(m[1]!.replace(/\/$/, ''));
        });
        void exited.then((code) => reject(new Error(`the daemon exited (${code}) before serving: ${stderr}`)));
      });
      const health = await fetch(`${url}/api/health`);
      expect(health.status, stderr).toBe(200);
      const events = await fetch(`${url}/api/events?country=KZ`);
      expect(events.status).toBe(200);
      expect(await events.text()).toContain('kz-2022-01-05-protests');
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      // the log says why there is no lock and that it serves read-only
      expect(stderr).toContain('cannot write the lock file');
      expect(stderr).toContain('the database is read-only here');
      // no lock file, no journal, no WAL, nothing migrated
      expect(readdirSync(t.dir)).toEqual(['ow.db']);
    } finally {
      proc.kill('SIGTERM');
      await exited;
    }
    expect(readdirSync(t.dir)).toEqual(['ow.db']);
  });

  it('a read-only database whose schema is older names the migration it needs', async () => {
    t = tempDir('ow-ro-');
    const db = makeDb(t.dir, { journal: 'delete', schemaBehind: 1 });
    const last = loadMigrations().at(-1)!;
    const r = await run(['status'], db);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`database ${db} is read-only and needs migration ${last.name}`);
    expect(r.stderr).toContain('outagewatch db migrate');
    // the daemon serving it does not migrate it either: it refuses to start, saying why
    const start = await run(['start', '--no-collect', '--port', '0'], db);
    expect(start.code).not.toBe(0);
    expect(start.stderr).toContain(`database ${db} is read-only and needs migration ${last.name}`);
    expect(readdirSync(t.dir)).toEqual(['ow.db']);
  });

  it('a WAL database in a folder this user cannot write says why it cannot be read and what to do', async () => {
    t = tempDir('ow-ro-');
    const db = makeDb(t.dir, { journal: 'wal' });
    expect(existsSync(`${db}-wal`)).toBe(false);
    const r = await run(['calendar', 'list'], db);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`its folder ${t.dir} is not writable`);
    expect(r.stderr).toContain('PRAGMA journal_mode=DELETE');
  });
});
