import { existsSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { describeDbLocation, parseDbLocation, redactDbUrl } from '../../core/db-location.js';
import { loadConfig } from '../../services/program-config.js';
import type { Command } from 'commander';
import { buildProgram, main } from '../../services/cli.js';
import { POSTGRES_COMMANDS } from '../../services/cli/context.js';
import { capture, tempDir } from '../helpers.js';

describe('database location (OUTAGEWATCH_DB / --db / config db)', () => {
  it('a path is SQLite, a postgres:// or postgresql:// URL is PostgreSQL', () => {
    expect(parseDbLocation('./data/outagewatch.db')).toEqual({ backend: 'sqlite', path: './data/outagewatch.db' });
    expect(parseDbLocation(':memory:')).toEqual({ backend: 'sqlite', path: ':memory:' });
    expect(parseDbLocation('C:\\data\\ow.db')).toEqual({ backend: 'sqlite', path: 'C:\\data\\ow.db' });
    expect(parseDbLocation('postgres://ow@127.0.0.1:5432/outagewatch')).toEqual({
      backend: 'postgres',
      url: 'postgres://ow@127.0.0.1:5432/outagewatch',
    });
    expect(parseDbLocation('PostgreSQL://ow:pw@db/ow').backend).toBe('postgres');
  });

  it('any other URL scheme is an error naming the scheme, never a file path', () => {
    for (const url of ['mysql://root@localhost/ow', 'http://example.org/db', 'file:///tmp/x.db', 'sqlite://x.db']) {
      expect(() => parseDbLocation(url)).toThrow(/unsupported database URL scheme/);
    }
    expect(() => parseDbLocation('postgres://ow@127.0.0.1:5432/')).toThrow(/names no database/);
  });

  it('passwords never appear in messages', () => {
    expect(redactDbUrl('postgres://ow:s3cret@db:5432/ow')).toBe('postgres://ow:***@db:5432/ow');
    expect(describeDbLocation(parseDbLocation('postgresql://ow:s3cret@db/ow'))).not.toContain('s3cret');
    expect(() => parseDbLocation('mysql://root:s3cret@db/ow')).toThrow(/root:\*\*\*@db/);
  });

  it('the config refuses an unsupported scheme, naming where it came from', () => {
    expect(() => loadConfig({ env: { OUTAGEWATCH_DB: 'mysql://root@localhost/ow' }, flags: {} })).toThrow(
      /invalid setting db \(OUTAGEWATCH_DB\): unsupported database URL scheme "mysql:"/,
    );
    expect(loadConfig({ env: { OUTAGEWATCH_DB: 'postgres://ow@127.0.0.1:5432/ow' }, flags: {} }).db).toBe(
      'postgres://ow@127.0.0.1:5432/ow',
    );
  });
});

describe('the CLI with a database URL', () => {
  let t: ReturnType<typeof tempDir> | undefined;
  const cwd = process.cwd();
  afterEach(() => {
    process.chdir(cwd);
    t?.cleanup();
    t = undefined;
  });

  it('an unsupported scheme exits 2 with one line and creates no folder named after it', async () => {
    t = tempDir();
    process.chdir(t.dir);
    const c = capture();
    expect(await main(['status', '--db', 'mysql://root:pw@localhost/ow'], c.io)).toBe(2);
    expect(c.err.trim().split('\n')).toHaveLength(1);
    expect(c.err).toMatch(/unsupported database URL scheme "mysql:"/);
    expect(c.err).not.toContain(':pw@');
    expect(readdirSync(t.dir)).toEqual([]);
  });

  it('every command runs on PostgreSQL: `start` with both parts tries the database (exit 1 naming it down), never a SQLite file', async () => {
    // every leaf command of the CLI is in POSTGRES_COMMANDS (the list the refusal message names)
    const { program } = buildProgram();
    const leaves: string[] = [];
    const walk = (c: Command, prefix: string[]) => {
      for (const sub of c.commands) {
        const names = [...prefix, sub.name()];
        if (sub.commands.length) walk(sub, names);
        else if (sub.name() !== 'help') leaves.push(names.join(' '));
      }
    };
    walk(program, []);
    expect(leaves).toContain('start');
    expect(leaves.filter((c) => !POSTGRES_COMMANDS.includes(c))).toEqual([]);
    t = tempDir();
    process.chdir(t.dir);
    const c = capture();
    const code = await main(['start', '--port', '0', '--db', 'postgres://ow:pw@127.0.0.1:1/ow'], c.io);
    expect(code).toBe(1);
    expect(c.err).toMatch(/ECONNREFUSED 127\.0\.0\.1:1/);
    expect(c.err).not.toContain('does not work on PostgreSQL');
    expect(c.err).not.toContain(':pw@');
    expect(existsSync('postgres:')).toBe(false);
    expect(readdirSync(t.dir)).toEqual([]);
  });
});
