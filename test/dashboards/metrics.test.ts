import express from 'express';
import request from 'supertest';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../dashboards/app.js';
import { createMetrics } from '../../dashboards/metrics.js';
import { completeDeps } from '../../dashboards/deps.js';
import { copyDatabase } from '../../db/copy.js';
import { openRepositories } from '../../db/open.js';
import { usePostgres } from '../pg.js';
import { fixtureStore } from './api/fixture.js';
import type { Collector } from '../../collectors/types.js';
import { loadConfig } from '../../services/program-config.js';
import { silentLogger } from '../../core/logger.js';
import { tempStore } from '../helpers.js';

// ---- a strict parser of the Prometheus text exposition format (version 0.0.4) ----

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Values as Prometheus reads them (Go's strconv.ParseFloat: NaN/Inf in any case; prom-client writes "Nan"). */
function parseValue(s: string, line: number): number {
  const lower = s.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`line ${line}: bad value "${s}"`);
  return Number(s);
}

function parseLabels(s: string, line: number): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 0;
  for (;;) {
    if (s[i] === '}') return { labels, rest: s.slice(i + 1) };
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: label without "="`);
    const key = s.slice(i, eq);
    if (!LABEL.test(key)) throw new Error(`line ${line}: bad label name "${key}"`);
    if (key in labels) throw new Error(`line ${line}: duplicate label "${key}"`);
    if (s[eq + 1] !== '"') throw new Error(`line ${line}: label value not quoted`);
    let j = eq + 2;
    let v = '';
    while (s[j] !== '"') {
      if (j >= s.length) throw new Error(`line ${line}: unterminated label value`);
      if (s[j] === '\\') {
        const esc = s[j + 1];
        if (esc === 'n') v += '\n';
        else if (esc === '\\' || esc === '"') v += esc;
        else throw new Error(`line ${line}: bad escape \\${esc}`);
        j += 2;
      } else v += s[j++];
    }
    labels[key] = v;
    i = j + 1;
    if (s[i] === ',') i++;
    else if (s[i] !== '}') throw new Error(`line ${line}: expected "," or "}" after a label`);
  }
}

/** Parses a scrape; throws naming the line on anything a Prometheus server would reject. */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const suffixes: Record<string, string[]> = {
    counter: [''],
    gauge: [''],
    histogram: ['_bucket', '_sum', '_count'],
    summary: ['', '_sum', '_count'],
    untyped: [''],
  };
  const familyOf = (sample: string): Family | undefined => {
    for (const f of families.values()) if ((suffixes[f.type] ?? ['']).some((sfx) => f.name + sfx === sample)) return f;
    return undefined;
  };
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  text
    .slice(0, -1)
    .split('\n')
    .forEach((raw, idx) => {
      const line = idx + 1;
      if (raw === '') return;
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (meta) {
        const [, kind, name, rest] = meta as unknown as [string, string, string, string];
        if (!NAME.test(name)) throw new Error(`line ${line}: bad metric name "${name}"`);
        const f = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
        if (kind === 'TYPE') {
          if (!(rest in suffixes)) throw new Error(`line ${line}: bad type "${rest}"`);
          if (f.samples.length) throw new Error(`line ${line}: TYPE after samples of ${name}`);
          f.type = rest;
        } else f.help = rest;
        families.set(name, f);
        return;
      }
      if (raw.startsWith('#')) return;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(.*)$/.exec(raw);
      if (!m) throw new Error(`line ${line}: not a sample: ${raw}`);
      const name = m[1]!;
      let rest = m[2]!;
      let labels: Record<string, string> = {};
      if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest.slice(1), line));
      const parts = rest.trim().split(/\s+/);
      if (parts.length < 1 || parts.length > 2 || !rest.startsWith(' ')) throw new Error(`line ${line}: bad sample "${raw}"`);
      const f = familyOf(name);
      if (!f) throw new Error(`line ${line}: sample ${name} has no # TYPE`);
      f.samples.push({ name, labels, value: parseValue(parts[0]!, line) });
    });
  return families;
}

function value(fams: Map<string, Family>, sample: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of fams.values())
    for (const s of f.samples)
      if (
        s.name === sample &&
        Object.entries(labels).every(([k, v]) => s.labels[k] === v) &&
        Object.keys(s.labels).length === Object.keys(labels).length
      )
        return s.value;
  return undefined;
}

// ---- tests ----

