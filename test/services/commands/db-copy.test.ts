import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPointStore, openRepositories } from '../../../db/open.js';
import type { Repositories } from '../../../db/repositories.js';
import { sqliteRepositories } from '../../../db/sqlite-repositories.js';
import type { PointStore } from '../../../db/repository.js';
import { SqliteStore, type PointTuple } from '../../../db/store.js';
import { main } from '../../../services/cli.js';
import { capture, seededRandom, tempDir } from '../../helpers.js';
import { usePostgres } from '../../pg.js';

// `outagewatch db copy`: SQLite → PostgreSQL → SQLite gives back the same store (ids, points, rollups, checkpoints,
// runs, events, and the calendar, outages, alerts and reference lists). The data stands for a few days of IODA signals for two countries around the 2016 Kazakhstan
// protests (seeded values), with a source event, a raw response and runs.

const pgt = usePostgres({ database: false });
const t = tempDir();
afterAll(() => t.cleanup());

const DAY0 = 1463702400; // 2016-05-20

function fill(path: string): void {
  const s = SqliteStore.open(path);
  const rnd = seededRandom(23);
  for (const entity of ['country:KZ', 'country:UZ']) {
    for (let d = 0; d < 3; d++) {
      const from = DAY0 + d * 86400;
      const pts: PointTuple[] = Array.from({ length: 288 }, (_, i) => [
        from + i * 300,
        rnd() < 0.05 ? null : Math.round(rnd() * 5000) / 10,
      ]);
      s.writeWindow({
        collector: 'ioda',
        entity,
        from,
        until: from + 86400,
        series: [
          { signal: { name: 'ioda.bgp', step: 300, meta: { note: 'seeded' } }, points: pts },
          { signal: { name: 'ioda.ping-slash24', step: 600, synthetic: true }, points: pts.filter((_, i) => i % 2 === 0) },
        ],
      });
    }
  }
  s.writeWindow({
    collector: 'ioda-events',
    entity: 'country:KZ',
    from: DAY0,
    until: DAY0 + 86400,
    series: [],
    sourceEvents: [
      {
        source: 'ioda',
        externalId: 'kz-1',
        entity: 'country:KZ',
        start: DAY0 + 3600,
        end: DAY0 + 7200,
        kind: 'outage',
        raw: { a: [1, 'x'] },
      },
    ],
    raw: [
      {
        source: 'ioda',
        url: 'https://api.ioda.inetintel.cc.gatech.edu/v2/outages/events?entityType=country&entityCode=KZ',
        fetchedAt: DAY0,
        status: 200,
        body: '{"data":[]}',
      },
    ],
    coverage: [{ signal: '*', status: 'ok' }],
  });
  const run = s.startRun('collect:ioda', 'ioda', { windows: 6 });
  s.finishRun(run, { status: 'ok', rows: 2592, windowsOk: 6 });
  s.close();
}

