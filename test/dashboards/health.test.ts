import { closeSync, openSync, writeSync } from 'node:fs';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Collector } from '../../collectors/types.js';
import { createApp } from '../../dashboards/app.js';
import { SqliteStore } from '../../db/store.js';
import { loadConfig } from '../../services/program-config.js';
import { silentLogger } from '../../core/logger.js';
import { tempStore } from '../helpers.js';

function fakeCollector(name: string): Collector {
  return {
    name,
    describe: () => `${name} test collector`,
    enabled: () => true,
    disabledReason: () => null,
    signals: () => ['ioda.bgp'],
    collect: async () => ({ points: 0, events: 0, coveredUntil: null, windowsOk: 0, windowsFailed: 0, failures: [] }),
  };
}

const NOW = 1463788800;
const STEP = 300;

/** A store holding 20 000 five-minute points (a few hundred pages), checkpointed so nothing stays in the WAL. */
function filledStore() {
  const t = tempStore();
  const pts: Array<[number, number]> = [];
  for (let i = 0; i < 20_000; i++) pts.push([NOW - 20_000 * STEP + i * STEP, 1000 + (i % 97)]);
  t.store.writeWindow({
    collector: 'ioda',
    entity: 'country:KZ',
    from: NOW - 20_000 * STEP,
    until: NOW,
    series: [{ signal: { name: 'ioda.bgp', step: STEP }, points: pts }],
  });
  t.store.db.pragma('wal_checkpoint(TRUNCATE)');
  return t;
}

function overwrite(path: string, offset: number, bytes: number, fill: number): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(bytes, fill), 0, bytes, offset);
  closeSync(fd);
}

describe('/api/health tells the truth', () => {
  let t: ReturnType<typeof tempStore> | undefined;
  let extra: SqliteStore | undefined;
  afterEach(() => {
    extra?.close();
    extra = undefined;
    t?.cleanup();
    t = undefined;
  });

  const appFor = (store: SqliteStore, path: string) =>
    createApp({
      config: loadConfig({ env: {}, cwd: '/', flags: { db: path } }),
      store,
      collectors: [fakeCollector('ioda')],
      log: silentLogger,
      version: '1.0.0',
      now: () => NOW,
    });

  it("is ok while the latest runs succeed, and degraded (naming the collector and its error) when a collector's latest run failed", async () => {
    t = tempStore();
    const a = appFor(t.store, t.path);
    const ok = t.store.startRun('collect:ioda', 'ioda');
    t.store.finishRun(ok, { status: 'ok', rows: 10 });
    const first = await request(a).get('/api/health').expect(200);
    expect(first.body).toMatchObject({ status: 'ok', reasons: [] });
    // the backend and its version are named (issue 23: SQLite or PostgreSQL)
    expect(first.body.database.backend).toBe('sqlite');
    expect(first.body.database.engine).toMatch(/^SQLite 3\.\d+\.\d+$/);
    const bad = t.store.startRun('collect:ioda', 'ioda');
    t.store.finishRun(bad, { status: 'failed', error: 'http://127.0.0.1:9/ioda: network error ECONNREFUSED' });
    const res = await request(a).get('/api/health').expect(200);
    expect(res.body.status).toBe('degraded');
    expect(res.body.reasons).toHaveLength(1);
    expect(res.body.reasons[0]).toContain('collector ioda');
    expect(res.body.reasons[0]).toContain('ECONNREFUSED');
    const page = await request(a).get('/status').expect(200);
    expect(page.text).toContain('degraded');
    expect(page.text).toContain(`(${first.body.database.engine as string}, `);
    const again = t.store.startRun('collect:ioda', 'ioda');
    t.store.finishRun(again, { status: 'ok', rows: 1 });
    expect((await request(a).get('/api/health').expect(200)).body.status).toBe('ok');
  });

  it("a damaged file (pages of the points table overwritten) is degraded with the quick check's finding, never ok", async () => {
    // stands for a database file damaged on disk (the hostile probe's case: /api/signals answered 500 while health said ok)
    t = filledStore();
    t.store.close();
    overwrite(t.path, 4096 * 90, 4096 * 10, 0x5a);
    extra = SqliteStore.open(t.path, { readonly: true });
    const a = appFor(extra, t.path);
    const res = await request(a).get('/api/health').expect(200);
    expect(res.body.status).toBe('degraded');
    expect(res.body.reasons.join('\n')).toMatch(/quick check/);
    const signals = await request(a)
      .get('/api/signals')
      .query({ entity: 'country:KZ', signal: 'ioda.bgp', from: NOW - 20_000 * STEP, until: NOW, resolution: 'raw' });
    expect(signals.status).toBe(500);
    const after = await request(a).get('/api/health').expect(200);
    expect(after.body.status).toBe('degraded');
    expect(after.body.reasons.join('\n')).toMatch(/SQLITE_CORRUPT answering \/api\/signals/);
  });

  it('is down with HTTP 503 when the database cannot be read', async () => {
    t = filledStore();
    const a = appFor(t.store, t.path);
    expect((await request(a).get('/api/health').expect(200)).body.status).toBe('ok');
    t.store.close();
    const res = await request(a).get('/api/health').expect(503);
    expect(res.body.status).toBe('down');
    expect(res.body.reasons[0]).toContain(t.path);
    await request(a).get('/status').expect(503);
  });
});
