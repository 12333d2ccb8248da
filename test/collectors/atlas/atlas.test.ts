import nock from 'nock';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtlasCollector, atlasModule } from '../../../collectors/atlas/index.js';
import { COLLECTOR_MODULES, evidenceLinksFor } from '../../../collectors/registry.js';
import type { SqliteStore } from '../../../db/store.js';
import { ConfigError } from '../../../core/config.js';
import { loadConfig } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { DEFAULT_CADENCES } from '../../../services/scheduler/policy.js';
import { ruleFor, parseDetectorConfig } from '../../../services/detector/config.js';
import { tempStore } from '../../helpers.js';

const HOST = 'http://atlas.test';
const D = (s: string) => Date.parse(`${s}T00:00:00Z`) / 1000;
const FIX = join(import.meta.dirname, '..', '..', 'fixtures', 'atlas');
/** BUILT from the documented fields (see test/fixtures/atlas/SOURCES.md): the counts are illustrative. */
const BUILT = readFileSync(join(FIX, 'atlas-probe-deployment-cc_kz-BUILT.json'), 'utf8');
const built = () =>
  JSON.parse(BUILT) as { data: { deployments: Array<{ resource: string; deployment: unknown[] }>; resource: string[] } } & Record<
    string,
    unknown
  >;

function collector(atlas: Record<string, unknown> = {}, now = D('2026-01-01')) {
  const config = loadConfig({ env: { OUTAGEWATCH_ATLAS_URL: HOST }, cwd: '/' });
  config.collection = { atlas };
  return new AtlasCollector(config, {
    log: silentLogger,
    http: { timeoutMs: 500, maxAttempts: 2, rateLimit: { requests: 1000, intervalMs: 1000 }, sleep: async () => {}, random: () => 0.5 },
    now: () => now,
  });
}

function points(store: SqliteStore, entity: string, signal: string) {
  const s = store.listSignals(entity).find((x) => x.name === signal);
  return s ? store.readPoints(s.id, 0, 2 ** 31) : [];
}

let t: ReturnType<typeof tempStore>;
beforeEach(() => {
  t = tempStore();
});
afterEach(() => {
  nock.cleanAll();
  t.cleanup();
});