/** The calendar, outages, alerts and reference lists of the same days: what import, detect and alerts store. */
async function fillRecords(path: string): Promise<void> {
  const r = sqliteRepositories(SqliteStore.open(path));
  try {
    await r.calendar.upsertEvents(
      [
        {
          id: 'kz-2016-05-21-land-protests',
          title: 'Митинги против поправок в Земельный кодекс',
          country: 'KZ',
          places: [{ name: 'Алматы', lat: 43.24, lon: 76.89 }, { name: 'Атырау' }],
          start: DAY0 + 86400,
          end: DAY0 + 2 * 86400,
          tz: 'Asia/Almaty',
          allDay: true,
          kind: 'protest',
          sources: ['https://example.org/kz'],
          notes: 'заметка',
          tags: ['land'],
          origin: 'import',
          originFile: 'kz.csv',
          originLine: 2,
        },
      ],
      DAY0,
      { seed_hash: 'h' },
    );
    const [o] = await r.outages.replaceOutages('country:KZ', DAY0, DAY0 + 3 * 86400, [
      {
        entity: 'country:KZ',
        start: DAY0 + 3600,
        end: DAY0 + 7200,
        kind: 'connectivity',
        severity: 'critical',
        score: 1234.5,
        signals: [
          { signal: 'ioda.bgp', start: DAY0 + 3600, end: DAY0 + 7200, severity: 'critical', depth: 0.31, score: 12.5, lost: 0.1 / 3 },
        ],
        targets: [],
        evidence: [],
        open: true,
        synthetic: true,
      },
    ]);
    const ch = await r.alerts.recordChange({
      key: `started:country:KZ:${o!.start}`,
      entity: 'country:KZ',
      change: 'started',
      at: o!.start,
      payload: { outage: o },
      announced: true,
      now: DAY0,
    });
    await r.alerts.queueDelivery(ch!.id, 'https://hooks.example/x', DAY0);
    await r.reference.upsertReferenceOutages(
      'stop',
      'stop',
      'stop.csv',
      [
        {
          list: 'stop',
          naturalKey: 'kz-1',
          country: 'KZ',
          start: DAY0,
          end: null,
          kind: 'connectivity',
          scope: 'regional',
          scopeRaw: 'Region (Mangystau)',
          scopeDetail: 'Mangystau',
          area: 'Mangystau',
          cause: 'protests',
          services: ['WhatsApp'],
          source: null,
          originFile: 'stop.csv',
          originLine: 2,
          raw: { Country: 'Kazakhstan' },
        },
      ],
      { rejected: 0 },
      DAY0,
    );
  } finally {
    await r.close();
  }
}

async function records(r: Repositories) {
  return {
    events: await r.calendar.listEvents(),
    seed: await r.calendar.getMeta('seed_hash'),
    outages: await r.outages.listOutages(),
    changes: await r.alerts.listChanges(),
    deliveries: await r.alerts.listDeliveries(),
    lists: await r.reference.listReferenceLists(),
    reference: await r.reference.listReferenceOutages({ list: 'stop' }),
  };
}

async function snapshot(store: PointStore) {
  const signals = await store.listSignals();
  const series = [];
  for (const sig of signals) {
    series.push({
      id: sig.id,
      points: await store.readPoints(sig.id, 0, 2e9),
      hourly: await store.readRollup(sig.id, 'hourly', 0, 2e9),
      sixHourly: await store.readRollup(sig.id, '6h', 0, 2e9),
      daily: await store.readRollup(sig.id, 'daily', 0, 2e9),
    });
  }
  return {
    entities: await store.listEntities(),
    signals,
    series,
    checkpoints: await store.checkpoints(),
    runs: await store.recentRuns(),
    events: (await store.listSourceEvents()).map((e) => ({ ...e, fetchedAt: 0 })),
  };
}

