import nock from 'nock';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRadarCollector } from '../../../collectors/radar/index.js';
import { radarOutagesResponseSchema } from '../../../collectors/radar/schema.js';
import { createCollectors } from '../../../collectors/registry.js';
import { loadConfig } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { tempStore } from '../../helpers.js';

const HOST = 'http://radar.test';
const D = (s: string) => Date.parse(`${s}T00:00:00Z`) / 1000;
const FROM = D('2022-09-01');
const UNTIL = D('2022-11-01');
const docsExample = () =>
  readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'radar', 'annotations-outages-docs-example.json'), 'utf8');

/**
 * SYNTHETIC annotation in the full current shape: the fields of the docs example plus those the API
 * reference (cloudflare SDK OutageGetResponse.Annotation) lists and the example lacks.
 */
const fullAnnotation = {
  id: '2f1e2b0c',
  dataSource: 'ALL',
  description: 'Nationwide shutdown during unrest',
  scope: null,
  startDate: '2022-01-05T12:00:00Z',
  endDate: '2022-01-10T06:00:00Z',
  locations: ['KZ'],
  locationsDetails: [{ code: 'KZ', name: 'Kazakhstan' }],
  asns: [9198],
  asnsDetails: [{ asn: '9198', name: 'JSC Kazakhtelecom', locations: { code: 'KZ', name: 'Kazakhstan' } }],
  origins: [],
  originsDetails: [],
  eventType: 'OUTAGE',
  linkedUrl: 'https://blog.cloudflare.com/',
  outage: { outageCause: 'GOVERNMENT_DIRECTED', outageType: 'NATIONWIDE' },
};

/** SYNTHETIC: the full-shape annotation re-addressed to Ukraine and into the collected range (Sep–Oct 2022). */
const uaFullAnnotation = {
  ...fullAnnotation,
  startDate: '2022-09-05T12:00:00Z',
  endDate: '2022-09-10T06:00:00Z',
  locations: ['UA'],
  locationsDetails: [{ code: 'UA', name: 'Ukraine' }],
  asns: [],
  asnsDetails: [],
};

/** The docs example as Radar answers `location=…`: only the annotations about that location. */
function docsFor(location: string): string {
  const doc = JSON.parse(docsExample());
  doc.result.annotations = doc.result.annotations.filter((a: { locations: string[] }) => a.locations.includes(location));
  return JSON.stringify(doc);
}

function makeConfig(token?: string, radar: Record<string, unknown> = {}) {
  const env: Record<string, string> = { OUTAGEWATCH_RADAR_URL: `${HOST}/client/v4/radar` };
  if (token) env.OUTAGEWATCH_RADAR_TOKEN = token;
  const config = loadConfig({ env, cwd: '/' });
  config.collection = { radar };
  return config;
}

function collector(token?: string, radar: Record<string, unknown> = {}, sleeps: number[] = []) {
  return createRadarCollector(makeConfig(token, radar), {
    log: silentLogger,
    http: {
      timeoutMs: 500,
      maxAttempts: 3,
      rateLimit: { requests: 1000, intervalMs: 1000 },
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
    },
    now: () => D('2026-01-01'),
  });
}

let t: ReturnType<typeof tempStore>;
beforeEach(() => {
  t = tempStore();
});
afterEach(() => {
  nock.cleanAll();
  t.cleanup();
});

