import type { Express } from 'express';
import type { Logger } from 'pino';
import { createApp } from '../../../dashboards/app.js';
import type { Collector } from '../../../collectors/types.js';
import type { PointTuple } from '../../../db/store.js';
import { replaceOutages } from '../../../db/outages.js';
import { upsertEvent } from '../../../db/calendar.js';
import { upsertReferenceOutages } from '../../../db/reference.js';
import { validateEvent } from '../../../services/calendar/validate.js';
import { configSchema } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { tempStore, seededRandom } from '../../helpers.js';

/** Fixture times (Unix seconds UTC). */
export const T = {
  dataFrom: Date.UTC(2016, 3, 1) / 1000, // 2016-04-01
  dataUntil: Date.UTC(2016, 5, 1) / 1000, // 2016-06-01
  dip: Date.UTC(2016, 4, 20, 18, 0) / 1000, // one 5-minute point at 0.5 % of normal
  storedNull: Date.UTC(2016, 4, 20, 12, 0) / 1000, // one stored null
  gapFrom: Date.UTC(2016, 4, 21) / 1000, // a whole day without points
  gapUntil: Date.UTC(2016, 4, 22) / 1000,
  now: Date.UTC(2016, 5, 1) / 1000,
};

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export function fakeCollector(name: string, signals: string[] = [], collect?: Collector['collect']): Collector {
  return {
    name,
    describe: () => `${name} test collector`,
    enabled: () => true,
    disabledReason: () => null,
    signals: () => signals,
    collect: collect ?? (async () => ({ points: 0, events: 0, coveredUntil: null, windowsOk: 0, windowsFailed: 0, failures: [] })),
  };
}

/** A store with two months of 5-minute ioda.bgp (a one-point dip, a stored null, a one-day gap), and a few more signals. */
export function fixtureStore() {
  const t = tempStore();
  const rnd = seededRandom(11);
  const bgp: PointTuple[] = [];
  for (let ts = T.dataFrom; ts < T.dataUntil; ts += 300) {
    if (ts >= T.gapFrom && ts < T.gapUntil) continue;
    if (ts === T.storedNull) bgp.push([ts, null]);
    else bgp.push([ts, ts === T.dip ? 5 : Math.round(1000 + rnd() * 20)]);
  }
  t.store.writeWindow({
    collector: 'ioda',
    entity: 'country:KZ',
    from: T.dataFrom,
    until: T.dataUntil,
    series: [{ signal: { name: 'ioda.bgp', step: 300, unit: 'prefixes' }, points: bgp }],
  });
  const d19 = Date.UTC(2016, 4, 19) / 1000;
  const ping: PointTuple[] = [];
  for (let ts = d19; ts < d19 + 4 * 86400; ts += 600) ping.push([ts, 500 + Math.round(rnd() * 10)]);
  t.store.writeWindow({
    collector: 'ioda',
    entity: 'country:KZ',
    from: d19,
    until: d19 + 4 * 86400,
    series: [{ signal: { name: 'ioda.ping-slash24' }, points: ping }],
  });
  const ooni: PointTuple[] = [];
  for (let d = 0; d < 10; d++) ooni.push([Date.UTC(2016, 4, 15 + d) / 1000, d === 5 || d === 6 ? 0.9 : 0.05]);
  t.store.writeWindow({
    collector: 'ooni',
    entity: 'country:KZ',
    from: Date.UTC(2016, 4, 15) / 1000,
    until: Date.UTC(2016, 4, 25) / 1000,
    series: [{ signal: { name: 'ooni.anomaly_rate:facebook.com', step: 86400 }, points: ooni }],
  });
  const synth: PointTuple[] = [];
  for (let h = 0; h < 96; h++) synth.push([d19 + h * 3600, 100]);
  t.store.writeWindow({
    collector: 'demo',
    entity: 'country:KZ',
    from: d19,
    until: d19 + 96 * 3600,
    series: [{ signal: { name: 'custom.connectivity', step: 3600, synthetic: true }, points: synth }],
  });
  // a spreadsheet formula in a name, to check CSV neutralising
  t.store.ensureEntity('asn:9198', { name: '=HYPERLINK("http://evil.example","KazakhTelecom")', country: 'KZ' });
  t.store.ensureEntity('country:UA');
  const run = t.store.startRun('collect:ioda', 'ioda');
  t.store.finishRun(run, { status: 'ok', rows: bgp.length, windowsOk: 1 });
  replaceOutages(t.store.db, 'country:KZ', T.dataFrom, T.dataUntil, [
    {
      entity: 'country:KZ',
      start: Date.UTC(2016, 4, 20, 6) / 1000,
      end: Date.UTC(2016, 4, 21, 18) / 1000,
      kind: 'service-blocking',
      severity: 'critical',
      score: 1234.5,
      signals: [
        {
          signal: 'ooni.anomaly_rate:facebook.com',
          start: Date.UTC(2016, 4, 20, 6) / 1000,
          end: Date.UTC(2016, 4, 21, 18) / 1000,
          severity: 'critical',
          depth: 0.85,
          score: 1234.5,
        },
      ],
      targets: ['facebook.com'],
      evidence: [{ label: 'OONI Explorer', url: 'https://explorer.ooni.org/chart/mat?probe_cc=KZ' }],
    },
    {
      entity: 'country:KZ',
      start: T.dip,
      end: T.dip + 300,
      kind: 'connectivity',
      severity: 'warning',
      score: 10,
      signals: [{ signal: 'ioda.bgp', start: T.dip, end: T.dip + 300, severity: 'warning', depth: 0.99, score: 10 }],
      targets: [],
      evidence: [],
    },
  ]);
  for (const raw of EVENTS) {
    const v = validateEvent({ line: 1, raw }, { file: 'fixture', origin: 'seed' });
    if (!v.ok) throw new Error(JSON.stringify(v.errors));
    upsertEvent(t.store.db, v.event, T.now);
  }
  upsertReferenceOutages(
    t.store.db,
    'stop',
    'stop',
    'stop-2016.csv',
    [
      {
        list: 'stop',
        naturalKey: 'KZ-2016-05-20',
        country: 'KZ',
        start: Date.UTC(2016, 4, 20) / 1000,
        end: Date.UTC(2016, 4, 22) / 1000,
        kind: 'service-blocking',
        scope: 'national',
        scopeRaw: 'Country',
        scopeDetail: null,
        area: null,
        cause: 'protests',
        services: ['Facebook', 'WhatsApp'],
        source: 'https://www.accessnow.org/keepiton',
        originFile: 'stop-2016.csv',
        originLine: 2,
        raw: {},
      },
      {
        list: 'stop',
        naturalKey: 'UA-2016-06-01',
        country: 'UA',
        start: Date.UTC(2016, 5, 1) / 1000,
        end: null,
        kind: 'connectivity',
        scope: 'regional',
        scopeRaw: 'Region (@Crimea)',
        scopeDetail: '@Crimea',
        area: '@Crimea',
        cause: null,
        services: [],
        source: null,
        originFile: 'stop-2016.csv',
        originLine: 3,
        raw: {},
      },
    ],
    { rejected: 0 },
    T.now,
  );
  return t;
}

