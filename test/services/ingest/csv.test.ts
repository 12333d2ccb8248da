import { sqliteRepositories } from '../../../db/sqlite-repositories.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { CliContext } from '../../../services/cli/context.js';
import { UsageError } from '../../../core/app-errors.js';
import { registerCsvIngest } from '../../../services/ingest/csv-command.js';
import { ingestCsv, parseCsvSeries, readRecords, slugify, type CsvIngestOptions } from '../../../services/ingest/csv.js';
import { tempDir, tempStore } from '../../helpers.js';
import { SqliteStore } from '../../../db/store.js';
import { correlateRange } from '../../../services/correlator/assemble.js';

const MONASH = join(import.meta.dirname, '../../fixtures/monash/monash-ipobs-iran-2019-11-counties.csv');
const t = (iso: string) => Date.parse(iso) / 1000;
const base: CsvIngestOptions = { entity: 'country:IR', signal: 'custom.connectivity', timeColumn: 'time', valueColumn: 'value' };

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
  process.exitCode = undefined;
});

describe('time forms', () => {
  // the same three instants, 2019-11-16 16:30, 17:30, 18:30 UTC, written five ways
  const expected = [t('2019-11-16T16:30:00Z'), t('2019-11-16T17:30:00Z'), t('2019-11-16T18:30:00Z')];
  const cases: Array<[string, string[], Partial<CsvIngestOptions>]> = [
    ['ISO with offsets', ['2019-11-16T20:00:00+03:30', '2019-11-16T17:30:00Z', '2019-11-16T18:30:00.000Z'], {}],
    ['ISO without offset, read in --tz', ['2019-11-16T20:00:00', '2019-11-16 21:00:00', '2019-11-16T22:00'], { tz: 'Asia/Tehran' }],
    [
      'text in a luxon format, read in --tz',
      ['16-Nov-2019 20:00:00', '16-Nov-2019 21:00:00', '16-Nov-2019 22:00:00'],
      { tz: 'Asia/Tehran', timeFormat: 'dd-LLL-yyyy HH:mm:ss' },
    ],
    ['Unix seconds (UTC)', expected.map(String), {}],
    ['Unix seconds counting local wall-clock time', expected.map((x) => String(x + 12600)), { tz: 'Asia/Tehran', epochLocal: true }],
  ];
  for (const [name, times, opts] of cases) {
    it(name, async () => {
      const text = `time,value\n${times.map((x, i) => `${x},${90 - i * 30}`).join('\n')}\n`;
      const r = parseCsvSeries(text, { ...base, ...opts });
      expect(r.rejected).toEqual([]);
      expect(r.series).toHaveLength(1);
      expect(r.series[0]!.points).toEqual([
        [expected[0], 90],
        [expected[1], 60],
        [expected[2], 30],
      ]);
      expect(r.step).toBe(3600);
    });
  }

  it('reads local text across a daylight-saving change in its own zone', async () => {
    const r = parseCsvSeries('time,value\n2016-03-27 01:30,1\n2016-03-27 03:30,2\n', {
      ...base,
      entity: 'country:DE',
      tz: 'Europe/Berlin',
    });
    expect(r.series[0]!.points.map((p) => p[0])).toEqual([t('2016-03-27T00:30:00Z'), t('2016-03-27T01:30:00Z')]);
  });

  it('rejects a local epoch that falls in the hour clocks skip', async () => {
    const skipped = t('2016-03-27T02:30:00Z'); // 02:30 wall-clock does not exist in Berlin that night
    const r = parseCsvSeries(`time,value\n${skipped},1\n${skipped + 3600},2\n`, {
      ...base,
      entity: 'country:DE',
      tz: 'Europe/Berlin',
      epochLocal: true,
    });
    expect(r.rejected).toEqual([{ line: 2, field: 'time', reason: expect.stringContaining('does not exist in Europe/Berlin') }]);
    expect(r.series[0]!.points).toEqual([[t('2016-03-27T01:30:00Z'), 2]]);
  });

  it('refuses inconsistent options as usage errors', async () => {
    expect(() => parseCsvSeries('time,value\n', { ...base, epochLocal: true })).toThrow(/--epoch-local needs --tz/);
    expect(() => parseCsvSeries('time,value\n', { ...base, tz: 'Mars/Olympus' })).toThrow(UsageError);
    expect(() => parseCsvSeries('time,value\n', { ...base, valueColumn: 'connectivity' })).toThrow(
      /--value-column: no column "connectivity".*columns: time, value/,
    );
    expect(() => parseCsvSeries('time,value,g\n', { ...base, groupColumn: 'g' })).toThrow(/--group-entity-type/);
    expect(() => parseCsvSeries('time,value\n', { ...base, entity: 'country:Iran' })).toThrow(/--entity/);
  });
});

