import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIodaHttp, fetchEvents } from '../../../collectors/ioda/client.js';
import { createIodaCollector } from '../../../collectors/ioda/index.js';
import type { SqliteStore } from '../../../db/store.js';
import { loadConfig } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { tempStore } from '../../helpers.js';
import { answer, eventsBody, fixture, signalsBody } from './mock.js';

const HOST = 'http://ioda.test';
const FROM = 1463702400; // 2016-05-20T00:00Z
const UNTIL = 1463788800; // 2016-05-21T00:00Z
const DAY = 86400;

const config = loadConfig({ env: { OUTAGEWATCH_IODA_URL: `${HOST}/v2` }, cwd: '/' });

function collector(sleeps: number[] = [], opts: { datasources?: string[]; events?: boolean } = {}) {
  return createIodaCollector(config, {
    log: silentLogger,
    httpOptions: {
      timeoutMs: 300,
      maxAttempts: 3,
      rateLimit: { requests: 1000, intervalMs: 1000 },
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
    },
    now: () => 1_700_000_000,
    ...opts,
  });
}

function pointCount(store: SqliteStore): number {
  return (store.db.prepare('SELECT count(*) AS n FROM points').get() as { n: number }).n;
}

let t: ReturnType<typeof tempStore>;
beforeEach(() => {
  t = tempStore();
});
afterEach(() => {
  nock.cleanAll();
  t.cleanup();
});

