import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../services/cli.js';
import { SqliteStore } from '../../db/store.js';
import { capture, tempDir } from '../helpers.js';
import { OFFLINE_SOURCES_ENV } from '../offline-env.js';

// A typo anywhere in the config file stops every command before it does any work: exit 2 and one line naming
// the setting — not `status` answering 0 and the daemon failing hours later inside detection.

describe('every config section is validated when any command starts', () => {
  let t: ReturnType<typeof tempDir>;
  let db: string;
  let saved: NodeJS.ProcessEnv;
  beforeEach(() => {
    t = tempDir();
    db = join(t.dir, 'x.db');
    SqliteStore.open(db).close();
    saved = { ...process.env };
    Object.assign(process.env, OFFLINE_SOURCES_ENV);
  });
  afterEach(() => {
    process.env = saved;
    t.cleanup();
  });

  async function run(config: unknown, ...args: string[]) {
    const file = join(t.dir, 'outagewatch.config.json');
    writeFileSync(file, JSON.stringify(config));
    const c = capture();
    process.exitCode = undefined;
    const code = await main(['--log-level', 'silent', '--config', file, '--db', db, ...args], c.io);
    process.exitCode = undefined;
    return { code, out: c.out, err: c.err };
  }

  const typos: Array<{ what: string; config: unknown; message: RegExp }> = [
    {
      what: 'an unknown detector.signals key',
      config: { detector: { signals: { 'ioda.bgp': { warnig: 0.9 } } } },
      message: /invalid setting detector\.signals\.ioda\.bgp: unknown setting\(s\) warnig/,
    },
    {
      what: 'a bad correlator.lead',
      config: { correlator: { lead: '1 day' } },
      message: /invalid setting correlator\.lead: "1 day" is not a duration such as 30d, 36h, 90m/,
    },
    {
      what: 'a negative reference.openEndedDefault',
      config: { reference: { openEndedDefault: -5 } },
      message: /invalid setting reference\.openEndedDefault: must be whole seconds/,
    },
    {
      what: 'a bad collection.watch duration',
      config: { collection: { watch: { before: '3 days' } } },
      message: /invalid setting collection\.watch\.before: "3 days" is not a duration/,
    },
    {
      what: "a typo in a collector's own section",
      config: { collection: { ripestat: { windowDay: 3 } } },
      message: /invalid setting collection\.ripestat: unknown setting\(s\) windowDay/,
    },
    {
      what: 'a collection section for a source that takes none',
      config: { collection: { ioda: { x: 1 } } },
      message: /invalid setting collection: unknown setting\(s\) ioda/,
    },
    {
      what: 'a calendar typo',
      config: { calendar: { seedOnStrat: false } },
      message: /invalid setting calendar: unknown setting\(s\) seedOnStrat/,
    },
    {
      what: 'a webhook without a URL',
      config: { webhooks: [{ events: ['outage.started'] }] },
      message: /invalid setting webhooks\.0\.url/,
    },
    { what: 'an api typo', config: { api: { rateLimits: {} } }, message: /invalid setting api: unknown setting\(s\) rateLimits/ },
  ];
  for (const { what, config, message } of typos) {
    it(`status stops with exit 2 on ${what}`, async () => {
      const r = await run(config, 'status');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.out).toBe('');
    });
  }

  it('stops before work begins: `db migrate` on a new file with a bad detector section creates nothing', async () => {
    const fresh = join(t.dir, 'new', 'y.db');
    const file = join(t.dir, 'outagewatch.config.json');
    writeFileSync(file, JSON.stringify({ detector: { ooni: { minMeasurement: 5 } } }));
    const c = capture();
    const code = await main(['--log-level', 'silent', '--config', file, '--db', fresh, 'db', 'migrate'], c.io);
    expect(code).toBe(2);
    expect(c.err).toMatch(/invalid setting detector\.ooni: unknown setting\(s\) minMeasurement/);
    expect(existsSync(fresh)).toBe(false);
  });

  it("accepts a valid file that sets every section, collectors' own sections included", async () => {
    const r = await run(
      {
        collection: { ripestat: { windowDays: 3 }, watch: { before: '2d' }, sources: { ioda: { every: '15m' } } },
        detector: { signals: { 'ioda.bgp': { warning: 0.9, window: '48h' } } },
        correlator: { lead: '1d', lag: 172800 },
        reference: { openEndedDefault: '36h' },
        calendar: { seedOnStart: false },
        webhooks: [{ url: 'https://example.org/hook' }],
        api: { cacheEntries: 10 },
      },
      'status',
      '--json',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { status: string }).status).toBe('ok');
  });
});