describe('groups', () => {
  it('makes each group its own entity and the main entity their mean, skipping missing values', async () => {
    const text = [
      'time,county,value',
      '2019-11-16T00:00Z,Rey,100',
      '2019-11-16T00:00Z,Ābādān,80',
      '2019-11-16T00:00Z,Qom city,',
      '2019-11-16T01:00Z,Rey,10',
      '2019-11-16T01:00Z,Ābādān,NA',
      '2019-11-16T01:00Z,Qom city,30',
    ].join('\n');
    const r = parseCsvSeries(text, { ...base, groupColumn: 'county', groupEntityType: 'county' });
    expect(r.rejected).toEqual([]);
    const by = Object.fromEntries(r.series.map((s) => [s.entity, s]));
    expect(Object.keys(by)).toEqual(['country:IR', 'county:ir-abadan', 'county:ir-qom-city', 'county:ir-rey']);
    expect(by['county:ir-abadan']!.name).toBe('Ābādān');
    expect(by['country:IR']!.points).toEqual([
      [t('2019-11-16T00:00Z'), 90],
      [t('2019-11-16T01:00Z'), 20],
    ]);
    expect(by['county:ir-qom-city']!.points).toEqual([
      [t('2019-11-16T00:00Z'), null],
      [t('2019-11-16T01:00Z'), 30],
    ]);
  });

  it('keeps two names that slug alike apart', async () => {
    const r = parseCsvSeries('time,g,value\n0,Qom,1\n0,QOM,2\n', { ...base, groupColumn: 'g', groupEntityType: 'region' });
    expect(r.series.map((s) => [s.entity, s.name])).toEqual([
      ['country:IR', null],
      ['region:ir-qom', 'Qom'],
      ['region:ir-qom-2', 'QOM'],
    ]);
    expect(slugify('  Kohgiluyeh & Boyer-Ahmad ')).toBe('kohgiluyeh-boyer-ahmad');
  });
});

