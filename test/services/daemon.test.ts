import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../services/util/package-root.js';
import { tempDir } from '../helpers.js';
import { OFFLINE_SOURCES_ENV } from '../offline-env.js';

const cli = join(packageRoot(), 'services', 'cli.ts');

interface Started {
  proc: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function run(args: string[], env: Record<string, string> = {}) {
  const proc = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info', ...OFFLINE_SOURCES_ENV, ...env }, cwd: packageRoot() });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, stderr, stdout })));
  return { proc, exited, stdout: () => stdout };
}

async function start(db: string): Promise<Started> {
  const r = run(['start', '--port', '0', '--db', db]);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /dashboard at (http:\/\/\S+)/.exec(r.stdout());
      if (m) {
        clearInterval(timer);
        resolve(m[1]!);
      }
    }, 50);
    void r.exited.then((e) => {
      clearInterval(timer);
      reject(new Error(`daemon exited early (${e.code}): ${e.stderr}`));
    });
  });
  return { proc: r.proc, url, exited: r.exited };
}

describe('daemon', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it('serves /api/health on port 0, refuses a second daemon on the same database, and stops on SIGTERM within 10 s', async () => {
    const db = join(t.dir, 'd.db');
    const d = await start(db);
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${d.url}/api/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; database: { path: string; schemaVersion: number } };
    expect(body.status).toBe('ok');
    expect(body.database.path).toBe(db);
    expect(body.database.schemaVersion).toBeGreaterThanOrEqual(1);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');

    const second = run(['start', '--port', '0', '--db', db]);
    const e2 = await second.exited;
    expect(e2.code).toBe(1);
    expect(e2.stderr).toMatch(/another outagewatch daemon \(pid \d+\) is already running on this database/);

    const t0 = Date.now();
    d.proc.kill('SIGTERM');
    const e = await d.exited;
    expect(e.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(existsSync(`${db}.lock`)).toBe(false);
  }, 60_000);

  it('creates the database folder on first start (npm start on a fresh clone)', async () => {
    const db = join(t.dir, 'fresh', 'data', 'outagewatch.db');
    const d = await start(db);
    expect((await fetch(`${d.url}/api/health`)).status).toBe(200);
    expect(existsSync(db)).toBe(true);
    d.proc.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);
  }, 60_000);

  it('a daemon killed with SIGKILL leaves no lock that blocks the next start', async () => {
    const db = join(t.dir, 'k.db');
    const d = await start(db);
    d.proc.kill('SIGKILL');
    await d.exited;
    expect(existsSync(`${db}.lock`)).toBe(true); // stale lock left behind…
    const again = await start(db); // …and taken over
    const res = await fetch(`${again.url}/api/health`);
    expect(res.status).toBe(200);
    again.proc.kill('SIGINT');
    expect((await again.exited).code).toBe(0);
  }, 60_000);
});
