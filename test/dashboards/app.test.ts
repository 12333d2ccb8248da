import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../dashboards/app.js';
import type { Collector } from '../../collectors/types.js';
import { loadConfig } from '../../services/program-config.js';
import { silentLogger } from '../../core/logger.js';
import { tempStore } from '../helpers.js';

function fakeCollector(name: string, enabled = true): Collector {
  return {
    name,
    describe: () => `${name} <b>test</b> collector`,
    enabled: () => enabled,
    disabledReason: () => (enabled ? null : 'no token configured (OUTAGEWATCH_RADAR_TOKEN)'),
    signals: () => [],
    collect: async () => ({ points: 0, events: 0, coveredUntil: null, windowsOk: 0, windowsFailed: 0, failures: [] }),
  };
}

describe('dashboard shell', () => {
  let t: ReturnType<typeof tempStore>;
  afterEach(() => t?.cleanup());

  function app() {
    t = tempStore();
    const config = loadConfig({ env: {}, cwd: t.dir, flags: { db: t.path } });
    return createApp({
      config,
      store: t.store,
      collectors: [fakeCollector('ioda'), fakeCollector('radar', false)],
      log: silentLogger,
      version: '9.9.9',
      now: () => 1463788800,
    });
  }

  it('GET /api/health reports version, database and per-collector state', async () => {
    const a = app();
    const id = t.store.startRun('collect:ioda', 'ioda');
    t.store.finishRun(id, { status: 'failed', error: 'connect ECONNREFUSED api.ioda' });
    const res = await request(a).get('/api/health').expect(200).expect('content-type', /json/);
    expect(res.body).toMatchObject({
      status: 'degraded',
      version: '9.9.9',
      time: '2016-05-21T00:00:00Z',
      database: { path: t.path, schemaVersion: expect.any(Number) },
    });
    expect(res.body.database.sizeBytes).toBeGreaterThan(0);
    const [ioda, radar] = res.body.collectors;
    expect(ioda).toMatchObject({
      name: 'ioda',
      state: 'failing',
      lastSuccessAt: null,
      lastError: { message: 'connect ECONNREFUSED api.ioda' },
    });
    expect(radar).toMatchObject({ name: 'radar', state: 'disabled', disabledReason: 'no token configured (OUTAGEWATCH_RADAR_TOKEN)' });
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('a collector whose runs keep failing shows "failing since …, last error …", also while its next run is under way (offline)', async () => {
    const a = app();
    for (const err of ['getaddrinfo ENOTFOUND api.ioda', 'connect ECONNREFUSED api.ioda']) {
      const id = t.store.startRun('collect:ioda', 'ioda');
      t.store.finishRun(id, { status: 'failed', error: err });
    }
    t.store.startRun('collect:ioda', 'ioda'); // the next attempt, still running
    const res = await request(a).get('/api/health').expect(200);
    const ioda = res.body.collectors[0];
    expect(ioda.state).toBe('failing');
    expect(ioda.failingSince).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(ioda.lastError.message).toBe('connect ECONNREFUSED api.ioda');
    const page = await request(a).get('/sources').expect(200);
    expect(page.text).toMatch(
      /class="state-failing">failing<br><span class="error-text">failing since [^<]*(<[^>]+>[^<]*)*; last error: connect ECONNREFUSED api\.ioda/,
    );
  });

  it('says per collector where the source had no data for an era', async () => {
    const a = app();
    t.store.writeWindow({
      collector: 'ioda',
      entity: 'country:KZ',
      from: 1104537600,
      until: 1112313600,
      series: [{ signal: { name: 'ioda.gtr:YOUTUBE' }, points: [] }],
      coverage: [{ signal: 'ioda.gtr:YOUTUBE', status: 'no-data' }],
    });
    const res = await request(a).get('/api/health').expect(200);
    expect(res.body.collectors[0].noData).toEqual([
      { entity: 'country:KZ', signal: 'ioda.gtr:YOUTUBE', from: '2005-01-01T00:00:00Z', until: '2005-04-01T00:00:00Z' },
    ]);
    expect(res.body.collectors[1].noData).toEqual([]);
    const page = await request(a).get('/status').expect(200);
    expect(page.text).toContain('no data from the source for 1 range(s)');
  });

  it('answers unknown API paths with a coded JSON 404 and unknown pages with an HTML 404', async () => {
    const a = app();
    const api = await request(a).get('/api/nope').expect(404);
    expect(api.body).toEqual({
      error: { code: 'NOT_FOUND', status: 404, message: 'no such endpoint: /api/nope', requestId: api.headers['x-request-id'] },
    });
    const page = await request(a).get('/nope').expect(404).expect('content-type', /html/);
    expect(page.text).toContain('404 Not found');
  });

  it('escapes source text on the status page', async () => {
    const a = app();
    const id = t.store.startRun('collect:ioda', 'ioda');
    t.store.finishRun(id, { status: 'failed', error: '<img src=x onerror=alert(1)>' });
    const res = await request(a).get('/status').expect(200);
    expect(res.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(res.text).not.toContain('<img src=x');
    expect(res.text).toContain('ioda');
  });
});
