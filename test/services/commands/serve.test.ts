import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPointStore } from '../../../db/open.js';
import type { PointStore } from '../../../db/repository.js';
import { SqliteStore, type PointTuple } from '../../../db/store.js';
import { upsertEvent } from '../../../db/calendar.js';
import { parseSeed, readSeedText } from '../../../services/calendar/seed.js';
import { packageRoot } from '../../../core/package-root.js';
import { lockPathFor } from '../../../services/lock.js';
import { LAND_PROTESTS } from '../../dashboards/api/fixture.js';
import { tempDir } from '../../helpers.js';
import { OFFLINE_SOURCES_ENV } from '../../offline-env.js';
import { usePostgres } from '../../pg.js';

// `outagewatch serve` (issue 23 item 4): dashboards and API only, as many processes as you like on one database.
// Real processes of the CLI on a real PostgreSQL (the suite's cluster) and on one SQLite file.

const cli = join(packageRoot(), 'services', 'cli.ts');
const pgt = usePostgres({ database: false });
const t = tempDir();
afterAll(() => t.cleanup());

const D20 = Date.UTC(2016, 4, 20) / 1000;
const TOKEN = 'serve-test-admin-token-0123456789';

/** `POST /api/events` with the admin token: a protest day a researcher adds by hand. */
function addEvent(base: string): Promise<Response> {
  return fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(LAND_PROTESTS),
  });
}

interface Serving {
  url: string;
  stop(): Promise<{ code: number | null; stderr: string }>;
}

function serve(db: string): Promise<Serving> {
  const proc = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', '--port', '0', '--db', db], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info', ...OFFLINE_SOURCES_ENV, OUTAGEWATCH_ADMIN_TOKEN: TOKEN },
    cwd: packageRoot(),
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => proc.on('exit', (code) => resolve({ code, stderr })));
  return new Promise<Serving>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /dashboard and API at (http:\/\/\S+)/.exec(stdout);
      if (m) {
        clearInterval(timer);
        resolve({
          url: m[1]!,
          stop: () => {
            proc.kill('SIGTERM');
            return exited;
          },
        });
      }
    }, 50);
    void exited.then((e) => {
      clearInterval(timer);
      reject(new Error(`serve exited early (${e.code}): ${e.stderr}`));
    });
  });
}

/** A stop that must end within `ms` (a process that stays alive after SIGTERM fails here, not at the test's timeout). */
function stoppedWithin<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still running ${ms} ms after SIGTERM`)), ms).unref()),
  ]);
}

async function seed(s: PointStore): Promise<void> {
  const pts: PointTuple[] = [];
  for (let ts = D20; ts < D20 + 86400; ts += 300) pts.push([ts, 1000 + ((ts / 300) % 5)]);
  await s.writeWindow({
    collector: 'ioda',
    entity: 'country:KZ',
    from: D20,
    until: D20 + 86400,
    series: [{ signal: { name: 'ioda.bgp', step: 300 }, points: pts }],
  });
}

async function getJson(url: string): Promise<{ status: number; body: unknown; total: string | null }> {
  const r = await fetch(url);
  return { status: r.status, body: await r.json(), total: r.headers.get('x-total-count') };
}

async function sameAnswers(a: Serving, b: Serving): Promise<void> {
  for (const path of [
    '/api/entities',
    `/api/signals?entity=country:KZ&from=${D20}&until=${D20 + 86400}&resolution=hourly`,
    '/api/sources',
  ]) {
    const [x, y] = await Promise.all([getJson(a.url + path), getJson(b.url + path)]);
    expect(x.status, path).toBe(200);
    expect(y.body, path).toEqual(x.body);
  }
  const e = (await getJson(`${a.url}/api/entities`)).body as Array<{ entity: string; signals: Array<{ first: string }> }>;
  expect(e.map((x) => x.entity)).toEqual(['country:KZ']);
  expect(e[0]!.signals[0]!.first).toBe('2016-05-20T00:00:00Z');
}

describe.skipIf(!pgt.enabled)('outagewatch serve on PostgreSQL', () => {
  it('two processes start at once on a fresh database (one migrates, under the lock), both answer with the same data, one serves what the other wrote, both stop on SIGTERM', async () => {
    const url = await pgt.createDatabase();
    const [a, b] = await Promise.all([serve(url), serve(url)]);
    try {
      const store = await openPointStore(url);
      try {
        await seed(store);
      } finally {
        await store.close();
      }
      for (const s of [a, b]) {
        const h = await getJson(`${s.url}/api/health`);
        expect(h.status).toBe(200);
        expect(h.body).toMatchObject({ database: { backend: 'postgres', engine: expect.stringMatching(/^PostgreSQL 1[5-9]\.\d+/) } });
      }
      await sameAnswers(a, b);
      // the dashboard's writes: one process adds an event, the other serves it; the same again is a conflict there
      const created = await addEvent(a.url);
      expect(created.status, await created.clone().text()).toBe(201);
      const id = ((await created.json()) as { id: string }).id;
      expect((await getJson(`${b.url}/api/events/${id}`)).status).toBe(200);
      expect((await addEvent(b.url)).status).toBe(409);
    } finally {
      const [ea, eb] = await Promise.all([a.stop(), b.stop()]);
      expect(ea.code, ea.stderr).toBe(0);
      expect(eb.code, eb.stderr).toBe(0);
    }
  }, 120_000);
});

describe('outagewatch serve on SQLite', () => {
  it('two processes serve one file with the same data and take no daemon lock, refuse dashboard writes naming the daemon (503); a missing file is named (exit 1)', async () => {
    const db = join(t.dir, 'served.db');
    const store = await openPointStore(db);
    await seed(store);
    await store.close();
    // the land reform protests, so that the country page computes a correlation (in the correlation worker)
    const sqlite = SqliteStore.open(db);
    upsertEvent(
      sqlite.db,
      parseSeed(readSeedText()).find((e) => e.id === 'kz-2016-05-21-land-protests')!,
      0,
    );
    sqlite.close();
    const [a, b] = await Promise.all([serve(db), serve(db)]);
    try {
      expect(existsSync(lockPathFor(db))).toBe(false);
      const h = (await getJson(`${a.url}/api/health`)).body as { database: { backend: string; path: string } };
      expect(h.database).toMatchObject({ backend: 'sqlite', path: db });
      await sameAnswers(a, b);
      // one writer per SQLite file (the daemon): `serve` refuses the dashboard's writes and says why
      const refused = await addEvent(a.url);
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('`outagewatch start`');
      // a country page: its correlation is computed in the worker thread, which must not keep the process alive after
      // SIGTERM (it did: the server stopped, the process stayed)
      expect((await fetch(`${a.url}/countries/KZ`)).status).toBe(200);
    } finally {
      const [ea, eb] = await Promise.all([stoppedWithin(a.stop(), 20_000), stoppedWithin(b.stop(), 20_000)]);
      expect(ea.code, ea.stderr).toBe(0);
      expect(eb.code, eb.stderr).toBe(0);
    }
    const missing = join(t.dir, 'nope', 'missing.db');
    await expect(serve(missing)).rejects.toThrow(/exited early \(1\).*missing\.db/s);
    expect(existsSync(join(t.dir, 'nope'))).toBe(false);
  }, 120_000);
});