describe('RIPE Atlas probe connectivity', () => {
  it('collects connected and disconnected probes per day for a country, asking RIPEstat for cc_<country> over whole days', async () => {
    const seen: Array<Record<string, string>> = [];
    nock(HOST)
      .get('/data/atlas-probe-deployment/data.json')
      .query(true)
      .reply(function (uri) {
        seen.push(Object.fromEntries(new URL(uri, HOST).searchParams));
        return [200, BUILT];
      });
    const r = await collector().collect({
      entity: 'country:KZ',
      from: D('2016-05-19'),
      until: D('2016-05-23'),
      store: t.store,
      log: silentLogger,
    });
    expect(r.windowsFailed).toBe(0);
    expect(seen).toEqual([{ resource: 'cc_kz', starttime: '2016-05-19', endtime: '2016-05-22', sourceapp: 'outagewatch' }]);
    // the probe drop of 21 May (illustrative counts) is what the detector sees
    expect(points(t.store, 'country:KZ', 'atlas.probes_connected').map((p) => p.value)).toEqual([6, 6, 2, 6]);
    expect(points(t.store, 'country:KZ', 'atlas.probes_disconnected').map((p) => p.value)).toEqual([1, 1, 5, 1]);
    expect(t.store.listSignals('country:KZ').find((s) => s.name === 'atlas.probes_connected')).toMatchObject({
      step: 86400,
      unit: 'probes',
    });
    expect(t.store.listSignals('country:KZ').find((s) => s.name === 'atlas.probes_connected')!.provenance).toMatchObject({
      sourceName: 'RIPE Atlas',
      axis: 'connectivity',
    });
    expect(t.store.uncovered('atlas', 'country:KZ', 'atlas.probes_connected', D('2016-05-19'), D('2016-05-23'))).toEqual([]);
  });

  it('collects per AS with the asn4_<AS> resource, and nothing (no request) for a region', async () => {
    const doc = built();
    doc.data.deployments[0]!.resource = 'asn4_9198';
    doc.data.resource = ['asn4_9198'];
    const scope = nock(HOST)
      .get('/data/atlas-probe-deployment/data.json')
      .query((q) => q.resource === 'asn4_9198')
      .reply(200, JSON.stringify(doc));
    const r = await collector().collect({
      entity: 'asn:9198',
      from: D('2016-05-19'),
      until: D('2016-05-23'),
      store: t.store,
      log: silentLogger,
    });
    expect(r.windowsOk).toBe(1);
    expect(scope.isDone()).toBe(true);
    expect(points(t.store, 'asn:9198', 'atlas.probes_connected')).toHaveLength(4);
    const none = await collector().collect({
      entity: 'region:1234',
      from: D('2016-05-19'),
      until: D('2016-05-23'),
      store: t.store,
      log: silentLogger,
    });
    expect(none.windowsOk + none.windowsFailed).toBe(0);
  });

  it('an answer about another resource or an error status fails the window and writes nothing', async () => {
    const other = built();
    other.data.deployments[0]!.resource = 'cc_uz';
    nock(HOST).get('/data/atlas-probe-deployment/data.json').query(true).reply(200, JSON.stringify(other));
    const r = await collector().collect({
      entity: 'country:KZ',
      from: D('2016-05-19'),
      until: D('2016-05-23'),
      store: t.store,
      log: silentLogger,
    });
    expect(r.windowsFailed).toBe(1);
    expect(r.failures[0]!.error).toMatch(/answer is about "cc_uz", asked for cc_kz/);
    nock(HOST)
      .get('/data/atlas-probe-deployment/data.json')
      .query(true)
      .reply(200, JSON.stringify({ ...built(), status: 'error', status_code: 400, messages: [['error', 'bad resource']] }));
    const e = await collector().collect({
      entity: 'country:KZ',
      from: D('2016-05-19'),
      until: D('2016-05-23'),
      store: t.store,
      log: silentLogger,
    });
    expect(e.failures[0]!.error).toMatch(/RIPEstat status error \(400\): bad resource/);
    expect(points(t.store, 'country:KZ', 'atlas.probes_connected')).toEqual([]);
  });

  it('a record with a missing status count is a schema error naming the field', async () => {
    const bad = built();
    (bad.data.deployments[0]!.deployment[1] as { statuses: Record<string, unknown> }).statuses = {
      neverseen: 2,
      disconnected: 1,
      abandoned: 3,
    };
    nock(HOST).get('/data/atlas-probe-deployment/data.json').query(true).reply(200, JSON.stringify(bad));
    const r = await collector().collect({
      entity: 'country:KZ',
      from: D('2016-05-19'),
      until: D('2016-05-23'),
      store: t.store,
      log: silentLogger,
    });
    expect(r.failures[0]!.error).toMatch(/data\.deployments\[0\]\.deployment\[1\]\.statuses\.connected/);
  });

  it('ingests a saved response; a file about something that is neither a country nor an AS writes nothing', async () => {
    const good = join(t.dir, 'kz.json');
    writeFileSync(good, BUILT);
    const odd = built();
    odd.data.deployments.push({ resource: 'region_me', deployment: [] });
    const bad = join(t.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(odd));
    const r = await collector().ingest({ files: [bad, good], store: t.store, log: silentLogger });
    expect(r).toMatchObject({ files: 2, filesOk: 1, points: 8 });
    expect(r.failures[0]!.error).toMatch(/region_me/);
    expect(points(t.store, 'country:KZ', 'atlas.probes_connected')).toHaveLength(4);
  });

  it('is added by its folder and one registry line: config, env, cadence, detector rule and evidence links come from its declaration', () => {
    expect(COLLECTOR_MODULES.filter((m) => m.name === 'atlas')).toEqual([atlasModule]);
    const config = loadConfig({ env: { OUTAGEWATCH_ATLAS_URL: 'http://x.test/' }, cwd: '/' });
    expect(config.sources.atlas).toEqual({ url: 'http://x.test', enabled: true });
    expect(() => collector({ windowDay: 3 })).toThrow(ConfigError);
    expect(() => collector({ windowDay: 3 })).toThrow(/collection\.atlas: unknown setting\(s\) windowDay/);
    expect(DEFAULT_CADENCES.atlas).toMatchObject({ lag: 86400 });
    const rules = parseDetectorConfig({});
    expect(ruleFor('atlas.probes_connected', rules)).toMatchObject({ enabled: true, minBaseline: 3, critical: 0.5 });
    expect(ruleFor('atlas.probes_disconnected', rules)).toBeNull(); // a rise in disconnected probes is not a drop to detect
    const links = evidenceLinksFor({ type: 'country', code: 'KZ' }, D('2016-05-19'), D('2016-05-23')).filter((l) => l.source === 'atlas');
    expect(links.map((l) => l.url)).toEqual([
      'https://stat.ripe.net/data/atlas-probe-deployment/data.json?resource=cc_kz&starttime=2016-05-19&endtime=2016-05-23',
      'https://atlas.ripe.net/api/v2/probes/?country_code=KZ',
    ]);
    // the probes-API link filters on fields a real probe object carries
    const probe = (
      JSON.parse(readFileSync(join(FIX, 'probes-list-page104-trimmed.json'), 'utf8')) as { results: Array<Record<string, unknown>> }
    ).results[0]!;
    expect(Object.keys(probe)).toEqual(expect.arrayContaining(['country_code', 'asn_v4']));
  });
});
