import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../dashboards/app.js';
import { loadConfig } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { writeDueReports } from '../../../services/report/auto.js';
import { sqliteRepositories } from '../../../db/sqlite-repositories.js';
import { tempStore } from '../../helpers.js';
import { buildReportFixture, EVENT_START } from './fixture.js';

describe('automatic reports', () => {
  let t: ReturnType<typeof tempStore>;
  afterEach(() => t?.cleanup());

  it('are written once an event window has closed and its data is in, once per data version, and served at /reports', async () => {
    t = tempStore();
    buildReportFixture(t.store);
    const config = loadConfig({ env: {}, cwd: t.dir, flags: { db: t.path } });
    const dir = join(t.dir, 'reports');
    // window still open (end + 2 days not reached): nothing yet
    expect(await writeDueReports(sqliteRepositories(t.store), config, silentLogger, EVENT_START + 86400 + 86400)).toEqual([]);
    const written = await writeDueReports(sqliteRepositories(t.store), config, silentLogger, EVENT_START + 5 * 86400);
    expect(written.some((p) => p.endsWith('kz-2016-05-21-test.html'))).toBe(true);
    expect(existsSync(join(dir, 'kz-2016-05-21-test.json'))).toBe(true);
    expect(await writeDueReports(sqliteRepositories(t.store), config, silentLogger, EVENT_START + 6 * 86400)).toEqual([]); // same data: not again
    // new data for the window: written again
    t.store.writeWindow({
      collector: 'ioda',
      entity: 'country:KZ',
      from: EVENT_START,
      until: EVENT_START + 3600,
      series: [{ signal: { name: 'ioda.bgp', step: 3600 }, points: [[EVENT_START, 999]] }],
    });
    expect((await writeDueReports(sqliteRepositories(t.store), config, silentLogger, EVENT_START + 7 * 86400)).length).toBeGreaterThan(0);

    const app = createApp({ config, store: t.store, collectors: [], log: silentLogger, version: 'x' });
    const list = await request(app).get('/reports').expect(200);
    expect(list.text).toContain('kz-2016-05-21-test');
    expect(list.text).toContain('href="/reports/kz-2016-05-21-test.html"');
    const page = await request(app).get('/reports/kz-2016-05-21-test.html').expect(200).expect('content-type', /html/);
    expect(page.text).toContain('Outage report: Land-reform protests (test)');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    await request(app).get('/reports/..%2Foutagewatch.db').expect(404);
    await request(app).get('/reports/test.db').expect(404);
    expect(readdirSync(dir).length).toBeGreaterThan(3);
  });
});
