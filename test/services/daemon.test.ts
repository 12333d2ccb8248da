import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../services/cli.js';
import { loadConfig } from '../../services/program-config.js';
import { startDaemon } from '../../services/daemon.js';
import { silentLogger } from '../../core/logger.js';
import { SqliteStore } from '../../db/store.js';
import { buildReportFixture } from './report/fixture.js';
import { packageRoot } from '../../core/package-root.js';
import { tempDir } from '../helpers.js';
import { OFFLINE_SOURCES_ENV } from '../offline-env.js';

const cli = join(packageRoot(), 'services', 'cli.ts');

interface Started {
  proc: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function run(args: string[], env: Record<string, string> = {}) {
  const proc = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info', ...OFFLINE_SOURCES_ENV, ...env },
    cwd: packageRoot(),
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal, stderr, stdout })),
  );
  return { proc, exited, stdout: () => stdout };
}

async function start(db: string, env: Record<string, string> = {}): Promise<Started> {
  const r = run(['start', '--port', '0', '--db', db], env);
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
    expect(['ok', 'degraded'], 'sources point at a closed port, so a failed first run may already show').toContain(body.status);
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

  it('a taken port fails fast naming --port and OUTAGEWATCH_PORT, before any database is created or seeded', async () => {
    const other = createServer();
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const port = (other.address() as AddressInfo).port;
    try {
      const db = join(t.dir, 'taken', 'outagewatch.db');
      let err = '';
      const io = {
        stdout: { write: () => true } as unknown as NodeJS.WritableStream,
        stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
      };
      const code = await main(['--log-level', 'silent', 'start', '--port', String(port), '--db', db], io);
      expect(code).toBe(1);
      expect(err).toContain(`port ${port} on 127.0.0.1 is already in use (EADDRINUSE)`);
      expect(err).toContain('--port');
      expect(err).toContain('OUTAGEWATCH_PORT');
      expect(existsSync(db), 'no database created').toBe(false);
      expect(existsSync(join(t.dir, 'taken')), 'not even its folder').toBe(false);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });

  it('writes at start the reports of event windows that closed while it was not running', async () => {
    const db = join(t.dir, 'reports-at-start', 'outagewatch.db');
    const seed = SqliteStore.open(db);
    buildReportFixture(seed); // a 2016 event with data: its window closed long ago
    seed.close();
    const config = loadConfig({
      env: {},
      cwd: t.dir,
      flags: {
        db,
        'calendar.seedOnStart': false,
        'sources.ioda.enabled': false,
        'sources.ooni.enabled': false,
        'sources.ripestat.enabled': false,
        'sources.radar.enabled': false,
      },
    });
    const daemon = await startDaemon({ config, log: silentLogger, dashboard: false });
    try {
      const report = join(t.dir, 'reports-at-start', 'reports', 'kz-2016-05-21-test.html');
      const deadline = Date.now() + 20_000;
      while (!existsSync(report) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(report), 'report written at start, not at the next hourly tick').toBe(true);
    } finally {
      await daemon.stop();
    }
  }, 40_000);

  it('SIGTERM during an API-started collection: exits within 10 s, sends nothing to the source after stopping, marks the runs interrupted', async () => {
    // A local stand-in for IODA that is down (503 after a short delay), the case where the client retries with backoff:
    // before the fix the API-started collection ignored the stop, kept retrying for about a minute and crashed in finishRun.
    const hits: number[] = [];
    const source = createServer((_req, res) => {
      hits.push(Date.now());
      setTimeout(() => res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}'), 200);
    });
    await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
    const port = (source.address() as AddressInfo).port;
    try {
      const db = join(t.dir, 'api-stop.db');
      const token = 'a-test-admin-token-0123456789';
      const d = await start(db, { OUTAGEWATCH_IODA_URL: `http://127.0.0.1:${port}/v2`, OUTAGEWATCH_ADMIN_TOKEN: token });
      const res = await fetch(`${d.url}/api/collect`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'ioda', entity: 'country:KZ', from: '2016-05-01', until: '2016-05-31' }),
      });
      expect(res.status).toBe(202);
      const deadline = Date.now() + 15_000;
      while (hits.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(hits.length).toBeGreaterThanOrEqual(2);
      const t0 = Date.now();
      d.proc.kill('SIGTERM');
      let stoppedAt = 0;
      while (!stoppedAt && Date.now() - t0 < 15_000) {
        if (!existsSync(`${db}.lock`)) stoppedAt = Date.now();
        else await new Promise((r) => setTimeout(r, 20));
      }
      const e = await Promise.race([d.exited, new Promise<null>((r) => setTimeout(() => r(null), 12_000))]);
      if (e === null) d.proc.kill('SIGKILL');
      expect(e, 'exited within 12 s of SIGTERM').not.toBeNull();
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(e!.code, e!.stderr).toBe(0);
      expect(e!.stderr).not.toContain('database connection is not open');
      await new Promise((r) => setTimeout(r, 1500));
      expect(
        hits.filter((h) => h > stoppedAt),
        'requests to the source after the daemon said it stopped',
      ).toEqual([]);
      const store = SqliteStore.open(db, { readonly: true });
      try {
        const runs = store.recentRuns({ limit: 100 });
        expect(runs.filter((r) => r.status === 'running')).toEqual([]);
        expect(runs.find((r) => r.job === 'api-collect:ioda')?.status).toBe('interrupted');
      } finally {
        store.close();
      }
    } finally {
      source.close();
    }
  }, 60_000);
});
