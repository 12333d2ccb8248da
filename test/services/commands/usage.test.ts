import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../dashboards/app.js';
import { loadConfig } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { main } from '../../../services/cli.js';
import { tempDir, tempStore } from '../../helpers.js';
import { buildReportFixture } from '../report/fixture.js';

// The mistakes a newcomer makes on the command line, and what the program answers.

function capture() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
    },
    out: () => out,
    err: () => err,
  };
}

async function run(...args: string[]) {
  const c = capture();
  process.exitCode = undefined;
  const code = await main(['--log-level', 'silent', ...args], c.io);
  process.exitCode = undefined;
  return { code, out: c.out(), err: c.err() };
}

describe('read-only commands on a database that does not exist', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  const commands: string[][] = [
    ['status'],
    ['status', '--json'],
    ['outages'],
    ['calendar', 'list'],
    ['calendar', 'show', 'kz-2016-05-21-land-protests'],
    ['calendar', 'export'],
    ['correlate', '--event', 'kz-2016-05-21-land-protests'],
    ['report', '--event', 'kz-2016-05-21-land-protests'],
  ];
  for (const args of commands) {
    it(`${args.join(' ')} names the missing file, exits 1 and creates neither the file nor its folder`, async () => {
      const db = join(t.dir, 'nonexistent', 'dir', 'x.db');
      const r = await run('--db', db, ...args);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`no database at ${db}`);
      expect(r.out).toBe('');
      expect(existsSync(join(t.dir, 'nonexistent'))).toBe(false);
    });
  }
});

describe('bad usage on an existing database', () => {
  let t: ReturnType<typeof tempStore>;
  beforeEach(() => {
    t = tempStore();
    buildReportFixture(t.store);
  });
  afterEach(() => t.cleanup());

  it('an unknown event id is exit 2 with the command that lists the ids, in every command that takes one', async () => {
    for (const args of [
      ['report', '--event', 'kz-2016-05-21-nope'],
      ['correlate', '--event', 'kz-2016-05-21-nope'],
      ['calendar', 'show', 'kz-2016-05-21-nope'],
      ['calendar', 'remove', 'kz-2016-05-21-nope'],
    ]) {
      const r = await run('--db', t.path, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toContain('no calendar event "kz-2016-05-21-nope"');
      expect(r.err, args.join(' ')).toContain('`outagewatch calendar list`');
    }
  });

  it('a count that is not a whole number is exit 2 naming the flag, before anything is read or written', async () => {
    const outages = () => t.store.db.prepare('SELECT id, detected_at FROM outages ORDER BY id').all();
    const before = outages();
    for (const [args, msg] of [
      [['detect', '--threads', '-1'], '--threads: must be a whole number ≥ 0 and ≤ 64'],
      [['detect', '--threads', 'two'], '--threads: must be a whole number ≥ 0 and ≤ 64'],
      [['detect', '--threads', '1000'], '--threads: must be a whole number ≥ 0 and ≤ 64'],
      [['correlate', '--country', 'KZ', '--surrogates', '0'], '--surrogates: must be a whole number ≥ 1'],
      [['correlate', '--country', 'KZ', '--seed', '1.5'], '--seed: must be a whole number ≥ 0'],
    ] as const) {
      const r = await run('--db', t.path, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toContain(msg);
    }
    expect(outages()).toEqual(before);
  });

  it('an unknown country code is rejected, not answered with an empty list', async () => {
    for (const args of [
      ['calendar', 'list', '--country', 'XX'],
      ['calendar', 'export', '--country', 'XX'],
      ['correlate', '--country', 'XX'],
      ['correlate', '--country', 'KZ,XX'],
      ['outages', '--country', 'XX'],
      ['report', '--country', 'XX', '--from', '2016-05-01', '--until', '2016-05-31'],
    ]) {
      const r = await run('--db', t.path, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toContain('--country: "XX" is not an ISO 3166-1 alpha-2 country code');
    }
    // a real code in lower case still works
    const ok = await run('--db', t.path, 'calendar', 'list', '--country', 'kz', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toHaveLength(1);
  });

  it('report: the file name carries the inclusive end date, and the default folder is reports/ beside the database', async () => {
    const r = await run('--db', t.path, 'report', '--country', 'KZ', '--from', '2016-05-14', '--until', '2016-05-28', '--format', 'json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // --until 2016-05-28 covers that whole day: the window ends 2016-05-29T00:00Z, the name says 28
    expect(r.out.trim()).toBe(join(t.dir, 'reports', 'KZ-2016-05-14-2016-05-28.json'));
    expect(readdirSync(join(t.dir, 'reports'))).toEqual(['KZ-2016-05-14-2016-05-28.json']);
    // and the dashboard of the same database lists it at /reports (one folder for the CLI, the daemon and the page)
    const config = loadConfig({ env: {}, cwd: t.dir, flags: { db: t.path } });
    const page = await request(createApp({ config, store: t.store, collectors: [], log: silentLogger, version: 'x' }))
      .get('/reports')
      .expect(200);
    expect(page.text).toContain('href="/reports/KZ-2016-05-14-2016-05-28.json"');
    expect(page.text).not.toContain('No reports yet');
  });

  it('report: OUTAGEWATCH_REPORTS_DIR moves the one reports folder', async () => {
    const saved = process.env.OUTAGEWATCH_REPORTS_DIR;
    process.env.OUTAGEWATCH_REPORTS_DIR = join(t.dir, 'elsewhere');
    try {
      const r = await run('--db', t.path, 'report', '--event', 'kz-2016-05-21-test', '--format', 'json');
      expect(r.code).toBe(0);
      expect(r.out.trim()).toBe(join(t.dir, 'elsewhere', 'kz-2016-05-21-test.json'));
    } finally {
      if (saved === undefined) delete process.env.OUTAGEWATCH_REPORTS_DIR;
      else process.env.OUTAGEWATCH_REPORTS_DIR = saved;
    }
  });
});