describe('Cloudflare Radar', () => {
  it('the schema accepts the docs example (without ids and details) and the full current shape', () => {
    const docs = radarOutagesResponseSchema.parse(JSON.parse(docsExample()));
    expect(docs.result.annotations).toHaveLength(2);
    expect(docs.result.annotations[0]!.endDate).toBeNull();
    const full = radarOutagesResponseSchema.parse({ success: true, errors: [], messages: [], result: { annotations: [fullAnnotation] } });
    expect(full.result.annotations[0]!.asnsDetails![0]!.name).toBe('JSC Kazakhtelecom');
  });

  it('without a token it is disabled, says why, and makes no request', async () => {
    const c = collector();
    expect(c.enabled()).toBe(false);
    expect(c.disabledReason()).toMatch(/OUTAGEWATCH_RADAR_TOKEN/);
    const r = await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(r).toMatchObject({ windowsOk: 0, windowsFailed: 0, failures: [] });
    expect(t.store.recentRuns()).toEqual([]);
    // and the registry builds it like the others
    const fromRegistry = createCollectors(makeConfig(), silentLogger).find((x) => x.name === 'radar')!;
    expect(fromRegistry.enabled()).toBe(false);
  });

  it('collects annotations page by page as source events, with the bearer token', async () => {
    const seen: URLSearchParams[] = [];
    const auth: string[] = [];
    const docs = JSON.parse(docsExample());
    nock(HOST)
      .persist()
      .get('/client/v4/radar/annotations/outages')
      .query(true)
      .reply(function (uri) {
        const q = new URL(uri, HOST).searchParams;
        seen.push(q);
        auth.push(String(this.req.headers.authorization));
        const page = q.get('offset') === '0' ? [docs.result.annotations[0], uaFullAnnotation] : [];
        return [200, JSON.stringify({ success: true, errors: [], messages: [], result: { annotations: page } })];
      });
    const c = collector('tok-123', { pageSize: 2, windowDays: 365 });
    expect(c.enabled()).toBe(true);
    const r = await c.collect({ entity: 'country:UA', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(r.windowsFailed).toBe(0);
    expect(seen.map((q) => q.get('offset'))).toEqual(['0', '2']);
    expect(Object.fromEntries(seen[0]!)).toEqual({
      limit: '2',
      offset: '0',
      dateStart: '2022-09-01T00:00:00Z',
      dateEnd: '2022-10-31T23:59:59Z',
      format: 'json',
      location: 'UA',
    });
    expect(auth).toEqual(['Bearer tok-123', 'Bearer tok-123']);
    const events = t.store.listSourceEvents({ source: 'radar' });
    expect(events).toHaveLength(2);
    const ua = events.find((e) => e.title!.includes('power outage'))!;
    expect(ua.end).toBeNull(); // ongoing
    expect(ua.start).toBe(D('2022-10-25'));
    expect(ua.url).toMatch(/npr\.org/);
    expect(ua.externalId).toMatch(/^sha256:/); // the docs example has no id
    const full = events.find((e) => e.externalId.startsWith('2f1e2b0c'))!;
    expect(full.title).toBe('Cloudflare Radar: nationwide outage (government directed) in Ukraine');
    expect(full.end).toBe(D('2022-09-10') + 6 * 3600);
    expect(t.store.uncovered('radar', 'country:UA', 'radar.annotations', FROM, UNTIL)).toEqual([]);
  });

  it('waits for retry-after on 429 and then succeeds', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    nock(HOST)
      .persist()
      .get('/client/v4/radar/annotations/outages')
      .query(true)
      .reply(() => {
        calls++;
        if (calls === 1)
          return [
            429,
            JSON.stringify({
              success: false,
              errors: [{ code: 971, message: 'Please wait and consider throttling your request speed' }],
              messages: [],
              result: null,
            }),
            { 'retry-after': '7' },
          ];
        return [200, docsFor('UA')];
      });
    const r = await collector('tok', {}, sleeps).collect({
      entity: 'country:UA',
      from: FROM,
      until: UNTIL,
      store: t.store,
      log: silentLogger,
    });
    expect(r.windowsFailed).toBe(0);
    expect(sleeps).toEqual([7000]);
    expect(t.store.listSourceEvents({ source: 'radar' })).toHaveLength(1);
  });

  it('success:false and schema mismatches write nothing', async () => {
    nock(HOST)
      .get('/client/v4/radar/annotations/outages')
      .query(true)
      .reply(200, JSON.stringify({ errors: [{ message: 'Invalid location' }], result: {}, success: false }))
      .get('/client/v4/radar/annotations/outages')
      .query(true)
      .reply(
        200,
        JSON.stringify({ success: true, errors: [], result: { annotations: [{ ...fullAnnotation, startDate: 'last tuesday' }] } }),
      );
    const c = collector('tok', { windowDays: 365 });
    const r1 = await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(r1.failures[0]!.error).toMatch(/Invalid location/);
    const r2 = await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(r2.failures[0]!.error).toMatch(/result\.annotations\[0\]\.startDate/);
    expect(t.store.listSourceEvents()).toEqual([]);
    expect(t.store.checkpoints({ collector: 'radar' })).toEqual([]);
  });

  it('an answer to another question (another place, outside the range) fails the window, writes nothing and is asked again later', async () => {
    // stands for a cache or proxy answering with another request's body, or a filter the API ignored: before,
    // the US annotation was filed under UA (and a January annotation under September–October) and checkpointed
    const docs = JSON.parse(docsExample());
    const us = docs.result.annotations[1];
    const usDetails = {
      ...uaFullAnnotation,
      asnsDetails: [{ asn: '7922', name: 'Comcast', locations: { code: 'US', name: 'United States' } }],
      locations: [],
    };
    const odd: Array<[string, unknown[], RegExp]> = [
      [
        'the US annotation for location=UA',
        [docs.result.annotations[0], us],
        /result\.annotations\[1\]\.locations: about US, asked for UA/,
      ],
      [
        'a network annotation located in the US only by its details',
        [usDetails],
        /result\.annotations\[0\]\.locations: about US, asked for UA/,
      ],
      [
        'an annotation that ended before the range',
        [{ ...fullAnnotation, locations: ['UA'] }],
        /result\.annotations\[0\]\.endDate: ended at 2022-01-10T06:00:00Z, before the asked range/,
      ],
      [
        'an annotation that starts after the range',
        [{ ...uaFullAnnotation, startDate: '2022-12-01T00:00:00Z', endDate: null }],
        /result\.annotations\[0\]\.startDate: starts at 2022-12-01T00:00:00Z, after the asked range/,
      ],
    ];
    const c = collector('tok', { windowDays: 365 });
    for (const [what, annotations, message] of odd) {
      nock.cleanAll();
      nock(HOST)
        .get('/client/v4/radar/annotations/outages')
        .query(true)
        .reply(200, JSON.stringify({ success: true, errors: [], result: { annotations } }));
      const r = await c.collect({ entity: 'country:UA', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
      expect(r.windowsFailed, what).toBe(1);
      expect(r.failures[0]!.error, what).toMatch(/answer does not match the request/);
      expect(r.failures[0]!.error, what).toMatch(message);
      expect(t.store.listSourceEvents(), what).toEqual([]);
      expect(t.store.checkpoints({ collector: 'radar' }), what).toEqual([]);
      const run = t.store.recentRuns({ collector: 'radar', limit: 1 })[0]!;
      expect(run.status, what).toBe('failed');
      expect(JSON.stringify(run.details) + (run.error ?? ''), what).toMatch(/answer does not match the request/);
    }
    // an ongoing annotation that started before the range overlaps it: accepted (overlap, not containment)
    nock.cleanAll();
    nock(HOST)
      .get('/client/v4/radar/annotations/outages')
      .query(true)
      .reply(
        200,
        JSON.stringify({
          success: true,
          errors: [],
          result: { annotations: [{ ...docs.result.annotations[0], startDate: '2022-08-01T00:00:00Z' }] },
        }),
      );
    const again = await c.collect({ entity: 'country:UA', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(again.windowsOk).toBe(1);
    expect(t.store.listSourceEvents({ source: 'radar' })).toHaveLength(1);
  });

  it('asked for a network, an annotation about other networks fails the window', async () => {
    nock(HOST)
      .get('/client/v4/radar/annotations/outages')
      .query(true)
      .reply(200, JSON.stringify({ success: true, errors: [], result: { annotations: [{ ...uaFullAnnotation, asns: [9198] }] } }));
    const r = await collector('tok', { windowDays: 365 }).collect({
      entity: 'asn:15895',
      from: FROM,
      until: UNTIL,
      store: t.store,
      log: silentLogger,
    });
    expect(r.windowsFailed).toBe(1);
    expect(r.failures[0]!.error).toMatch(/result\.annotations\[0\]\.asns: about AS9198, asked for AS15895/);
    expect(t.store.listSourceEvents()).toEqual([]);
  });

  it('an empty 200 body is retried within the run', async () => {
    let calls = 0;
    nock(HOST)
      .persist()
      .get('/client/v4/radar/annotations/outages')
      .query(true)
      .reply(() => (++calls === 1 ? [200, ''] : [200, docsFor('UA')]));
    const r = await collector('tok', { windowDays: 365 }).collect({
      entity: 'country:UA',
      from: FROM,
      until: UNTIL,
      store: t.store,
      log: silentLogger,
    });
    expect(r.windowsFailed).toBe(0);
    expect(calls).toBe(2);
    expect(t.store.listSourceEvents({ source: 'radar' })).toHaveLength(1);
  });

  it('collecting or ingesting the same annotations twice keeps one event each', async () => {
    nock(HOST).persist().get('/client/v4/radar/annotations/outages').query(true).reply(200, docsFor('UA'));
    const c = createRadarCollector(makeConfig('tok'), {
      log: silentLogger,
      http: { rateLimit: { requests: 1000, intervalMs: 1000 }, sleep: async () => {} },
      now: () => UNTIL + 86400, // inside the settle period: not checkpointed, fetched again
    });
    await c.collect({ entity: 'country:UA', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    await c.collect({ entity: 'country:UA', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(t.store.listSourceEvents({ source: 'radar' })).toHaveLength(1);
    const file = join(t.dir, 'radar.json');
    writeFileSync(file, docsExample());
    const r = await collector().ingest!({ files: [file, file], store: t.store, log: silentLogger });
    expect(r.filesOk).toBe(2);
    // ingest files each annotation under its own locations (UA, US): the UA one is the same event as collected,
    // the US one is new
    expect(
      t.store
        .listSourceEvents({ source: 'radar' })
        .map((e) => e.entity)
        .sort(),
    ).toEqual(['country:UA', 'country:US']);
  });
});
