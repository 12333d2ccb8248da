import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProtestEvent } from '../../core/calendar.js';
import { packageRoot } from '../../core/package-root.js';
import { openRepositories } from '../../db/open.js';
import { answer } from '../collectors/ioda/mock.js';
import { OFFLINE_SOURCES_ENV } from '../offline-env.js';
import { usePostgres } from '../pg.js';

/**
 * `outagewatch start --no-dashboard` on PostgreSQL (issue 23): the daemon's scheduled collection, planned from the
 * calendar in PostgreSQL, writing there. IODA is a local stand-in serving SYNTHETIC values in IODA's documented
 * shapes (test/collectors/ioda/mock.ts); every other source points at a closed port (their failures are expected).
 */
const pg = usePostgres();
const cli = join(packageRoot(), 'services', 'cli.ts');

describe.skipIf(!pg.enabled)('start --no-dashboard on PostgreSQL', () => {
  let server: Server;
  let base = '';
  let requests = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      const a = answer(req.url ?? '/');
      res.writeHead(a?.status ?? 404, { 'content-type': 'application/json' });
      res.end(a?.body ?? '{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('collects what the calendar asks for into PostgreSQL, seeds the calendar, detects after collecting, and stops cleanly on SIGTERM', async () => {
    const db = pg.url();
    const now = Math.floor(Date.now() / 1000);
    const start = Math.floor((now - 3 * 86400) / 86400) * 86400;
    const repos = await openRepositories(db);
    const ev: ProtestEvent = {
      id: 'kz-test-protest',
      title: 'a protest day (test event)',
      country: 'KZ',
      places: [],
      start,
      end: start + 86400,
      tz: 'UTC',
      allDay: true,
      kind: 'protest',
      sources: ['https://example.org/'],
      notes: null,
      tags: [],
      origin: 'manual',
      originFile: null,
      originLine: null,
    };
    await repos.calendar.upsertEvent(ev, now);

    const proc = spawn(process.execPath, ['--import', 'tsx', cli, 'start', '--no-dashboard', '--db', db], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...OFFLINE_SOURCES_ENV, OUTAGEWATCH_IODA_URL: base, LOG_LEVEL: 'info' },
      cwd: packageRoot(),
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.on('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      // IODA data for the event's country lands in PostgreSQL
      const deadline = Date.now() + 90_000;
      let points = 0;
      while (Date.now() < deadline) {
        const sig = (await repos.points.listSignals('country:KZ')).find((s) => s.name === 'ioda.bgp');
        if (sig) points = (await repos.points.readPoints(sig.id, start, start + 86400)).length;
        if (points > 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(points, stderr).toBe(288);
      expect(requests).toBeGreaterThan(0);
      expect(stdout).toMatch(/^outagewatch postgres:\/\/\S+ — scheduler only$/m);
      const password = decodeURIComponent(new URL(db).password);
      if (password) expect(stdout + stderr).not.toContain(password); // never shown
      // as on SQLite: the calendar seed loaded at start, detection (and alerts) after the collection
      expect(await repos.calendar.countEvents('seed')).toBeGreaterThan(0);
      let detected = null;
      while (!detected && Date.now() < deadline) {
        detected = await repos.detection.detectionState('country:KZ');
        if (!detected) await new Promise((r) => setTimeout(r, 500));
      }
      expect(detected?.detectedUntil, stderr).toBeGreaterThanOrEqual(start + 86400);
      expect(stderr).not.toMatch(/scheduled collection only|after-collect hook failed|startup task failed/);
    } finally {
      proc.kill('SIGTERM');
    }
    const e = await exited;
    expect(e, stderr).toEqual({ code: 0, signal: null });
    // nothing left `running` by the stopped daemon
    const runs = await repos.points.recentRuns({ limit: 100 });
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.filter((r) => r.status === 'running')).toEqual([]);
    await repos.close();
  }, 150_000);

  it('start --no-collect serves the dashboard and API from PostgreSQL (as `serve` does) and stops on SIGTERM', async () => {
    const db = pg.url();
    const proc = spawn(process.execPath, ['--import', 'tsx', cli, 'start', '--no-collect', '--port', '0', '--db', db], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...OFFLINE_SOURCES_ENV, LOG_LEVEL: 'warn' },
      cwd: packageRoot(),
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.on('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      const deadline = Date.now() + 60_000;
      let url: string | null = null;
      while (!url && Date.now() < deadline) {
        url = /dashboard at (http:\/\/\S+)/.exec(stdout)?.[1] ?? null;
        if (!url) await new Promise((r) => setTimeout(r, 200));
      }
      expect(url, stderr).not.toBeNull();
      const res = await fetch(`${url}/api/health`);
      const body = (await res.json()) as { database?: { backend?: string } };
      expect(body.database?.backend).toBe('postgres');
    } finally {
      proc.kill('SIGTERM');
    }
    expect(await exited, stderr).toEqual({ code: 0, signal: null });
  }, 90_000);
});
