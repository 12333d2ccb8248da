import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../db/store.js';
import { seededRandom, tempDir } from '../../helpers.js';
import { answer, STEPS, valueAt } from './mock.js';

// nock does not cross processes: the child collects from a real local HTTP server serving SYNTHETIC answers (mock.ts).
const child = join(import.meta.dirname, 'child', 'backfill.ts');
const FROM = Date.UTC(2016, 0, 1) / 1000;
const UNTIL = FROM + 200 * 86400; // 200 days: 3 windows per datasource

let server: Server;
let base = '';
let requests = 0;
let onRequest: ((n: number) => void) | null = null;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    onRequest?.(requests);
    const a = answer(req.url ?? '/');
    setTimeout(() => {
      res.writeHead(a?.status ?? 404, { 'content-type': 'application/json' });
      res.end(a?.body ?? '{}');
    }, 5);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function runChild(dbPath: string, killAtRequest: number | null, killDelayMs = 0): Promise<{ killed: boolean; stdout: string }> {
  return new Promise((resolve, reject) => {
    requests = 0;
    const p = spawn(process.execPath, ['--import', 'tsx', child, dbPath, String(FROM), String(UNTIL)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OUTAGEWATCH_IODA_URL: base, LOG_LEVEL: 'silent' },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    onRequest =
      killAtRequest === null
        ? null
        : (n) => {
            if (n === killAtRequest) setTimeout(() => p.kill('SIGKILL'), killDelayMs);
          };
    p.on('exit', (code, signal) => {
      onRequest = null;
      if (signal === 'SIGKILL') resolve({ killed: true, stdout });
      else if (code === 0) resolve({ killed: false, stdout });
      else reject(new Error(`child exited ${code}: ${stderr}`));
    });
  });
}

describe('IODA backfill killed and resumed', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it('after SIGKILL at seeded moments, resuming leaves no gap and no duplicate', async () => {
    const path = join(t.dir, 'kill.db');
    SqliteStore.open(path).close();
    const rand = seededRandom(20160521);
    let kills = 0;
    for (let i = 0; i < 2; i++) {
      const r = await runChild(path, 2 + Math.floor(rand() * 10), Math.floor(rand() * 40));
      if (r.killed) kills++;
    }
    expect(kills).toBeGreaterThan(0);
    const partial = SqliteStore.open(path);
    const before = (partial.db.prepare('SELECT count(*) AS n FROM points').get() as { n: number }).n;
    partial.close();

    const done = await runChild(path, null);
    expect(done.killed).toBe(false);
    const result = JSON.parse(done.stdout.trim().split('\n').at(-1)!) as { failures: unknown[]; coveredUntil: number };
    expect(result.failures).toEqual([]);
    expect(result.coveredUntil).toBe(UNTIL);

    const store = SqliteStore.open(path);
    try {
      const total = (store.db.prepare('SELECT count(*) AS n FROM points').get() as { n: number }).n;
      expect(total).toBeGreaterThan(before);
      const days = (UNTIL - FROM) / 86400;
      for (const s of store.listSignals('country:KZ')) {
        const ds = s.name.replace(/^ioda\./, '').split(':')[0]!;
        const product = s.name.split(':')[1] ?? '';
        const step = STEPS[ds]!;
        const pts = store.readPoints(s.id, FROM, UNTIL);
        // no gap, no duplicate: exactly one point per step, each with the value served
        expect(pts).toHaveLength((days * 86400) / step);
        pts.forEach((p, i) => {
          expect(p.ts).toBe(FROM + i * step);
        });
        expect(pts.every((p) => p.value === valueAt(ds, product, p.ts))).toBe(true);
        expect(store.checkpoints({ collector: 'ioda', signal: s.name })).toMatchObject([{ from: FROM, until: UNTIL, status: 'ok' }]);
      }
      expect(store.recentRuns({ collector: 'ioda' })[0]!.status).toBe('ok');
    } finally {
      store.close();
    }
  }, 60_000);
});
