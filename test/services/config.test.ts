import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config.js';
import { loadConfig } from '../../services/program-config.js';
import { main } from '../../services/cli.js';
import { tempDir, capture } from '../helpers.js';

describe('configuration', () => {
  let t: ReturnType<typeof tempDir>;
  afterEach(() => t?.cleanup());

  it('has defaults that need nothing set up', () => {
    t = tempDir();
    const c = loadConfig({ env: {}, cwd: t.dir });
    expect(c).toMatchObject({ db: './data/outagewatch.db', host: '127.0.0.1', port: 8080, logLevel: 'info' });
    expect(c.sources.ioda!.url).toBe('https://api.ioda.inetintel.cc.gatech.edu/v2');
    expect(c.sources.radar!.token).toBeUndefined();
  });

  it('takes defaults < file < environment < flags', () => {
    t = tempDir();
    writeFileSync(
      join(t.dir, 'outagewatch.config.json'),
      JSON.stringify({ port: 9000, host: '0.0.0.0', db: 'file.db', sources: { ooni: { url: 'https://api.ooni.org/' } } }),
    );
    const c = loadConfig({ env: { OUTAGEWATCH_PORT: '9001', OUTAGEWATCH_DB: 'env.db' }, cwd: t.dir, flags: { db: 'flag.db' } });
    expect(c.port).toBe(9001);
    expect(c.host).toBe('0.0.0.0');
    expect(c.db).toBe('flag.db');
    expect(c.sources.ooni!.url).toBe('https://api.ooni.org');
    expect(c.sources.ioda!.url).toBe('https://api.ioda.inetintel.cc.gatech.edu/v2');
  });

  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ OUTAGEWATCH_PORT: 'eighty' }, /^invalid setting port \(OUTAGEWATCH_PORT\): must be a port number 0-65535$/],
    [{ OUTAGEWATCH_PORT: '70000' }, /port \(OUTAGEWATCH_PORT\): must be a port number/],
    [{ OUTAGEWATCH_IODA_URL: 'ftp://x' }, /sources\.ioda\.url \(OUTAGEWATCH_IODA_URL\): must be an http\(s\) URL/],
    [{ OUTAGEWATCH_OONI_URL: 'not a url' }, /sources\.ooni\.url \(OUTAGEWATCH_OONI_URL\): must be an http\(s\) URL/],
    [{ OUTAGEWATCH_RIPESTAT_URL: 'nope' }, /sources\.ripestat\.url \(OUTAGEWATCH_RIPESTAT_URL\)/],
    [{ OUTAGEWATCH_RADAR_URL: 'nope' }, /sources\.radar\.url \(OUTAGEWATCH_RADAR_URL\)/],
    [{ LOG_LEVEL: 'loud' }, /logLevel \(LOG_LEVEL\): must be one of fatal, error, warn, info, debug, trace, silent/],
    [{ OUTAGEWATCH_ADMIN_TOKEN: 'short' }, /adminToken \(OUTAGEWATCH_ADMIN_TOKEN\): must be at least 16 characters/],
  ];
  for (const [env, message] of bad) {
    it(`rejects ${Object.entries(env)[0]!.join('=')} with a message naming the setting`, () => {
      t = tempDir();
      let caught: unknown;
      try {
        loadConfig({ env, cwd: t.dir });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as Error).message).toMatch(message);
    });
  }

  it('names where a bad value came from: the flag, the environment variable or the file', () => {
    t = tempDir();
    // `start --port 99999` came from the flag, not from OUTAGEWATCH_PORT
    expect(() => loadConfig({ env: {}, cwd: t.dir, flags: { port: '99999' } })).toThrow(
      /^invalid setting port \(--port\): must be a port number/,
    );
    expect(() => loadConfig({ env: {}, cwd: t.dir, flags: { logLevel: 'loud' } })).toThrow(/^invalid setting logLevel \(--log-level\)/);
    // the flag wins over the environment, and so does the blame
    expect(() => loadConfig({ env: { OUTAGEWATCH_PORT: '8080' }, cwd: t.dir, flags: { port: '99999' } })).toThrow(/\(--port\)/);
    writeFileSync(join(t.dir, 'p.json'), JSON.stringify({ port: 99999 }));
    expect(() => loadConfig({ env: {}, cwd: t.dir, configFile: 'p.json' })).toThrow(
      `invalid setting port (in ${join(t.dir, 'p.json')}): must be a port number 0-65535`,
    );
  });

  it('rejects unknown keys by name, and broken JSON in the file', () => {
    t = tempDir();
    writeFileSync(join(t.dir, 'a.json'), JSON.stringify({ prot: 1 }));
    // the unknown key is the setting named (not an empty parent path), with where it was written
    expect(() => loadConfig({ env: {}, cwd: t.dir, configFile: 'a.json' })).toThrow(
      `invalid setting prot (in ${join(t.dir, 'a.json')}): unknown setting (known here: db, host, port,`,
    );
    writeFileSync(join(t.dir, 'n.json'), JSON.stringify({ sources: { ooni: { urll: 'https://api.ooni.org' } } }));
    expect(() => loadConfig({ env: {}, cwd: t.dir, configFile: 'n.json' })).toThrow(
      /^invalid setting sources\.ooni\.urll \(in .*n\.json\): unknown setting \(known here: url, enabled\)$/,
    );
    writeFileSync(join(t.dir, 'b.json'), '{ nope');
    expect(() => loadConfig({ env: {}, cwd: t.dir, configFile: 'b.json' })).toThrow(/is not valid JSON/);
    expect(() => loadConfig({ env: {}, cwd: t.dir, configFile: 'missing.json' })).toThrow(/file not found/);
  });

  it('a bad setting stops the CLI with one line on stderr and exit 2', async () => {
    t = tempDir();
    const saved = process.env.OUTAGEWATCH_PORT;
    process.env.OUTAGEWATCH_PORT = 'eighty';
    try {
      const c = capture();
      const code = await main(['status', '--json', '--db', join(t.dir, 'x.db')], c.io);
      expect(code).toBe(2);
      expect(c.err.trim().split('\n')).toEqual(['outagewatch: invalid setting port (OUTAGEWATCH_PORT): must be a port number 0-65535']);
      expect(c.out).toBe('');
    } finally {
      if (saved === undefined) delete process.env.OUTAGEWATCH_PORT;
      else process.env.OUTAGEWATCH_PORT = saved;
    }
  });

  it('bad usage exits 2, help exits 0', async () => {
    const c = capture();
    expect(await main(['no-such-command'], c.io)).toBe(2);
    expect(await main(['--help'], capture().io)).toBe(0);
  });
});