describe('IODA collect: happy path from fixtures', () => {
  it('collects bgp, ping-slash24, merit-nt (no data), gtr per product and outage events for country:KZ', async () => {
    const seen: string[] = [];
    const files: Record<string, string> = {
      bgp: 'signals-raw-country-KZ-bgp-20160520.json',
      'ping-slash24': 'signals-raw-country-KZ-ping-slash24-20160520.json',
      'merit-nt': 'signals-raw-country-KZ-merit-nt-20160520-no-data.json',
      gtr: 'signals-raw-country-KZ-gtr-20160520.json',
    };
    nock(HOST)
      .get(/^\/v2\/signals\/raw\/country\/KZ\?/)
      .times(4)
      .reply(function (uri) {
        seen.push(uri);
        const ds = new URL(uri, HOST).searchParams.get('datasource')!;
        return [200, fixture(files[ds]!)];
      })
      .get(/^\/v2\/outages\/events\?/)
      .reply(function (uri) {
        seen.push(uri);
        return [200, fixture('outages-events-country-KZ-20160520.json')];
      });
    const r = await collector().collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(r.failures).toEqual([]);
    expect(r.windowsOk).toBe(5);
    expect(r.coveredUntil).toBe(UNTIL);
    // every signals request names its datasource and the window; gtr asks for the products
    const qs = seen.map((u) => new URL(u, HOST).searchParams);
    for (const q of qs.slice(0, 4)) expect(q.get('datasource')).toMatch(/^(bgp|ping-slash24|merit-nt|gtr)$/);
    expect(qs.find((q) => q.get('datasource') === 'gtr')!.get('sourceParams')).toBe('WEB_SEARCH,YOUTUBE,GMAIL,MAPS');
    const ev = qs[4]!;
    expect(Object.fromEntries(ev)).toMatchObject({
      entityType: 'country',
      entityCode: 'KZ',
      ignoreMethods: '*.sarima',
      page: '0',
      limit: '500',
      format: 'codf',
      from: String(FROM),
      until: String(UNTIL),
    });

    const sigs = t.store.listSignals('country:KZ');
    expect(sigs.map((s) => s.name)).toEqual([
      'ioda.bgp',
      'ioda.gtr:GMAIL',
      'ioda.gtr:MAPS',
      'ioda.gtr:WEB_SEARCH',
      'ioda.gtr:YOUTUBE',
      'ioda.merit-nt',
      'ioda.ping-slash24',
    ]);
    expect(sigs.every((s) => !s.synthetic)).toBe(true);
    const bgp = sigs.find((s) => s.name === 'ioda.bgp')!;
    const pts = t.store.readPoints(bgp.id, FROM, UNTIL);
    const raw = JSON.parse(fixture(files.bgp!)) as { data: Array<Array<{ values: Array<number | null> }>> };
    const values = raw.data[0]![0]!.values;
    // point time = from + i*step, nulls stay NULL (never 0)
    expect(pts).toHaveLength(288);
    expect(pts[5]).toEqual({ ts: FROM + 5 * 300, value: values[5] });
    expect(pts[40]).toEqual({ ts: FROM + 40 * 300, value: null });
    expect(pts.filter((p) => p.value === null)).toHaveLength(3);
    const yt = sigs.find((s) => s.name === 'ioda.gtr:YOUTUBE')!;
    expect(t.store.readPoints(yt.id, FROM, UNTIL)).toHaveLength(48);
    // merit-nt answered `data: [[]]`: no points, checkpoint 'no-data'
    const merit = sigs.find((s) => s.name === 'ioda.merit-nt')!;
    expect(t.store.readPoints(merit.id, FROM, UNTIL)).toEqual([]);
    expect(t.store.checkpoints({ collector: 'ioda', signal: 'ioda.merit-nt' })).toMatchObject([
      { from: FROM, until: UNTIL, status: 'no-data' },
    ]);
    expect(t.store.checkpoints({ collector: 'ioda', signal: 'ioda.bgp' })).toMatchObject([{ from: FROM, until: UNTIL, status: 'ok' }]);
    // source events with their raw JSON
    const events = t.store.listSourceEvents({ source: 'ioda' });
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      entity: 'country:KZ',
      start: 1463716800,
      end: 1463716800 + 86400,
      kind: 'service-blocking',
      score: 1234.5,
    });
    expect(events[0]!.raw).toMatchObject({ location: 'country/KZ', method: 'median', datasource: 'gtr' });
    expect(events[1]!.kind).toBe('connectivity');
    expect(t.store.listEntities().find((e) => e.entity === 'country:KZ')!.name).toBe('Kazakhstan');
    const run = t.store.recentRuns({ collector: 'ioda' })[0]!;
    expect(run).toMatchObject({ status: 'ok', windowsOk: 5, windowsFailed: 0, rows: 288 + 144 + 4 * 48 + 2 });
    // raw responses kept for provenance
    expect((t.store.db.prepare('SELECT count(*) AS n FROM raw_responses').get() as { n: number }).n).toBe(5);
  });

  it('names a region through entities/query', async () => {
    nock(HOST)
      .get('/v2/entities/query')
      .query({ entityType: 'region', entityCode: '1376', limit: '1000', page: '0' })
      .reply(200, fixture('entities-query-region-relatedTo-KZ.json'))
      .get(/^\/v2\/signals\/raw\/region\/1376\?/)
      .reply(200, () => signalsBody({ type: 'region', code: '1376', datasource: 'bgp', from: FROM, until: UNTIL }))
      .get(/^\/v2\/outages\/events/)
      .reply(200, (uri) => answer(uri)!.body);
    const c = collector([], { datasources: ['bgp'] });
    const r = await c.collect({ entity: 'region:1376', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(r.windowsOk).toBe(2);
    expect(t.store.listEntities().find((e) => e.entity === 'region:1376')).toMatchObject({ name: 'Almaty', country: 'KZ' });
    nock(HOST)
      .get('/v2/entities/query')
      .query({ entityType: 'region', relatedTo: 'country/KZ', limit: '1000', page: '0' })
      .reply(200, fixture('entities-query-region-relatedTo-KZ.json'));
    expect(await c.regionsOf('kz')).toEqual([
      { entity: 'region:1376', name: 'Almaty' },
      { entity: 'region:1377', name: 'Almaty City' },
    ]);
  });
});

describe('IODA outages/events paging', () => {
  it('pages from 0 with limit until a short page', async () => {
    const pages: string[] = [];
    const full = JSON.parse(fixture('outages-events-country-KZ-20160520.json')) as { data: Array<Record<string, unknown>> };
    nock(HOST)
      .get(/^\/v2\/outages\/events\?/)
      .times(2)
      .reply(function (uri) {
        const q = new URL(uri, HOST).searchParams;
        pages.push(`${q.get('page')}/${q.get('limit')}`);
        if (q.get('page') === '0') return [200, fixture('outages-events-country-KZ-20160520.json')];
        return [200, eventsBody(q, [{ ...full.data[0]!, start: 1463760000 }])];
      });
    const http = createIodaHttp(config, { timeoutMs: 2000, rateLimit: { requests: 1000, intervalMs: 1000 } });
    const r = await fetchEvents(http, { entity: { type: 'country', code: 'KZ' }, from: FROM, until: UNTIL, limit: full.data.length });
    expect(pages).toEqual([`0/${full.data.length}`, `1/${full.data.length}`]);
    expect(r.events).toHaveLength(full.data.length + 1);
    expect(r.responses).toHaveLength(2);
  });
});