describe('bad rows', () => {
  it('reports FILE:LINE: field: reason for each, keeps the good rows and exits 1', async () => {
    const dir = tempDir();
    const db = tempStore();
    cleanups.push(dir.cleanup, db.cleanup);
    const file = join(dir.dir, 'series.csv');
    writeFileSync(
      file,
      [
        'time,value,note', // 1
        '2019-11-16T00:00:00Z,97,ok', // 2
        'yesterday,90,bad time', // 3
        '', // 4 (blank)
        '2019-11-16T02:00:00Z,lots,bad', // 5
        '2019-11-16T00:00:00Z,50,dup', // 6
        '"2019-11-16T03:00:00Z",12,"multi', // 7
        'line note"', // 8
        ',5,no time', // 9
        '1573873200000,5,ms', // 10
        '2019-11-16T04:00:00Z,,no data', // 11
      ].join('\n'),
    );
    const out = new PassThrough();
    const err = new PassThrough();
    const chunks = { out: '', err: '' };
    out.on('data', (b: Buffer) => (chunks.out += b.toString()));
    err.on('data', (b: Buffer) => (chunks.err += b.toString()));
    const program = new Command('outagewatch').option('--db <file>').exitOverride();
    const ctx = new CliContext(program, { stdout: out, stderr: err });
    registerCsvIngest(program.command('ingest'), ctx);
    await program.parseAsync(
      [
        '--db',
        db.path,
        'ingest',
        'csv',
        file,
        '--entity',
        'country:IR',
        '--signal',
        'custom.connectivity',
        '--time-column',
        'time',
        '--value-column',
        'value',
      ],
      { from: 'user' },
    );
    ctx.close();
    expect(process.exitCode).toBe(1);
    expect(chunks.err.trim().split('\n')).toEqual([
      `${file}:3: time: "yesterday" is not an ISO 8601 time`,
      `${file}:5: value: "lots" is not a number`,
      `${file}:6: time: 2019-11-16T00:00:00Z repeats line 2`,
      `${file}:9: time: empty`,
      `${file}:10: time: "1573873200000" looks like milliseconds; Unix seconds expected`,
    ]);
    expect(chunks.out.trim()).toMatch(/3 of 8 rows ingested, 5 rejected; 3 points of custom\.connectivity/);
    const sig = db.store.listSignals('country:IR')[0]!;
    expect(db.store.readPoints(sig.id, 0, 2e9)).toEqual([
      { ts: t('2019-11-16T00:00:00Z'), value: 97 },
      { ts: t('2019-11-16T03:00:00Z'), value: 12 },
      { ts: t('2019-11-16T04:00:00Z'), value: null },
    ]);
  });

  it('counts physical lines through quoted line breaks, CRLF and blank lines', async () => {
    const problems: Array<[number, string]> = [];
    const recs = readRecords('\uFEFFa,b\r\n"x\r\ny",1\r\n\r\n"say ""hi""",2\n3,"open\n', (l, r) => problems.push([l, r]));
    expect(recs).toEqual([
      { record: ['a', 'b'], line: 1 },
      { record: ['x\r\ny', '1'], line: 2 },
      { record: ['say "hi"', '2'], line: 5 },
    ]);
    expect(problems).toEqual([[6, 'bad CSV quote: a quoted field is never closed']]);
    const r = parseCsvSeries('time,value\n"2019-11-16\nT00:00Z",1\n2019-11-16T01:00Z,2\n', base);
    expect(r.rejected).toEqual([{ line: 2, field: 'time', reason: expect.stringContaining('not an ISO 8601 time') }]);
    expect(r.accepted).toBe(1);
  });

  it('names the file when it does not exist', async () => {
    const db = tempStore();
    cleanups.push(db.cleanup);
    await expect(ingestCsv(db.store, '/nonexistent/x.csv', base)).rejects.toThrow(/x\.csv: no such file/);
  });
});

