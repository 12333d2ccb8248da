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
const docsExample = () => readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'radar', 'annotations-outages-docs-example.json'), 'utf8');

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
    http: { timeoutMs: 500, maxAttempts: 3, rateLimit: { requests: 1000, intervalMs: 1000 }, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
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
        const page = q.get('offset') === '0' ? docs.result.annotations : [fullAnnotation];
        return [200, JSON.stringify({ success: true, errors: [], messages: [], result: { annotations: page } })];
      });
    const c = collector('tok-123', { pageSize: 2, windowDays: 365 });
    expect(c.enabled()).toBe(true);
    const r = await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(r.windowsFailed).toBe(0);
    expect(seen.map((q) => q.get('offset'))).toEqual(['0', '2']);
    expect(Object.fromEntries(seen[0]!)).toEqual({ limit: '2', offset: '0', dateStart: '2022-09-01T00:00:00Z', dateEnd: '2022-10-31T23:59:59Z', format: 'json', location: 'KZ' });
    expect(auth).toEqual(['Bearer tok-123', 'Bearer tok-123']);
    const events = t.store.listSourceEvents({ source: 'radar' });
    expect(events).toHaveLength(3);
    const ua = events.find((e) => e.title!.includes('power outage'))!;
    expect(ua.end).toBeNull(); // ongoing
    expect(ua.start).toBe(D('2022-10-25'));
    expect(ua.url).toMatch(/npr\.org/);
    expect(ua.externalId).toMatch(/^sha256:/); // the docs example has no id
    const kz = events.find((e) => e.externalId.startsWith('2f1e2b0c'))!;
    expect(kz.title).toBe('Cloudflare Radar: nationwide outage (government directed) in Kazakhstan');
    expect(kz.end).toBe(D('2022-01-10') + 6 * 3600);
    expect(t.store.uncovered('radar', 'country:KZ', 'radar.annotations', FROM, UNTIL)).toEqual([]);
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
        if (calls === 1) return [429, JSON.stringify({ success: false, errors: [{ code: 971, message: 'Please wait and consider throttling your request speed' }], messages: [], result: null }), { 'retry-after': '7' }];
        return [200, docsExample()];
      });
    const r = await collector('tok', {}, sleeps).collect({ entity: 'country:UA', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(r.windowsFailed).toBe(0);
    expect(sleeps).toEqual([7000]);
    expect(t.store.listSourceEvents({ source: 'radar' })).toHaveLength(2);
  });

  it('success:false and schema mismatches write nothing', async () => {
    nock(HOST)
      .get('/client/v4/radar/annotations/outages')
      .query(true)
      .reply(200, JSON.stringify({ errors: [{ message: 'Invalid location' }], result: {}, success: false }))
      .get('/client/v4/radar/annotations/outages')
      .query(true)
      .reply(200, JSON.stringify({ success: true, errors: [], result: { annotations: [{ ...fullAnnotation, startDate: 'last tuesday' }] } }));
    const c = collector('tok', { windowDays: 365 });
    const r1 = await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(r1.failures[0]!.error).toMatch(/Invalid location/);
    const r2 = await c.collect({ entity: 'country:KZ', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(r2.failures[0]!.error).toMatch(/result\.annotations\[0\]\.startDate/);
    expect(t.store.listSourceEvents()).toEqual([]);
    expect(t.store.checkpoints({ collector: 'radar' })).toEqual([]);
  });

  it('collecting or ingesting the same annotations twice keeps one event each', async () => {
    nock(HOST).persist().get('/client/v4/radar/annotations/outages').query(true).reply(200, docsExample());
    const c = createRadarCollector(makeConfig('tok'), {
      log: silentLogger,
      http: { rateLimit: { requests: 1000, intervalMs: 1000 }, sleep: async () => {} },
      now: () => UNTIL + 86400, // inside the settle period: not checkpointed, fetched again
    });
    await c.collect({ entity: 'country:UA', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    await c.collect({ entity: 'country:UA', from: FROM, until: UNTIL, store: t.store, log: silentLogger });
    expect(t.store.listSourceEvents({ source: 'radar' })).toHaveLength(2);
    const file = join(t.dir, 'radar.json');
    writeFileSync(file, docsExample());
    const r = await collector().ingest!({ files: [file, file], store: t.store, log: silentLogger });
    expect(r.filesOk).toBe(2);
    // collect filed both answers under the asked location (UA); ingest files each under its own locations
    // (UA, US): the UA annotation is the same event as collected, the US one is new
    expect(t.store.listSourceEvents({ source: 'radar' }).map((e) => e.entity).sort()).toEqual(['country:UA', 'country:UA', 'country:US']);
  });
});
