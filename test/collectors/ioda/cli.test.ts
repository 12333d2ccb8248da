import nock from 'nock';
import { PassThrough } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../db/store.js';
import { main } from '../../../services/cli.js';
import { tempDir } from '../../helpers.js';
import { answer, FIXTURES } from './mock.js';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

let t: ReturnType<typeof tempDir>;
let db: string;
const saved = { ...process.env };
beforeEach(() => {
  t = tempDir();
  db = join(t.dir, 'cli.db');
  process.env.OUTAGEWATCH_IODA_URL = 'http://ioda.test/v2';
  process.env.LOG_LEVEL = 'silent';
  process.exitCode = undefined;
});
afterEach(() => {
  nock.cleanAll();
  process.env = { ...saved };
  process.exitCode = undefined;
  t.cleanup();
});

describe('outagewatch collect', () => {
  it('exits 0 and prints the outcome as JSON when every window succeeded', async () => {
    nock('http://ioda.test')
      .persist()
      .get(/^\/v2\//)
      .reply(200, (uri) => answer(uri)!.body);
    const o = io();
    const code = await main(
      [
        '--db',
        db,
        'collect',
        '--source',
        'ioda',
        '--entity',
        'country:KZ',
        '--entity',
        'asn:9198',
        '--from',
        '2016-05-20',
        '--until',
        '2016-05-20',
        '--json',
      ],
      o.io,
    );
    expect(code).toBe(0);
    const doc = JSON.parse(o.out()) as Array<{
      entity: string;
      windowsOk: number;
      windowsFailed: number;
      points: number;
      coveredUntil: string;
    }>;
    expect(doc.map((d) => d.entity)).toEqual(['country:KZ', 'asn:9198']);
    expect(doc[0]).toMatchObject({
      windowsOk: 5,
      windowsFailed: 0,
      points: 288 + 144 + 288 + 4 * 48,
      coveredUntil: '2016-05-21T00:00:00Z',
    });
    expect(doc[1]).toMatchObject({ windowsOk: 4, windowsFailed: 0 }); // no gtr for an AS
  });

  it('exits 1 after trying every window when one fails, naming it', async () => {
    nock('http://ioda.test')
      .persist()
      .get(/datasource=bgp/)
      .reply(400, '{"error":"invalid"}')
      .get(/^\/v2\//)
      .reply(200, (uri) => answer(uri)!.body);
    const o = io();
    const code = await main(
      ['--db', db, 'collect', '--source', 'ioda', '--entity', 'country:KZ', '--from', '2016-05-20', '--until', '2016-05-20'],
      o.io,
    );
    expect(code).toBe(1);
    expect(o.out()).toMatch(
      /FAILED ioda country:KZ bgp 2016-05-20T00:00:00Z–2016-05-21T00:00:00Z: http:\/\/ioda\.test\/v2\/signals\/raw\/country\/KZ\?.*HTTP 400/,
    );
    const store = SqliteStore.open(db);
    expect(store.recentRuns({ collector: 'ioda' })[0]).toMatchObject({ status: 'partial', windowsOk: 4, windowsFailed: 1 });
    store.close();
  });

  it('--source all runs every enabled collector and skips Radar without a token instead of failing', async () => {
    delete process.env.OUTAGEWATCH_RADAR_TOKEN;
    const cfg = join(t.dir, 'outagewatch.config.json');
    writeFileSync(cfg, JSON.stringify({ sources: { ooni: { enabled: false }, ripestat: { enabled: false }, atlas: { enabled: false } } }));
    nock('http://ioda.test')
      .persist()
      .get(/^\/v2\//)
      .reply(200, (uri) => answer(uri)!.body);
    const o = io();
    const code = await main(
      [
        '--db',
        db,
        '--config',
        cfg,
        'collect',
        '--source',
        'all',
        '--entity',
        'country:KZ',
        '--from',
        '2016-05-20',
        '--until',
        '2016-05-20',
        '--json',
      ],
      o.io,
    );
    expect(code).toBe(0);
    const doc = JSON.parse(o.out()) as Array<{ collector: string; windowsOk: number; windowsFailed: number; skipped?: string }>;
    expect(doc.map((d) => d.collector).sort()).toEqual(['atlas', 'ioda', 'ooni', 'radar', 'ripestat']);
    expect(doc.find((d) => d.collector === 'ioda')).toMatchObject({ windowsOk: 5, windowsFailed: 0 });
    expect(doc.find((d) => d.collector === 'ioda')!.skipped).toBeUndefined();
    expect(doc.find((d) => d.collector === 'radar')!.skipped).toMatch(/OUTAGEWATCH_RADAR_TOKEN/);
    expect(doc.find((d) => d.collector === 'ooni')!.skipped).toMatch(/sources\.ooni\.enabled = false/);
  });

  it('exits 2 on bad usage', async () => {
    expect(await main(['--db', db, 'collect', '--source', 'nope', '--entity', 'country:KZ', '--from', '2016-05-20'], io().io)).toBe(2);
    process.exitCode = undefined;
    expect(await main(['--db', db, 'collect', '--source', 'ioda', '--entity', 'country:KAZ', '--from', '2016-05-20'], io().io)).toBe(2);
    expect(await main(['--db', db, 'collect', '--source', 'ioda', '--entity', 'country:KZ', '--from', 'yesterday'], io().io)).toBe(2);
  });
});

describe('outagewatch ingest ioda', () => {
  it('ingests saved responses, rejects the ones that do not fit with file and reason, exits 1; twice gives the same rows', async () => {
    const files = [
      'signals-raw-country-KZ-bgp-20160520.json',
      'signals-raw-country-KZ-gtr-20160520.json',
      'outages-events-country-KZ-20160520.json',
      'signals-raw-asn-1299-upstream-delay-penult-asns.json',
      'outages-summary-county-2159.json',
    ].map((f) => join(FIXTURES, f));
    const o = io();
    expect(await main(['--db', db, 'ingest', 'ioda', ...files], o.io)).toBe(1);
    expect(o.out()).toContain(
      'signals-raw-asn-1299-upstream-delay-penult-asns.json: datasource "upstream-delay-penult-asns" has nested values',
    );
    expect(o.out()).toContain('outages-summary-county-2159.json: unexpected response shape at type: "outages.summary"');
    expect(o.out()).toMatch(/3 of 5 file\(s\) ingested: 480 points, 2 source events, 2 rejected\n$/);
    const count = () => {
      const s = SqliteStore.open(db);
      const n = (s.db.prepare('SELECT (SELECT count(*) FROM points) + (SELECT count(*) FROM source_events) AS n').get() as { n: number }).n;
      s.close();
      return n;
    };
    const n1 = count();
    process.exitCode = undefined;
    const o2 = io();
    expect(await main(['--db', db, 'ingest', 'ioda', '--json', ...files.slice(0, 3)], o2.io)).toBe(0);
    expect(JSON.parse(o2.out())).toMatchObject({ files: 3, filesOk: 3, points: 480, events: 2, failures: [] });
    expect(count()).toBe(n1);
  });
});