describe('the Monash IP Observatory file (real data, Asia/Tehran local epochs)', () => {
  it('puts the 16 Nov 2019 national blackout between 16:30 and 18:30 UTC', async () => {
    const db = tempStore();
    cleanups.push(db.cleanup);
    const r = await ingestCsv(db.store, MONASH, {
      ...base,
      timeColumn: 'time_e',
      valueColumn: 'connectivity',
      tz: 'Asia/Tehran',
      epochLocal: true,
      groupColumn: 'name_2',
      groupEntityType: 'county',
    });
    expect(r.rejected).toEqual([]);
    expect(r.rows).toBe(16279);
    expect(r.entities).toHaveLength(74);
    expect(r.step).toBe(3600);
    const ir = db.store.listSignals('country:IR').find((s) => s.name === 'custom.connectivity')!;
    const mean = new Map(db.store.readPoints(ir.id, 0, 2e9).map((p) => [p.ts, p.value!]));
    // the first point is 11-Nov-2019 00:00 Tehran = 10 Nov 20:30 UTC
    expect(Math.min(...mean.keys())).toBe(t('2019-11-10T20:30:00Z'));
    // the afternoon before is normal; the fall happens between 16:30 and 18:30 UTC
    for (let ts = t('2019-11-16T06:30:00Z'); ts <= t('2019-11-16T16:30:00Z'); ts += 3600) expect(mean.get(ts)!).toBeGreaterThan(85);
    expect(mean.get(t('2019-11-16T18:30:00Z'))!).toBeLessThan(20);
    expect(mean.get(t('2019-11-16T20:30:00Z'))!).toBeLessThan(12);
    // counties keep their names
    const rey = db.store.listEntities().find((e) => e.entity === 'county:ir-rey')!;
    expect(rey).toMatchObject({ name: 'Rey', country: 'IR' });
    // the local text column read in the same zone gives the very same series
    const text = parseCsvSeries(readFileSync(MONASH, 'utf8'), {
      ...base,
      timeColumn: 'time_e_str',
      valueColumn: 'connectivity',
      tz: 'Asia/Tehran',
      timeFormat: 'dd-LLL-yyyy HH:mm:ss',
      groupColumn: 'name_2',
      groupEntityType: 'county',
    });
    expect(new Map(text.series[0]!.points)).toEqual(mean);
  });

  it('would put the blackout 3.5 hours late if the local epoch were read as UTC', async () => {
    const r = parseCsvSeries(readFileSync(MONASH, 'utf8'), {
      ...base,
      timeColumn: 'time_e',
      valueColumn: 'connectivity',
      groupColumn: 'name_2',
      groupEntityType: 'county',
    });
    const mean = new Map(r.series[0]!.points);
    expect(mean.has(t('2019-11-16T16:30:00Z'))).toBe(false);
    expect(mean.get(t('2019-11-16T20:00:00Z'))!).toBeGreaterThan(85);
  });
});

describe('the demo step', () => {
  it('ingests the shipped copy of the Monash series (db/seeds) through the CSV ingest', async () => {
    const { iranMonashDemoStep } = await import('../../../services/demo/iran.js');
    const { packageRoot } = await import('../../../core/package-root.js');
    const { silentLogger } = await import('../../../core/logger.js');
    const { configSchema } = await import('../../../services/program-config.js');
    const db = tempStore();
    cleanups.push(db.cleanup);
    const msg = await iranMonashDemoStep.run({
      repos: sqliteRepositories(db.store),
      config: configSchema.parse({}),
      log: silentLogger,
      root: packageRoot(),
    });
    expect(msg).toMatch(/REAL points .* mean of 73 counties/);
    const ir = db.store.listSignals('country:IR')[0]!;
    const mean = new Map(db.store.readPoints(ir.id, t('2019-11-16T16:30:00Z'), t('2019-11-16T18:31:00Z')).map((p) => [p.ts, p.value!]));
    expect(mean.get(t('2019-11-16T16:30:00Z'))!).toBeGreaterThan(85);
    expect(mean.get(t('2019-11-16T18:30:00Z'))!).toBeLessThan(20);
  });
});