function fakeCollector(name: string, enabled = true): Collector {
  return {
    name,
    describe: () => `${name} test collector`,
    enabled: () => enabled,
    disabledReason: () => (enabled ? null : 'no token'),
    signals: () => [],
    collect: async () => ({ points: 0, events: 0, coveredUntil: null, windowsOk: 0, windowsFailed: 0, failures: [] }),
  };
}

/** The app's dependencies on a test store (what createApp gives createMetrics). */
const depsOf = (t: ReturnType<typeof tempStore>) =>
  completeDeps({
    config: loadConfig({ env: {}, cwd: t.dir, flags: { db: t.path } }),
    store: t.store,
    collectors: [],
    log: silentLogger,
    version: '9.9.9',
  });

describe('GET /metrics', () => {
  let t: ReturnType<typeof tempStore>;
  afterEach(() => t?.cleanup());

  function app() {
    t = tempStore();
    const config = loadConfig({ env: {}, cwd: t.dir, flags: { db: t.path } });
    return createApp({
      config,
      store: t.store,
      writer: t.store,
      collectors: [fakeCollector('ioda'), fakeCollector('radar', false)],
      log: silentLogger,
      version: '9.9.9',
    });
  }

  async function scrape(a: express.Express): Promise<Map<string, Family>> {
    const res = await request(a).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(res.text);
  }

  it('scrapes cleanly with typed, prefixed families, per-collector zeros and process metrics', async () => {
    const fams = await scrape(app());
    for (const [name, type] of [
      ['outagewatch_collector_runs_total', 'counter'],
      ['outagewatch_collector_failures_total', 'counter'],
      ['outagewatch_collector_rows_written_total', 'counter'],
      ['outagewatch_collector_last_success_timestamp_seconds', 'gauge'],
      ['outagewatch_store_points', 'gauge'],
      ['outagewatch_store_outages', 'gauge'],
      ['outagewatch_http_request_duration_seconds', 'histogram'],
      ['outagewatch_process_cpu_seconds_total', 'counter'],
      ['outagewatch_process_resident_memory_bytes', 'gauge'],
      ['outagewatch_nodejs_eventloop_lag_seconds', 'gauge'],
    ] as const) {
      expect(fams.get(name)?.type, name).toBe(type);
      expect(fams.get(name)?.help.length, `${name} has help`).toBeGreaterThan(10);
    }
    for (const name of fams.keys()) expect(name.startsWith('outagewatch_'), name).toBe(true);
    // collectors that never ran are visible with zeros (an alert on "failures > 0" has a series from the start)
    expect(value(fams, 'outagewatch_collector_failures_total', { collector: 'ioda' })).toBe(0);
    expect(value(fams, 'outagewatch_collector_rows_written_total', { collector: 'radar' })).toBe(0);
    expect(value(fams, 'outagewatch_collector_enabled', { collector: 'ioda' })).toBe(1);
    expect(value(fams, 'outagewatch_collector_enabled', { collector: 'radar' })).toBe(0);
    expect(value(fams, 'outagewatch_collector_last_success_timestamp_seconds', { collector: 'ioda' })).toBeUndefined();
    expect(value(fams, 'outagewatch_store_points')).toBe(0);
    expect(value(fams, 'outagewatch_store_outages', { kind: 'service-blocking' })).toBe(0);
    expect(value(fams, 'outagewatch_store_size_bytes')).toBeGreaterThan(0);
  });

  it('run metrics change as soon as a run is recorded, and come from the database (a new app sees them)', async () => {
    const a = app();
    const before = await scrape(a);
    expect(value(before, 'outagewatch_collector_runs_total', { collector: 'ioda', status: 'ok' })).toBeUndefined();

    const ok = t.store.startRun('collect:ioda', 'ioda');
    t.store.finishRun(ok, { status: 'ok', rows: 1200, windowsOk: 4 });
    const bad = t.store.startRun('collect:ioda', 'ioda');
    t.store.finishRun(bad, { status: 'failed', rows: 30, windowsOk: 1, windowsFailed: 2, error: 'HTTP 503' });
    t.store.startRun('collect:ooni', 'ooni'); // still running; a collector not in the registry
    t.store.finishRun(t.store.startRun('detect'), { status: 'ok' });
    const finishedAt = t.store.recentRuns({ collector: 'ioda', limit: 5 }).find((r) => r.status === 'ok')!.finishedAt!;

    const after = await scrape(a);
    expect(value(after, 'outagewatch_collector_runs_total', { collector: 'ioda', status: 'ok' })).toBe(1);
    expect(value(after, 'outagewatch_collector_runs_total', { collector: 'ioda', status: 'failed' })).toBe(1);
    expect(value(after, 'outagewatch_collector_runs_total', { collector: 'ooni', status: 'running' })).toBe(1);
    expect(value(after, 'outagewatch_collector_failures_total', { collector: 'ioda' })).toBe(1);
    expect(value(after, 'outagewatch_collector_windows_failed_total', { collector: 'ioda' })).toBe(2);
    expect(value(after, 'outagewatch_collector_rows_written_total', { collector: 'ioda' })).toBe(1230);
    expect(value(after, 'outagewatch_collector_last_success_timestamp_seconds', { collector: 'ioda' })).toBe(finishedAt);
    expect(value(after, 'outagewatch_job_runs_total', { job: 'detect', status: 'ok' })).toBe(1);

    // a restarted daemon (a fresh app and registry on the same database) reports the same totals
    const config = loadConfig({ env: {}, cwd: t.dir, flags: { db: t.path } });
    const restarted = createApp({ config, store: t.store, collectors: [fakeCollector('ioda')], log: silentLogger, version: '9.9.9' });
    const again = await scrape(restarted);
    expect(value(again, 'outagewatch_collector_rows_written_total', { collector: 'ioda' })).toBe(1230);
  });

  it('times requests by method, matched route and status, without one series per URL', async () => {
    const a = app();
    await request(a).get('/api/health').expect(200);
    await request(a).get('/api/health').expect(200);
    await request(a).get('/no/such/page/123').expect(404);
    await request(a).get('/no/such/page/456').expect(404);
    const fams = await scrape(a);
    expect(value(fams, 'outagewatch_http_request_duration_seconds_count', { method: 'GET', route: '/api/health', status: '200' })).toBe(2);
    expect(value(fams, 'outagewatch_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '404' })).toBe(2);
    const routes = new Set(fams.get('outagewatch_http_request_duration_seconds')!.samples.map((s) => s.labels.route));
    expect([...routes].some((r) => r?.includes('123'))).toBe(false);
    const inf = value(fams, 'outagewatch_http_request_duration_seconds_bucket', {
      method: 'GET',
      route: '/api/health',
      status: '200',
      le: '+Inf',
    });
    expect(inf).toBe(2);
  });

  it('labels routes inside (nested) routers with their pattern, static files with their mount point', async () => {
    t = tempStore();
    const m = createMetrics(depsOf(t), { processMetrics: false });
    const a = express();
    a.use(m.middleware);
    const inner = express.Router();
    inner.get('/events/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    const api = express.Router();
    api.use(inner);
    a.use('/api', api);
    a.use('/static', (_req, res) => {
      res.type('css').send('body{}');
    });
    a.get('/metrics', m.handler);
    await request(a).get('/api/events/kz-2016-05-21-land-protests').expect(200);
    await request(a).get('/api/events/kz-2022-01-05').expect(200);
    await request(a).get('/static/style.css').expect(200);
    const fams = parseExposition((await request(a).get('/metrics').expect(200)).text);
    expect(value(fams, 'outagewatch_http_request_duration_seconds_count', { method: 'GET', route: '/api/events/:id', status: '200' })).toBe(
      2,
    );
    expect(value(fams, 'outagewatch_http_request_duration_seconds_count', { method: 'GET', route: '/static', status: '200' })).toBe(1);
  });

  it('store contents come from the rollups and are cached for the TTL', async () => {
    t = tempStore();
    let clock = 1_000_000;
    const m = createMetrics(depsOf(t), {
      processMetrics: false,
      storeCountsTtlMs: 30_000,
      nowMs: () => clock,
    });
    const a = express();
    a.get('/metrics', m.handler);
    const get = async () => parseExposition((await request(a).get('/metrics').expect(200)).text);

    expect(value(await get(), 'outagewatch_store_points')).toBe(0);
    const pts = Array.from({ length: 288 }, (_, i) => [1463702400 + i * 300, i % 10 === 0 ? null : 50] as const);
    t.store.writeWindow({
      collector: 'test',
      entity: 'country:KZ',
      from: 1463702400,
      until: 1463788800,
      series: [{ signal: { name: 'ioda.bgp', step: 300 }, points: pts }],
    });

    clock += 10_000; // within the TTL: the cached figure
    expect(value(await get(), 'outagewatch_store_points')).toBe(0);
    clock += 25_000; // past it: recomputed; the 29 "no data" points are not counted
    const fams = await get();
    expect(value(fams, 'outagewatch_store_points')).toBe(288 - 29);
    expect(value(fams, 'outagewatch_store_signals')).toBe(1);
    expect(value(fams, 'outagewatch_store_entities')).toBe(1);
  });

  it('the parser rejects what Prometheus rejects', () => {
    expect(() => parseExposition('# TYPE a counter\na{x="1} 1\n')).toThrow(/line 2/);
    expect(() => parseExposition('b 1\n')).toThrow(/no # TYPE/);
    expect(() => parseExposition('# TYPE a gauge\na one\n')).toThrow(/bad value/);
    expect(parseExposition('# TYPE a gauge\na{x="q\\"uote"} 1.5e3\n').get('a')!.samples[0]).toEqual({
      name: 'a',
      labels: { x: 'q"uote' },
      value: 1500,
    });
  });
});

// /metrics on both backends (issue 23): the dashboards' fixture (two months of KZ data, an IODA run, detected
// outages, source events, calendar events, a reference list) on SQLite, copied into PostgreSQL with `db copy`, plus
// runs of every status recorded on both after the copy: every family but the process's own, the request timings
// and the database size has the same samples on both.
const pgt = usePostgres({ database: false });
describe.skipIf(!pgt.enabled)('GET /metrics on SQLite and PostgreSQL', () => {
  const closers: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of closers) await c();
  });

  it('the same store and run metrics for the same data', async () => {
    const t = fixtureStore();
    closers.push(() => t.cleanup());
    const url = await pgt.createDatabase();
    await copyDatabase({ backend: 'sqlite', path: t.path }, { backend: 'postgres', url }, { coreOnly: true });
    const texts: string[] = [];
    for (const where of [t.path, url]) {
      const repos = await openRepositories(where);
      closers.push(() => repos.close());
      // runs recorded through the interface: a failure, an interruption, a detection job without a collector
      const failed = await repos.points.startRun('collect:radar', 'radar');
      await repos.points.finishRun(failed, { status: 'failed', windowsFailed: 3, error: 'HTTP 401' });
      const cut = await repos.points.startRun('collect:ioda', 'ioda');
      await repos.points.finishRun(cut, { status: 'interrupted', rows: 17, windowsOk: 1, windowsFailed: 1 });
      await repos.points.finishRun(await repos.points.startRun('detect'), { status: 'ok', rows: 4 });
      const a = createApp({
        config: loadConfig({ env: {}, cwd: t.dir, flags: { db: where } }),
        points: repos.points,
        repos,
        collectors: [fakeCollector('ioda'), fakeCollector('radar', false)],
        log: silentLogger,
        version: '9.9.9',
      });
      texts.push((await request(a).get('/metrics').expect(200)).text);
    }
    // the runs recorded above started at this second on each backend: their times compared within a few seconds
    const keep = (text: string, clock: boolean) => {
      const fams = parseExposition(text);
      const out: Record<string, Array<[Record<string, string>, number]>> = {};
      for (const [name, f] of fams) {
        if (/^outagewatch_(process_|nodejs_|http_|store_size_bytes)/.test(name)) continue;
        if (/_timestamp_seconds$/.test(name) !== clock) continue;
        out[name] = f.samples.map((x): [Record<string, string>, number] => [x.labels, clock ? Math.floor(x.value / 10) : x.value]);
      }
      return out;
    };
    const [sqlite, postgres] = texts.map((x) => keep(x, false));
    const [sqliteTimes, postgresTimes] = texts.map((x) => keep(x, true));
    expect(Object.keys(sqliteTimes!)).toHaveLength(2);
    for (const [name, samples] of Object.entries(sqliteTimes!)) {
      expect(postgresTimes![name]!.map((x) => x[0])).toEqual(samples.map((x) => x[0]));
      postgresTimes![name]!.forEach((x, i) => expect(Math.abs(x[1] - samples[i]![1])).toBeLessThanOrEqual(1));
    }
    expect(sqlite!['outagewatch_store_points']![0]![1]).toBeGreaterThan(10_000);
    expect(sqlite!['outagewatch_collector_runs_total']!.length).toBeGreaterThanOrEqual(3);
    expect(Object.keys(sqlite!).length).toBeGreaterThan(10);
    expect(postgres).toEqual(sqlite);
    expect(value(parseExposition(texts[1]!), 'outagewatch_store_size_bytes')).toBeGreaterThan(0);
  });
});
