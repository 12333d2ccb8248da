import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../dashboards/app.js';
import { loadConfig } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { writeDueReports } from '../../../services/report/auto.js';
import { sqliteRepositories } from '../../../db/sqlite-repositories.js';
import { main } from '../../../services/cli.js';
import { openRepositories } from '../../../db/open.js';
import { tempStore } from '../../helpers.js';
import { usePostgres } from '../../pg.js';
import { buildReportFixture, EVENT_START } from './fixture.js';

const pgt = usePostgres({ database: false });

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

  it('stop between two reports when the daemon stops, and write the rest at the next run', async () => {
    // a daemon asked to stop (SIGTERM) with many due reports finished all of them first (101 reports, 8 s, on a
    // ten-year database with the benchmark's calendar)
    t = tempStore();
    buildReportFixture(t.store);
    const config = loadConfig({ env: {}, cwd: t.dir, flags: { db: t.path } });
    const repos = sqliteRepositories(t.store);
    const stopping = new AbortController();
    stopping.abort();
    expect(await writeDueReports(repos, config, silentLogger, EVENT_START + 5 * 86400, stopping.signal)).toEqual([]);
    const next = await writeDueReports(repos, config, silentLogger, EVENT_START + 5 * 86400, new AbortController().signal);
    expect(next.some((p) => p.endsWith('kz-2016-05-21-test.html'))).toBe(true);
  });
});

describe.skipIf(!pgt.enabled)('automatic reports on PostgreSQL (issue 23)', () => {
  let t: ReturnType<typeof tempStore>;
  afterEach(() => t?.cleanup());

  it('are written from a PostgreSQL database as from SQLite: the same files, once per data version (meta in PostgreSQL)', async () => {
    // the report fixture (a SYNTHETIC stand-in for the Kazakh May 2016 case: one event, three signals, one outage)
    // copied into PostgreSQL with `db copy`, then the daemon's job run against each backend
    t = tempStore();
    buildReportFixture(t.store);
    t.store.close();
    const url = await pgt.createDatabase();
    const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
    expect(await main(['--log-level', 'silent', 'db', 'copy', t.path, url], { stdout: quiet, stderr: quiet })).toBe(0);
    const when = EVENT_START + 5 * 86400;
    const sqliteDir = join(t.dir, 'reports-sqlite');
    const pgDir = join(t.dir, 'reports-pg');
    const sqliteConfig = loadConfig({ env: {}, cwd: t.dir, flags: { db: t.path, reportsDir: sqliteDir } });
    const pgConfig = loadConfig({ env: {}, cwd: t.dir, flags: { db: url, reportsDir: pgDir } });
    const repos = await openRepositories(url);
    try {
      const onPg = await writeDueReports(repos, pgConfig, silentLogger, when);
      expect(onPg.some((p) => p.endsWith('kz-2016-05-21-test.html'))).toBe(true);
      expect(await repos.points.getMeta('report:kz-2016-05-21-test')).toMatch(/^[0-9a-f]{64}$/);
      expect(await writeDueReports(repos, pgConfig, silentLogger, when + 86400)).toEqual([]); // same data: not again
    } finally {
      await repos.close();
    }
    const local = await openRepositories(t.path);
    try {
      await writeDueReports(local, sqliteConfig, silentLogger, when);
    } finally {
      await local.close();
    }
    const names = readdirSync(pgDir)
      .filter((n) => !n.endsWith('-charts'))
      .sort();
    expect(names).toEqual(
      readdirSync(sqliteDir)
        .filter((n) => !n.endsWith('-charts'))
        .sort(),
    );
    for (const n of names) expect(readFileSync(join(pgDir, n), 'utf8'), n).toBe(readFileSync(join(sqliteDir, n), 'utf8'));
  });
});