describe('outagewatch ingest csv (the real command line)', () => {
  async function run(args: string[]) {
    const { main } = await import('../../../services/cli.js');
    const out = new PassThrough();
    const err = new PassThrough();
    let o = '';
    let e = '';
    out.on('data', (b: Buffer) => (o += b.toString()));
    err.on('data', (b: Buffer) => (e += b.toString()));
    const code = await main(args, { stdout: out, stderr: err });
    process.exitCode = undefined;
    return { code, out: o, err: e };
  }

  it('exits 0 with a summary, 2 on bad usage, and prints one JSON document with --json', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const db = join(dir.dir, 'x.db');
    const file = join(dir.dir, 'ok.csv');
    writeFileSync(file, 'when,v\n16-Nov-2019 20:00:00,97\n16-Nov-2019 21:00:00,60\n');
    const common = [
      '--db',
      db,
      'ingest',
      'csv',
      file,
      '--entity',
      'country:IR',
      '--signal',
      'custom.connectivity',
      '--time-column',
      'when',
      '--value-column',
      'v',
    ];
    const ok = await run([...common, '--time-format', 'dd-LLL-yyyy HH:mm:ss', '--tz', 'Asia/Tehran', '--json']);
    expect(ok.code).toBe(0);
    const doc = JSON.parse(ok.out) as { points: number; rejected: unknown[]; entities: Array<{ entity: string; from: string }> };
    expect(doc).toMatchObject({ points: 2, rejected: [], entities: [{ entity: 'country:IR', from: '2019-11-16T16:30:00Z' }] });
    const bad = await run([...common, '--epoch-local']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--epoch-local needs --tz');
    const missing = await run(['--db', db, 'ingest', 'csv', file, '--entity', 'country:IR']);
    expect(missing.code).toBe(2);
  });
});

describe('ingest csv: provenance flags', () => {
  async function run(args: string[]) {
    const { main } = await import('../../../services/cli.js');
    const out = new PassThrough();
    const err = new PassThrough();
    let o = '';
    let e = '';
    out.on('data', (b: Buffer) => (o += b.toString()));
    err.on('data', (b: Buffer) => (e += b.toString()));
    const code = await main(args, { stdout: out, stderr: err });
    process.exitCode = undefined;
    return { code, out: o, err: e };
  }
  it('stores --source-name, --licence, --citation, --unit, --label, --axis and --target with the signal and shows them in coverage', async () => {
    // stands for a product's own traffic series a user brings (e.g. requests to youtube.com per country)
    const dir = tempDir();
    try {
      const db = join(dir.dir, 'p.db');
      const file = join(dir.dir, 'traffic.csv');
      const rows = ['time,requests'];
      for (let h = 0; h < 72; h++) rows.push(`${new Date(Date.UTC(2022, 0, 1, h)).toISOString()},${1000 + h}`);
      writeFileSync(file, `${rows.join('\n')}\n`);
      const args = [
        '--db',
        db,
        'ingest',
        'csv',
        file,
        '--entity',
        'country:KZ',
        '--signal',
        'custom.traffic',
        '--time-column',
        'time',
        '--value-column',
        'requests',
      ];
      const prov = [
        '--source-name',
        'Example CDN',
        '--licence',
        'CC BY 4.0',
        '--citation',
        'https://example.org/traffic',
        '--unit',
        'requests/h',
        '--label',
        'Video requests',
        '--axis',
        'services',
        '--target',
        'youtube.com',
      ];
      const ok = await run([...args, ...prov]);
      expect(ok.code).toBe(0);
      const bad = await run([...args, '--axis', 'satellite']);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain('--axis');
      const orphan = await run([...args, '--target', 'youtube.com']);
      expect(orphan.code).toBe(2);
      const store = SqliteStore.open(db);
      try {
        const sig = store.listSignals('country:KZ').find((s) => s.name === 'custom.traffic')!;
        expect(sig.provenance).toEqual({
          sourceName: 'Example CDN',
          licence: 'CC BY 4.0',
          citation: 'https://example.org/traffic',
          unit: 'requests/h',
          label: 'Video requests',
          axis: 'services',
          target: 'youtube.com',
        });
        const c = await correlateRange(sqliteRepositories(store), 'KZ', Date.UTC(2022, 0, 1) / 1000, Date.UTC(2022, 0, 3) / 1000);
        // credited by its source name, on the services axis it was given, with its hours
        expect(c.coverage.find((x) => x.name === 'Example CDN')).toMatchObject({
          source: 'Example CDN',
          hadData: true,
          axes: ['services'],
          hours: 48,
        });
        expect(c.verdict.services).toBe('normal');
      } finally {
        store.close();
      }
    } finally {
      dir.cleanup();
    }
  });
});