describe('IODA collect: windows and retries', () => {
  it('cuts a 182-day range into windows under 100 days per datasource, contiguous', async () => {
    const asked: Array<{ ds: string; from: number; until: number }> = [];
    nock(HOST)
      .persist()
      .get(/^\/v2\//)
      .reply(function (uri) {
        const q = new URL(uri, HOST).searchParams;
        if (uri.includes('/signals/raw/'))
          asked.push({ ds: q.get('datasource')!, from: Number(q.get('from')), until: Number(q.get('until')) });
        const a = answer(uri)!;
        return [a.status, a.body];
      });
    const from = Date.UTC(2016, 0, 1) / 1000;
    const until = from + 182 * DAY;
    const r = await collector([], { events: false }).collect({ entity: 'country:KZ', from, until, store: t.store, log: silentLogger });
    expect(r.failures).toEqual([]);
    for (const ds of ['bgp', 'ping-slash24', 'merit-nt', 'gtr']) {
      // distinct windows: on a loaded machine an answer may miss the 300 ms timeout and be asked again (a retry, same window)
      const w = asked.filter(
        (a, i) => a.ds === ds && asked.findIndex((b) => b.ds === a.ds && b.from === a.from && b.until === a.until) === i,
      );
      expect(w).toHaveLength(2);
      expect(w[0]!.from).toBe(from);
      expect(w[0]!.until).toBe(w[1]!.from);
      expect(w[1]!.until).toBe(until);
      for (const x of w) expect(x.until - x.from).toBeLessThan(100 * DAY);
    }
    const bgp = t.store.listSignals('country:KZ').find((s) => s.name === 'ioda.bgp')!;
    expect(t.store.readPoints(bgp.id, from, until)).toHaveLength(182 * 288);
  });

  it('retries a 500 and then writes the window', async () => {
    nock(HOST)
      .get(/signals\/raw/)
      .reply(500, 'Internal Server Error')
      .get(/signals\/raw/)
      .reply(200, (uri) => answer(uri)!.body);
    const sleeps: number[] = [];
    const r = await collector(sleeps, { datasources: ['bgp'], events: false }).collect({
      entity: 'country:KZ',
      from: FROM,
      until: UNTIL,
      store: t.store,
      log: silentLogger,
    });
    expect(r).toMatchObject({ windowsOk: 1, windowsFailed: 0, points: 288 });
    expect(sleeps).toHaveLength(1);
  });

  it('waits as long as a 429 Retry-After says, then succeeds', async () => {
    nock(HOST)
      .get(/signals\/raw/)
      .reply(429, 'Too Many Requests', { 'Retry-After': '17' })
      .get(/signals\/raw/)
      .reply(200, (uri) => answer(uri)!.body);
    const sleeps: number[] = [];
    const r = await collector(sleeps, { datasources: ['bgp'], events: false }).collect({
      entity: 'country:KZ',
      from: FROM,
      until: UNTIL,
      store: t.store,
      log: silentLogger,
    });
    expect(sleeps).toEqual([17_000]);
    expect(r.windowsOk).toBe(1);
  });

  it('a timeout fails that window only, names the URL, and the run says so; a later run fills it', async () => {
    nock(HOST)
      .get(/datasource=bgp/)
      .times(3)
      .delay(1000)
      .reply(200, 'late');
    // up to 3 answers: on a busy machine the healthy window's first answer may itself miss the 300 ms timeout
    nock(HOST)
      .get(/datasource=ping-slash24/)
      .times(3)
      .reply(200, (uri) => answer(uri)!.body);
    const r = await collector([], { datasources: ['bgp', 'ping-slash24'], events: false }).collect({
      entity: 'country:KZ',
      from: FROM,
      until: UNTIL,
      store: t.store,
      log: silentLogger,
    });
    expect(r.windowsOk).toBe(1);
    expect(r.windowsFailed).toBe(1);
    expect(r.failures[0]!.url).toContain('/v2/signals/raw/country/KZ?');
    expect(r.failures[0]!.url).toContain('datasource=bgp');
    expect(r.failures[0]!.error).toMatch(/no answer within 300 ms/);
    const run = t.store.recentRuns({ collector: 'ioda' })[0]!;
    expect(run.status).toBe('partial');
    expect(run.error).toMatch(/1 window\(s\) failed.*datasource=bgp/);
    nock.cleanAll();
    const asked: string[] = [];
    nock(HOST)
      .get(/signals\/raw/)
      .reply(200, (uri) => (asked.push(uri), answer(uri)!.body));
    const again = await collector([], { datasources: ['bgp', 'ping-slash24'], events: false }).collect({
      entity: 'country:KZ',
      from: FROM,
      until: UNTIL,
      store: t.store,
      log: silentLogger,
    });
    expect(again.windowsOk).toBe(1);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('datasource=bgp');
    expect(t.store.recentRuns({ collector: 'ioda' })[0]!.status).toBe('ok');
  });
});

describe('IODA collect: bad answers write nothing of their window', () => {
  async function collectBgp(body: string) {
    nock(HOST)
      .get(/signals\/raw/)
      .times(3)
      .reply(200, body);
    return collector([], { datasources: ['bgp'], events: false }).collect({
      entity: 'country:KZ',
      from: FROM,
      until: UNTIL,
      store: t.store,
      log: silentLogger,
    });
  }
  const good = () => fixture('signals-raw-country-KZ-bgp-20160520.json');

  it('invalid JSON', async () => {
    const r = await collectBgp('<html><body>502 Bad Gateway</body></html>');
    expect(r.failures[0]!.error).toMatch(/^http:\/\/ioda\.test\/v2\/signals\/raw\/country\/KZ\?.*invalid JSON/);
    expect(pointCount(t.store)).toBe(0);
    expect(t.store.checkpoints()).toEqual([]);
  });

  it('a truncated body', async () => {
    const r = await collectBgp(good().slice(0, 2000));
    expect(r.failures[0]!.error).toMatch(/truncated body/);
    expect(pointCount(t.store)).toBe(0);
    expect(t.store.checkpoints()).toEqual([]);
  });

  it('a schema mismatch names the field', async () => {
    const doc = JSON.parse(good()) as { data: Array<Array<{ values: unknown[] }>> };
    doc.data[0]![0]!.values[3] = '5201';
    const r = await collectBgp(JSON.stringify(doc));
    expect(r.failures[0]!.error).toContain('data[0][0].values[3]');
    expect(r.failures[0]!.url).toContain('datasource=bgp');
    expect(pointCount(t.store)).toBe(0);
    expect(t.store.listSignals()).toEqual([]);
    expect(t.store.checkpoints()).toEqual([]);
  });

  it('HTTP 200 with `error` set is an error', async () => {
    const r = await collectBgp(fixture('signals-raw-country-KZ-bgp-backend-error.json'));
    expect(r.windowsFailed).toBe(1);
    expect(r.failures[0]!.error).toContain('IODA answered with an error: Backend error: influxv2 query failed');
    expect(pointCount(t.store)).toBe(0);
    expect(t.store.checkpoints()).toEqual([]);
  });

  it('`data: [[]]` is recorded as no data, and not asked again', async () => {
    const r = await collectBgp(fixture('signals-raw-country-KZ-merit-nt-20160520-no-data.json').replace('"merit-nt"', '"bgp"'));
    expect(r).toMatchObject({ windowsOk: 1, windowsFailed: 0, points: 0, coveredUntil: UNTIL });
    expect(t.store.checkpoints({ signal: 'ioda.bgp' })).toMatchObject([{ status: 'no-data', from: FROM, until: UNTIL }]);
    nock.cleanAll();
    const again = await collector([], { datasources: ['bgp'], events: false }).collect({
      entity: 'country:KZ',
      from: FROM,
      until: UNTIL,
      store: t.store,
      log: silentLogger,
    });
    expect(again.windowsOk + again.windowsFailed).toBe(0);
  });

  it('the same range twice leaves the same rows and asks nothing the second time', async () => {
    nock(HOST)
      .persist()
      .get(/^\/v2\//)
      .reply(200, (uri) => answer(uri)!.body);
    const from = FROM - 10 * DAY;
    const c = collector();
    await c.collect({ entity: 'country:KZ', from, until: UNTIL, store: t.store, log: silentLogger });
    const n1 = pointCount(t.store);
    const nulls = (t.store.db.prepare('SELECT count(*) AS n FROM points WHERE value IS NULL').get() as { n: number }).n;
    expect(n1).toBe(11 * (288 + 144 + 288 + 4 * 48));
    expect(nulls).toBeGreaterThan(0);
    const second = await c.collect({ entity: 'country:KZ', from, until: UNTIL, store: t.store, log: silentLogger });
    expect(second.windowsOk).toBe(0);
    expect(pointCount(t.store)).toBe(n1);
    // even when re-fetched (checkpoints gone), rows are upserted, never duplicated
    t.store.db.prepare('DELETE FROM checkpoints').run();
    const third = await c.collect({ entity: 'country:KZ', from, until: UNTIL, store: t.store, log: silentLogger });
    expect(third.windowsOk).toBe(5);
    expect(pointCount(t.store)).toBe(n1);
  });
});

describe('IODA collect: an answer that does not match the request fails its window, which is fetched again later', () => {
  // Each stands for a source (or a proxy in front of it) answering 200 with less than was asked: before, such
  // answers were written and checkpointed, leaving a third of the points missing for good.
  const good = () =>
    JSON.parse(fixture('signals-raw-country-KZ-bgp-20160520.json')) as {
      data: Array<Array<{ from: number; until: number; step: number; values: Array<number | null> }>>;
    };
  const cases: Array<[string, (d: ReturnType<typeof good>) => void, RegExp]> = [
    [
      'a short series (a third of the values missing)',
      (d) => void (d.data[0]![0]!.values = d.data[0]![0]!.values.slice(0, 192)),
      /192 values.*expected 288/,
    ],
    [
      'a doubled step',
      (d) => {
        const s = d.data[0]![0]!;
        s.step = 600;
        s.values = s.values.filter((_, i) => i % 2 === 0);
      },
      /step 600.*asked for the native step 300/,
    ],
    [
      'a shifted `from`',
      (d) => {
        const s = d.data[0]![0]!;
        s.from += 8 * 3600;
        s.values = s.values.slice(96);
      },
      /starts at 2016-05-20T08:00:00Z.*asked from 2016-05-20T00:00:00Z/,
    ],
  ];
  for (const [name, change, message] of cases) {
    it(name, async () => {
      const doc = good();
      change(doc);
      nock(HOST)
        .get(/signals\/raw/)
        .reply(200, JSON.stringify(doc));
      const r = await collector([], { datasources: ['bgp'], events: false }).collect({
        entity: 'country:KZ',
        from: FROM,
        until: UNTIL,
        store: t.store,
        log: silentLogger,
      });
      expect(r.windowsOk).toBe(0);
      expect(r.windowsFailed).toBe(1);
      expect(r.failures[0]!.error).toMatch(message);
      expect(r.failures[0]!.url).toContain('datasource=bgp');
      expect(pointCount(t.store)).toBe(0);
      expect(t.store.checkpoints()).toEqual([]);
      const run = t.store.recentRuns({ collector: 'ioda' })[0]!;
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(message);
      // the next run asks again and gets it all
      nock(HOST)
        .get(/signals\/raw/)
        .reply(200, fixture('signals-raw-country-KZ-bgp-20160520.json'));
      const again = await collector([], { datasources: ['bgp'], events: false }).collect({
        entity: 'country:KZ',
        from: FROM,
        until: UNTIL,
        store: t.store,
        log: silentLogger,
      });
      expect(again).toMatchObject({ windowsOk: 1, windowsFailed: 0, points: 288 });
    });
  }

  it('an empty 200 body is retried within the run like a truncation', async () => {
    nock(HOST)
      .get(/signals\/raw/)
      .reply(200, '')
      .get(/signals\/raw/)
      .reply(200, fixture('signals-raw-country-KZ-bgp-20160520.json'));
    const sleeps: number[] = [];
    const r = await collector(sleeps, { datasources: ['bgp'], events: false }).collect({
      entity: 'country:KZ',
      from: FROM,
      until: UNTIL,
      store: t.store,
      log: silentLogger,
    });
    expect(r).toMatchObject({ windowsOk: 1, windowsFailed: 0, points: 288 });
    expect(sleeps).toHaveLength(1);
  });

  it('a body cut short within its announced length (padded with NUL bytes) is retried within the run', async () => {
    const body = fixture('signals-raw-country-KZ-bgp-20160520.json');
    const cut = body.slice(0, 2000) + '\0'.repeat(body.length - 2000);
    nock(HOST)
      .get(/signals\/raw/)
      .reply(200, cut, { 'Content-Length': String(Buffer.byteLength(cut)) })
      .get(/signals\/raw/)
      .reply(200, body);
    const sleeps: number[] = [];
    const r = await collector(sleeps, { datasources: ['bgp'], events: false }).collect({
      entity: 'country:KZ',
      from: FROM,
      until: UNTIL,
      store: t.store,
      log: silentLogger,
    });
    expect(r).toMatchObject({ windowsOk: 1, windowsFailed: 0, points: 288 });
    expect(sleeps).toHaveLength(1);
  });
});