/** 21 May 2016, the land reform protests in Kazakhstan: the calendar event the tests add (as a user's form sends it). */
export const LAND_PROTESTS = {
  title: 'Land reform protests',
  country: 'KZ',
  start: '2016-05-21',
  tz: 'Asia/Almaty',
  kind: 'protest',
  sources: ['https://en.wikipedia.org/wiki/2016_Kazakh_protests'],
};

export const EVENTS = [
  { id: 'kz-2016-05-21-land-protests', ...LAND_PROTESTS, places: [{ name: 'Almaty' }] },
  {
    id: 'kz-2022-01-05-unrest',
    title: 'January events',
    country: 'KZ',
    start: '2022-01-05',
    tz: 'Asia/Almaty',
    kind: 'unrest',
    sources: ['https://en.wikipedia.org/wiki/2022_Kazakh_unrest'],
    notes: '-cmd|calc',
  },
  {
    id: 'ua-2016-05-01-rally',
    title: 'Rally',
    country: 'UA',
    start: '2016-05-01',
    tz: 'Europe/Kyiv',
    kind: 'protest',
    sources: ['https://example.org/ua'],
  },
];

export interface AppOptions {
  adminToken?: string;
  api?: Record<string, unknown>;
  collectors?: Collector[];
  writer?: boolean;
  log?: Logger;
}

export function fixtureApp(t: ReturnType<typeof tempStore>, opts: AppOptions = {}): Express {
  const config = configSchema.parse({ db: t.path, adminToken: opts.adminToken, api: opts.api ?? {} });
  return createApp({
    config,
    store: t.store,
    writer: opts.writer ? t.store : undefined,
    collectors: opts.collectors ?? [
      fakeCollector('ioda', ['ioda.bgp', 'ioda.ping-slash24']),
      fakeCollector('ooni', ['ooni.anomaly_rate:facebook.com']),
    ],
    log: opts.log ?? silentLogger,
    version: '1.2.3',
    now: () => T.now,
  });
}
