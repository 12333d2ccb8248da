import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCollectors } from '../../../collectors/registry.js';
import { createApp } from '../../../dashboards/app.js';
import { upsertEvent } from '../../../db/calendar.js';
import { main } from '../../../services/cli.js';
import { SqliteStore, type PointTuple } from '../../../db/store.js';
import { configSchema } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { tempDir, capture } from '../../helpers.js';
import { OFFLINE_SOURCES_ENV } from '../../offline-env.js';
import { openPointStore } from '../../../db/open.js';
import { copyDatabase } from '../../../db/copy.js';
import { usePostgres } from '../../pg.js';

const DAY = 86400;

const pgt = usePostgres();

describe('outagewatch status', () => {
  let t: ReturnType<typeof tempDir>;
  afterEach(() => t?.cleanup());

  it("says degraded, and why, when a collector's latest run failed (the same facts as /api/health)", async () => {
    t = tempDir();
    const db = join(t.dir, 's.db');
    const s = SqliteStore.open(db);
    const id = s.startRun('collect:ioda', 'ioda');
    s.finishRun(id, { status: 'failed', error: 'http://127.0.0.1:9/ioda: network error ECONNREFUSED' });
    s.close();
    const saved = { ...process.env };
    Object.assign(process.env, OFFLINE_SOURCES_ENV);
    try {
      const json = capture();
      expect(await main(['status', '--json', '--db', db], json.io)).toBe(0);
      const doc = JSON.parse(json.out) as { status: string; reasons: string[] };
      expect(doc.status).toBe('degraded');
      expect(doc.reasons.join('\n')).toContain('collector ioda');
      const text = capture();
      expect(await main(['status', '--db', db], text.io)).toBe(0);
      expect(text.out).toMatch(/^status degraded\n {2}- collector ioda: latest run failed/);
    } finally {
      process.env = saved;
    }
  });

  it('counts the history already in the store in the backfill progress (CLI and /api/health agree)', async () => {
    // What `npm run demo` leaves, and what an `ingest`ed IODA export or a copied database holds: KZ history written
    // by another path than the ioda collector (no ioda checkpoints), the demo's OONI series flagged synthetic, and
    // a stretch the ioda collector fetched itself. Before, progress counted only that stretch (the demo showed 0 %).
    t = tempDir();
    const db = join(t.dir, 'b.db');
    const s = SqliteStore.open(db);
    const d0 = Date.UTC(2016, 3, 1) / 1000; // 60 days of 5-minute ioda.bgp from 2016-04-01, imported
    const bgp: PointTuple[] = [];
    for (let ts = d0; ts < d0 + 60 * DAY; ts += 300) bgp.push([ts, 1000]);
    s.writeWindow({
      collector: 'ingest',
      entity: 'country:KZ',
      from: d0,
      until: d0 + 60 * DAY,
      series: [{ signal: { name: 'ioda.bgp', step: 300 }, points: bgp }],
    });
    // the ioda collector fetched days 50–70 itself, every one of its signals (10 days new), the last day without data
    const own: PointTuple[] = [];
    for (let ts = d0 + 50 * DAY; ts < d0 + 69 * DAY; ts += 3600) own.push([ts, 990]);
    const iodaSignals = createCollectors(configSchema.parse({ db }), silentLogger)
      .find((c) => c.name === 'ioda')!
      .signals('country:KZ');
    s.writeWindow({
      collector: 'ioda',
      entity: 'country:KZ',
      from: d0 + 50 * DAY,
      until: d0 + 70 * DAY,
      series: iodaSignals.map((name) => ({ signal: { name, step: 300 }, points: name === 'ioda.bgp' ? own : [] })),
    });
    // ten days of synthetic OONI, as the demo writes them; and a stored null day that is no data
    const ooni: PointTuple[] = [];
    for (let d = 0; d < 10; d++) ooni.push([d0 + (40 + d) * DAY, 0.05]);
    ooni.push([d0 + 55 * DAY, null]);
    s.writeWindow({
      collector: 'demo',
      entity: 'country:KZ',
      from: d0,
      until: d0 + 60 * DAY,
      series: [{ signal: { name: 'ooni.anomaly_rate:facebook.com', step: DAY, synthetic: true }, points: ooni }],
    });
    upsertEvent(
      s.db,
      {
        id: 'kz-2016-05-21',
        title: 'Land reform protests',
        country: 'KZ',
        places: [],
        start: Date.UTC(2016, 4, 20, 18) / 1000,
        end: Date.UTC(2016, 4, 21, 18) / 1000,
        tz: 'Asia/Almaty',
        allDay: true,
        kind: 'protest',
        sources: ['https://example.org/kz'],
        notes: null,
        tags: [],
        origin: 'seed',
        originFile: null,
        originLine: null,
      },
      d0,
    );
    s.close();
    const saved = { ...process.env };
    Object.assign(process.env, OFFLINE_SOURCES_ENV);
    // the plan runs up to "now" (in whole collection windows): the CLI and /api/health below read one frozen clock,
    // or a window boundary passing between them changes the end of the range (it did, under load)
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date());
    try {
      type Row = {
        collector: string;
        entity: string;
        plannedSeconds: number;
        coveredSeconds: number;
        checkpointedSeconds: number;
        daysWithData: number;
        percent: number;
        synthetic: boolean;
        oldestCovered: string | null;
      };
      const json = capture();
      expect(await main(['status', '--json', '--db', db], json.io)).toBe(0);
      const rows = (JSON.parse(json.out) as { backfill: Row[] }).backfill;
      const ioda = rows.find((r) => r.collector === 'ioda' && r.entity === 'country:KZ')!;
      expect(ioda).toMatchObject({
        daysWithData: 69,
        checkpointedSeconds: 20 * DAY,
        coveredSeconds: 70 * DAY,
        synthetic: false,
        oldestCovered: '2016-04-01T00:00:00Z',
      });
      expect(ioda.percent).toBe(Math.floor(((70 * DAY) / ioda.plannedSeconds) * 1000) / 10);
      expect(ioda.percent).toBeGreaterThan(0);
      const ooniRow = rows.find((r) => r.collector === 'ooni' && r.entity === 'country:KZ')!;
      expect(ooniRow).toMatchObject({ daysWithData: 10, checkpointedSeconds: 0, coveredSeconds: 10 * DAY, synthetic: true });
      // a collector with nothing stored stays at 0
      expect(rows.find((r) => r.collector === 'ripestat' && r.entity === 'country:KZ')).toMatchObject({
        daysWithData: 0,
        coveredSeconds: 0,
        percent: 0,
      });

      const text = capture();
      expect(await main(['status', '--db', db], text.io)).toBe(0);
      expect(text.out).toMatch(new RegExp(`ioda\\s+country:KZ\\s+${ioda.percent}%\\s+69\\s`));
      expect(text.out).toMatch(new RegExp(`ooni\\s+country:KZ\\s+${ooniRow.percent}% SYNTHETIC\\s+10\\s`));

      // the same numbers from the dashboard's /api/health
      const config = configSchema.parse({ db });
      const store = SqliteStore.open(db, { readonly: true });
      try {
        const app = createApp({ config, store, collectors: createCollectors(config, silentLogger), log: silentLogger, version: 'test' });
        const health = await request(app).get('/api/health');
        const api = (health.body as { backfill: Row[] }).backfill;
        expect(api.find((r) => r.collector === 'ioda' && r.entity === 'country:KZ')).toEqual(ioda);
        expect(api.find((r) => r.collector === 'ooni' && r.entity === 'country:KZ')).toEqual(ooniRow);
      } finally {
        store.close();
      }

      // PostgreSQL: the same database copied (db copy), the same backfill progress from `status` (issue 23)
      if (pgt.enabled) {
        const url = await pgt.createDatabase();
        await copyDatabase({ backend: 'sqlite', path: db }, { backend: 'postgres', url }, { coreOnly: true });
        const again = capture();
        expect(await main(['status', '--json', '--db', db], again.io)).toBe(0);
        const pgJson = capture();
        expect(await main(['status', '--json', '--db', url], pgJson.io), pgJson.err).toBe(0);
        const pgDoc = JSON.parse(pgJson.out) as { backfill: Row[]; backfillUnavailable?: string };
        expect(pgDoc.backfillUnavailable).toBeUndefined();
        // the plan runs from "now": the two commands ran a moment apart, so the end of the range may differ by a second
        const steady = (rows: Row[]) =>
          rows.map((r) => {
            const {
              until: _u,
              plannedSeconds: _p,
              percent: _pc,
              nextWindow: _n,
              ...rest
            } = r as Row & { until: string; nextWindow: unknown };
            return rest;
          });
        const liteRows = (JSON.parse(again.out) as { backfill: Row[] }).backfill;
        expect(liteRows.length).toBeGreaterThanOrEqual(3);
        expect(steady(pgDoc.backfill)).toEqual(steady(liteRows));
        pgDoc.backfill.forEach((r, i) => expect(Math.abs(r.percent - liteRows[i]!.percent)).toBeLessThanOrEqual(0.1));
        const pgText = capture();
        expect(await main(['status', '--db', url], pgText.io)).toBe(0);
        expect(pgText.out).toMatch(new RegExp(`ioda\\s+country:KZ\\s+${ioda.percent}%\\s+69\\s`));
        expect(pgText.out).toMatch(new RegExp(`ooni\\s+country:KZ\\s+${ooniRow.percent}% SYNTHETIC\\s+10\\s`));
      }
    } finally {
      vi.useRealTimers();
      process.env = saved;
    }
  });

  it.runIf(pgt.enabled)('runs on PostgreSQL: the same collector facts as on SQLite, the engine named, no daemon pid claimed', async () => {
    // a collector whose latest run failed offline, written through the store interface on each backend
    t = tempDir();
    const sqlite = join(t.dir, 'p.db');
    for (const setting of [sqlite, pgt.url()]) {
      const store = await openPointStore(setting);
      const id = await store.startRun('collect:ioda', 'ioda');
      await store.finishRun(id, { status: 'failed', error: 'http://127.0.0.1:9/ioda: network error ECONNREFUSED' });
      await store.close();
    }
    const saved = { ...process.env };
    Object.assign(process.env, OFFLINE_SOURCES_ENV);
    try {
      type Doc = { status: string; reasons: string[]; database: { backend: string; engine: string }; daemon: { running: boolean | null } };
      const docs: Doc[] = [];
      for (const setting of [sqlite, pgt.url()]) {
        const c = capture();
        expect(await main(['status', '--json', '--db', setting], c.io), c.err).toBe(0);
        docs.push(JSON.parse(c.out) as Doc);
      }
      const [lite, pg] = docs;
      expect(pg!.database.backend).toBe('postgres');
      expect(pg!.database.engine).toMatch(/^PostgreSQL \d+/);
      expect(pg!.status).toBe(lite!.status);
      expect(pg!.status).toBe('degraded');
      // the run times differ by the second the two runs were written in (under load they straddle a second)
      const facts = (d: Doc) =>
        d.reasons.filter((r) => r.includes('collector')).map((r) => r.replace(/\(\d{4}-\d\d-\d\dT[\d:]+Z\)/, '(TIME)'));
      expect(facts(pg!)).toEqual(facts(lite!));
      expect(facts(pg!)).toEqual(['collector ioda: latest run failed (TIME): http://127.0.0.1:9/ioda: network error ECONNREFUSED']);
      expect(pg!.daemon.running).toBeNull();
      const text = capture();
      expect(await main(['status', '--db', pgt.url()], text.io)).toBe(0);
      expect(text.out).toMatch(/^status degraded\n {2}- collector ioda: latest run failed/);
      expect(text.out).toContain('daemon not tracked on PostgreSQL');
      expect(text.out).not.toContain(':pw@');
    } finally {
      process.env = saved;
    }
  });
});
