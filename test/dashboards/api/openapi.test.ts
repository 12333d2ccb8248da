import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { ADMIN_TOKEN, fakeCollector, fixtureApp, fixtureStore } from './fixture.js';
import { loadSpec } from './conform.js';

type Spec = Awaited<ReturnType<typeof loadSpec>>;

/** One request per documented (method, path, status): the response must match its schema. */
const CASES: Array<{
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  url: string;
  body?: unknown;
  auth?: string | null;
  app?: 'plain' | 'readonly' | 'notoken';
}> = [
  { method: 'get', path: '/health', url: '/api/health' },
  { method: 'get', path: '/openapi.json', url: '/api/openapi.json' },
  { method: 'get', path: '/entities', url: '/api/entities' },
  { method: 'get', path: '/entities', url: '/api/entities?format=csv' },
  { method: 'get', path: '/entities', url: '/api/entities?country=Kazakhstan' },
  { method: 'get', path: '/entities/{entity}', url: '/api/entities/country:KZ' },
  { method: 'get', path: '/entities/{entity}', url: '/api/entities/country:ZZ' },
  { method: 'get', path: '/signals', url: '/api/signals?entity=country:KZ&from=2016-05-01&until=2016-06-01&maxPoints=300' },
  { method: 'get', path: '/signals', url: '/api/signals?entity=country:KZ&from=2016-05-20&until=2016-05-20&times=iso' },
  { method: 'get', path: '/signals', url: '/api/signals?entity=country:KZ&from=2016-05-20&until=2016-05-20&format=csv' },
  { method: 'get', path: '/signals', url: '/api/signals?entity=country:KZ&from=banana' },
  { method: 'get', path: '/signals', url: '/api/signals?entity=country:ZZ' },
  { method: 'get', path: '/sources', url: '/api/sources?entity=country:KZ&collector=ioda' },
  { method: 'get', path: '/sources', url: '/api/sources?format=csv' },
  { method: 'get', path: '/sources', url: '/api/sources?runs=x' },
  { method: 'get', path: '/sources/runs', url: '/api/sources/runs' },
  { method: 'get', path: '/sources/runs', url: '/api/sources/runs?format=csv' },
  { method: 'get', path: '/sources/runs', url: '/api/sources/runs?limit=0' },
  { method: 'get', path: '/sources/runs/{id}', url: '/api/sources/runs/1' },
  { method: 'get', path: '/sources/runs/{id}', url: '/api/sources/runs/x' },
  { method: 'get', path: '/sources/runs/{id}', url: '/api/sources/runs/999' },
  { method: 'get', path: '/sources/checkpoints', url: '/api/sources/checkpoints' },
  { method: 'get', path: '/sources/checkpoints', url: '/api/sources/checkpoints?format=csv' },
  { method: 'get', path: '/sources/checkpoints', url: '/api/sources/checkpoints?entity=nope' },
  { method: 'get', path: '/outages', url: '/api/outages' },
  { method: 'get', path: '/outages', url: '/api/outages?format=csv' },
  { method: 'get', path: '/outages', url: '/api/outages?from=banana' },
  { method: 'get', path: '/source-events', url: '/api/source-events?country=KZ' },
  { method: 'get', path: '/source-events', url: '/api/source-events?format=csv' },
  { method: 'get', path: '/source-events', url: '/api/source-events?source=IODA!' },
  { method: 'get', path: '/correlation', url: '/api/correlation?country=KZ' },
  { method: 'get', path: '/correlation', url: '/api/correlation?country=KZ&format=csv' },
  { method: 'get', path: '/correlation', url: '/api/correlation' },
  { method: 'get', path: '/outages/{id}', url: '/api/outages/1' },
  { method: 'get', path: '/outages/{id}', url: '/api/outages/x' },
  { method: 'get', path: '/outages/{id}', url: '/api/outages/999' },
  { method: 'get', path: '/events', url: '/api/events' },
  { method: 'get', path: '/events', url: '/api/events?format=csv' },
  { method: 'get', path: '/events', url: '/api/events?kind=party' },
  { method: 'get', path: '/events/{id}', url: '/api/events/kz-2016-05-21-land-protests' },
  { method: 'get', path: '/events/{id}', url: '/api/events/kz-2016-05-21-land-protests?lead=soon' },
  { method: 'get', path: '/events/{id}', url: '/api/events/no-such-event' },
  { method: 'get', path: '/reference', url: '/api/reference' },
  { method: 'get', path: '/reference', url: '/api/reference?format=csv' },
  { method: 'get', path: '/reference', url: '/api/reference?format=yaml' },
  { method: 'get', path: '/reference/{list}', url: '/api/reference/stop' },
  { method: 'get', path: '/reference/{list}', url: '/api/reference/stop?format=csv' },
  { method: 'get', path: '/reference/{list}', url: '/api/reference/stop?until=never' },
  { method: 'get', path: '/reference/{list}', url: '/api/reference/stop?scope=regional' },
  { method: 'get', path: '/reference/{list}', url: '/api/reference/stop?scope=planet' },
  { method: 'get', path: '/reference/{list}', url: '/api/reference/nope' },
  {
    method: 'post',
    path: '/events',
    url: '/api/events',
    body: { title: 'Rally', country: 'KZ', start: '2016-06-12', tz: 'Asia/Almaty', kind: 'protest', sources: ['https://example.org/a'] },
  },
  { method: 'post', path: '/events', url: '/api/events', body: { title: 'Rally', country: 'Atlantis', start: '2016-06-12' } },
  { method: 'post', path: '/events', url: '/api/events', body: { title: 'x', country: 'KZ', start: '2016-06-12' }, auth: null },
  { method: 'post', path: '/events', url: '/api/events', body: { title: 'x', country: 'KZ', start: '2016-06-12' }, app: 'notoken' },
  {
    method: 'post',
    path: '/events',
    url: '/api/events',
    body: { id: 'kz-2016-05-21-land-protests', title: 'Land reform protests', country: 'KZ', start: '2016-05-21', tz: 'Asia/Almaty' },
  },
  { method: 'post', path: '/events', url: '/api/events', body: { title: 'x', country: 'KZ', start: '2016-06-12' }, app: 'readonly' },
  {
    method: 'put',
    path: '/events/{id}',
    url: '/api/events/kz-2016-05-21-land-protests',
    body: { title: 'Land reform protests', country: 'KZ', start: '2016-05-21', tz: 'Asia/Almaty', kind: 'protest', notes: 'edited' },
  },
  {
    method: 'put',
    path: '/events/{id}',
    url: '/api/events/kz-2016-05-21-land-protests',
    body: { title: 'Land reform protests', country: 'KZ', start: 'tomorrow' },
  },
  { method: 'put', path: '/events/{id}', url: '/api/events/kz-2016-05-21-land-protests', body: {}, auth: 'wrong-token-wrong-token' },
  { method: 'put', path: '/events/{id}', url: '/api/events/kz-2016-05-21-land-protests', body: {}, app: 'notoken' },
  { method: 'put', path: '/events/{id}', url: '/api/events/no-such-event', body: { title: 'x', country: 'KZ', start: '2016-06-12' } },
  {
    method: 'put',
    path: '/events/{id}',
    url: '/api/events/kz-2016-05-21-land-protests',
    body: { title: 'January events', country: 'KZ', start: '2022-01-05', tz: 'Asia/Almaty' },
  },
  { method: 'put', path: '/events/{id}', url: '/api/events/kz-2016-05-21-land-protests', body: {}, app: 'readonly' },
  { method: 'delete', path: '/events/{id}', url: '/api/events/ua-2016-05-01-rally' },
  { method: 'delete', path: '/events/{id}', url: '/api/events/ua-2016-05-01-rally', auth: null },
  { method: 'delete', path: '/events/{id}', url: '/api/events/ua-2016-05-01-rally', app: 'notoken' },
  { method: 'delete', path: '/events/{id}', url: '/api/events/no-such-event' },
  { method: 'delete', path: '/events/{id}', url: '/api/events/ua-2016-05-01-rally', app: 'readonly' },
  {
    method: 'post',
    path: '/collect',
    url: '/api/collect',
    body: { source: 'ioda', entity: 'country:KZ', from: '2016-05-20', until: '2016-05-21' },
  },
  {
    method: 'post',
    path: '/collect',
    url: '/api/collect',
    body: { source: 'ioda', entity: 'country:KZ', from: '2016-05-20', until: '2016-05-21' },
  },
  { method: 'post', path: '/collect', url: '/api/collect', body: { source: 'nope', entity: 'country:KZ', from: '2016-05-20' } },
  { method: 'post', path: '/collect', url: '/api/collect', body: { source: 'ioda', entity: 'country:KZ', from: '2016-05-20' }, auth: null },
  {
    method: 'post',
    path: '/collect',
    url: '/api/collect',
    body: { source: 'ioda', entity: 'country:KZ', from: '2016-05-20' },
    app: 'notoken',
  },
  {
    method: 'post',
    path: '/collect',
    url: '/api/collect',
    body: { source: 'ioda', entity: 'country:KZ', from: '2016-05-20' },
    app: 'readonly',
  },
];