describe.skipIf(!pgt.enabled)('outagewatch db copy', () => {
  it('SQLite → PostgreSQL → SQLite keeps everything, verified; progress on stderr; the copy keeps working after', async () => {
    const a = join(t.dir, 'a.db');
    const b = join(t.dir, 'b.db');
    fill(a);
    await fillRecords(a);
    const url = await pgt.createDatabase();
    const c1 = capture();
    expect(await main(['db', 'copy', a, url, '--batch', '500', '--json'], c1.io)).toBe(0);
    const r1 = JSON.parse(c1.out) as { tables: Array<{ table: string; rows: number }>; rollupChecksum: string; target: string };
    expect(r1.tables.find((x) => x.table === 'points')!.rows).toBe(2 * 3 * (288 + 144));
    expect(r1.target).not.toMatch(/:[^*@/]+@/); // no password
    expect(c1.err).toMatch(/copy points: 500\/2592 rows \(19%\)|copy points: 2592\/2592 rows \(100%\)/);
    const c2 = capture();
    expect(await main(['db', 'copy', url, b, '--json'], c2.io)).toBe(0);
    const r2 = JSON.parse(c2.out) as { rollupChecksum: string; recordsChecksum: string };
    expect(r2.rollupChecksum).toBe(r1.rollupChecksum);
    expect(r2.recordsChecksum).toBe((r1 as unknown as { recordsChecksum: string }).recordsChecksum);
    for (const table of [
      'protest_events',
      'calendar_meta',
      'outages',
      'outage_changes',
      'webhook_deliveries',
      'reference_lists',
      'reference_outages',
    ])
      expect(r1.tables.find((x) => x.table === table)?.rows, table).toBe(1);

    // the calendar, outages, alerts and reference lists read the same through the repositories on all three
    const ra = await openRepositories(a);
    const rp = await openRepositories(url);
    const rb = await openRepositories(b);
    try {
      const [x, y, z] = [await records(ra), await records(rp), await records(rb)];
      expect(x.events[0]!.places).toEqual([
        { name: 'Алматы', admin1: null, lat: 43.24, lon: 76.89 },
        { name: 'Атырау', admin1: null, lat: null, lon: null },
      ]);
      expect(x.outages).toHaveLength(1);
      expect(y).toEqual(x);
      expect(z).toEqual(x);
      // ids go on after the copied ones
      const [o2] = await rp.outages.replaceOutages('country:UZ', DAY0, DAY0 + 86400, [
        { ...x.outages[0]!, entity: 'country:UZ', id: undefined },
      ]);
      expect(o2!.id).toBeGreaterThan(x.outages[0]!.id!);
    } finally {
      await ra.close();
      await rp.close();
      await rb.close();
    }

    const sa = await openPointStore(a);
    const sp = await openPointStore(url);
    const sb = await openPointStore(b);
    try {
      const [x, y, z] = [await snapshot(sa), await snapshot(sp), await snapshot(sb)];
      expect(z).toEqual(x);
      expect(y).toEqual(x);
      // ids go on after the copied ones on PostgreSQL
      const id = await sp.ensureEntity('country:TJ');
      expect(id).toBeGreaterThan(x.entities.reduce((m, e) => Math.max(m, e.id), 0));
      await sp.writeWindow({
        collector: 'ioda',
        entity: 'country:KZ',
        from: DAY0 + 3 * 86400,
        until: DAY0 + 3 * 86400 + 3600,
        series: [{ signal: { name: 'ioda.bgp' }, points: [[DAY0 + 3 * 86400, 1]] }],
      });
      expect((await sp.listSignals('country:KZ')).map((s) => s.id)).toEqual(
        x.signals.filter((s) => s.entity === 'country:KZ').map((s) => s.id),
      );
    } finally {
      await sa.close();
      await sp.close();
      await sb.close();
    }

    // the SQLite target packed the copied points per day itself (what detection reads; not copied), equal to them
    const raw = new Database(b, { readonly: true });
    expect(raw.prepare('SELECT count(*) FROM points_unpacked').pluck().get()).toBe(0);
    expect(raw.prepare('SELECT count(DISTINCT signal_id) FROM points_packed').pluck().get()).toBe(
      r1.tables.find((x) => x.table === 'signals')!.rows,
    );
    raw.close();
    const tb = SqliteStore.open(b);
    try {
      for (const sig of tb.listSignals()) {
        const c = tb.readColumns(sig.id, -1e12, 1e12);
        const p = tb.readPoints(sig.id, -1e12, 1e12);
        expect(c.length).toBe(p.length);
        expect(Array.from(c.ts)).toEqual(p.map((r) => r.ts));
        expect(Array.from(c.values)).toEqual(p.map((r) => r.value ?? Number.NaN));
      }
    } finally {
      tb.close();
    }
  });

  it('refuses a target that holds data (exit 2, nothing written) and a source with tables it cannot copy, unless --core-only; the detector state is copied both ways', async () => {
    const a = join(t.dir, 'c.db');
    fill(a);
    const url = await pgt.createDatabase();
    expect(await main(['db', 'copy', a, url], capture().io)).toBe(0);
    const again = capture();
    expect(await main(['db', 'copy', a, url], again.io)).toBe(2);
    expect(again.err).toMatch(/is not empty \(meta|is not empty \(entities holds \d+ rows\)/);

    // the detector's resumable state is copied (both ways), so the next detection on the target goes on from it
    const s = SqliteStore.open(a);
    s.db.prepare("INSERT INTO detection_state (entity, rules_hash, detected_from, updated_at) VALUES ('country:KZ', 'x', 5, 1)").run();
    s.db
      .prepare("INSERT INTO detector_signal_state (entity, signal, checkpoint, state, data) VALUES ('country:KZ', 'ioda.bgp', 7, '{}', ?)")
      .run(Buffer.from([1, 2, 3, 255]));
    s.db
      .prepare(
        "INSERT INTO detector_signal_state (entity, signal, checkpoint, state, data) VALUES ('country:KZ', 'ioda.gtr:YOUTUBE', 8, '{}', NULL)",
      )
      .run();
    s.db
      .prepare("INSERT INTO detector_episodes (entity, signal, start, end, episode) VALUES ('country:KZ', 'ioda.bgp', 10, 20, '{\"a\":1}')")
      .run();
    s.db.prepare("INSERT INTO detector_entity_state (entity, derived) VALUES ('country:KZ', '[]')").run();
    s.close();
    const url2 = await pgt.createDatabase();
    const withState = capture();
    expect(await main(['db', 'copy', a, url2, '--json'], withState.io), withState.err).toBe(0);
    const tables = (JSON.parse(withState.out) as { tables: Array<{ table: string; rows: number }> }).tables;
    expect(tables.filter((x) => x.table.startsWith('detect')).map((x) => [x.table, x.rows])).toEqual([
      ['detection_state', 1],
      ['detector_signal_state', 2],
      ['detector_episodes', 1],
      ['detector_entity_state', 1],
    ]);
    const back = join(t.dir, 'c-back.db');
    expect(await main(['db', 'copy', url2, back], capture().io)).toBe(0);
    const stateOf = async (where: string) => {
      const r = await openRepositories(where);
      try {
        const rs = await r.detection.resumeState('country:KZ');
        return {
          detection: await r.detection.detectionState('country:KZ'),
          states: rs.states.map((x) => ({ ...x, data: x.data && [...x.data] })),
          derived: rs.derived,
          episodes: rs.episodesFrom(-1e15),
        };
      } finally {
        await r.close();
      }
    };
    const want = await stateOf(a);
    expect(want.states[0]!.data).toEqual([1, 2, 3, 255]);
    expect(want.episodes).toHaveLength(1);
    expect(await stateOf(url2)).toEqual(want);
    expect(await stateOf(back)).toEqual(want);

    // a table with data this version cannot copy (stands for one added by a later version): refused unless --core-only
    const s2 = SqliteStore.open(a);
    s2.db.exec("CREATE TABLE later_feature (x TEXT); INSERT INTO later_feature VALUES ('kept')");
    s2.close();
    const url3 = await pgt.createDatabase();
    const refused = capture();
    expect(await main(['db', 'copy', a, url3], refused.io)).toBe(2);
    expect(refused.err).toMatch(/later_feature \(1 rows\).*--core-only/);
    expect(refused.err).not.toContain('detection_state');
    expect(await main(['db', 'copy', a, url3, '--core-only'], capture().io)).toBe(0);
  });

  it('bad arguments exit 2: an unsupported URL scheme, a missing source file', async () => {
    const c = capture();
    expect(await main(['db', 'copy', 'mysql://x@y/z', join(t.dir, 'z.db')], c.io)).toBe(2);
    expect(c.err).toMatch(/unsupported database URL scheme "mysql:"/);
    const m = capture();
    expect(await main(['db', 'copy', join(t.dir, 'missing.db'), join(t.dir, 'z.db')], m.io)).toBe(2);
    expect(m.err).toMatch(/missing\.db does not exist/);
  });
});