describe('OpenAPI document', () => {
  let spec: Spec;
  let t: ReturnType<typeof fixtureStore>;
  const apps: Record<string, Express> = {};
  let release: () => void = () => {};
  beforeAll(async () => {
    spec = await loadSpec();
    t = fixtureStore();
    // a collector that stays busy until released, so that a second POST /collect meets the 409
    const slow = fakeCollector(
      'ioda',
      ['ioda.bgp'],
      () =>
        new Promise(
          (resolve) =>
            (release = () => resolve({ points: 0, events: 0, coveredUntil: null, windowsOk: 1, windowsFailed: 0, failures: [] })),
        ),
    );
    apps.plain = fixtureApp(t, { adminToken: ADMIN_TOKEN, writer: true, collectors: [slow] });
    apps.readonly = fixtureApp(t, { adminToken: ADMIN_TOKEN, collectors: [slow] });
    apps.notoken = fixtureApp(t, { writer: true });
  });
  afterAll(() => {
    release();
    t.cleanup();
  });

  it('is a valid OpenAPI 3.1 document, served at /api/openapi.json', async () => {
    const res = await request(apps.plain!).get('/api/openapi.json').expect(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(spec.doc)));
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.info.version).toBe('1.2.3');
  });

  it('every documented response is produced by the app and matches its schema', async () => {
    for (const c of CASES) {
      const app = apps[c.app ?? 'plain']!;
      let r = request(app)[c.method](c.url);
      const auth = c.auth === undefined ? ADMIN_TOKEN : c.auth;
      if (auth !== null) r = r.set('Authorization', `Bearer ${auth}`);
      const res = c.body === undefined ? await r : await r.send(c.body as object);
      expect(() => spec.check(c.method, c.path, res), `${c.method} ${c.url}`).not.toThrow();
    }
    release();
    // a rate-limited response, on an app with a tiny limit
    const tiny = fixtureApp(t, { api: { rateLimit: { windowSeconds: 60, max: 1 } } });
    await request(tiny).get('/api/outages').expect(200);
    const limited = await request(tiny).get('/api/outages').expect(429);
    spec.check('get', '/outages', limited);
    const missing = spec.documented().filter((k) => !spec.checked.has(k) && !k.endsWith(' 429'));
    expect(missing).toEqual([]);
  });

  it('documents exactly what each route validates: a value outside a documented parameter schema is a 400 naming it', async () => {
    type Param = {
      name: string;
      in: string;
      required?: boolean;
      schema: { type?: string; enum?: string[]; pattern?: string; minimum?: number; maximum?: number };
    };
    const paths = spec.doc.paths as Record<string, Record<string, { parameters?: Param[] }>>;
    const required: Record<string, string> = { '/signals': 'entity=country:KZ', '/correlation': 'country=KZ' };
    let tried = 0;
    for (const [path, ops] of Object.entries(paths)) {
      const get = ops.get;
      if (!get?.parameters || path.includes('{')) continue;
      for (const p of get.parameters.filter((x) => x.in === 'query')) {
        const bad = p.schema.enum
          ? 'not-a-listed-value'
          : p.schema.type === 'integer'
            ? String((p.schema.maximum ?? 1e15) + 1)
            : p.schema.pattern
              ? '!!'
              : null;
        if (bad === null) continue;
        const base = required[path] && !required[path]!.startsWith(`${p.name}=`) ? `${required[path]}&` : '';
        const res = await request(apps.plain!).get(`/api${path}?${base}${p.name}=${encodeURIComponent(bad)}`);
        expect([res.status, res.body.error?.parameter], `${path} ${p.name}=${bad}`).toEqual([400, p.name]);
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(30);
  });
});
