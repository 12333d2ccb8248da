import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serveDuringTests } from '../../helpers.js';
import { createIodaCollector } from '../../../collectors/ioda/index.js';
import { silentLogger } from '../../../core/logger.js';
import { packageRoot } from '../../../core/package-root.js';
import { PgPointStore } from '../../../db/postgres/store.js';
import { loadConfig } from '../../../services/program-config.js';
import { replyLater } from '../ioda/mock.js';
import { OFFLINE_SOURCES_ENV } from '../../offline-env.js';
import { usePostgres } from '../../pg.js';

/**
 * Politeness across processes on PostgreSQL (issue 23): several collectors on one database keep a source's request
 * rate together, not each on its own. IODA has no documented limit; outagewatch keeps to 2 request starts per second
 * (collectors/ioda/client.ts), and that is the rate checked here. The source is a local stand-in answering IODA's
 * documented shapes with SYNTHETIC values (test/collectors/ioda/mock.ts) and noting when each request arrives.
 */
const pg = usePostgres({ database: false });

/** IODA's pace in outagewatch: 2 starts in any 1000 ms. */
const REQUESTS = 2;
const INTERVAL_MS = 1000;
/**
 * Requests arrive a little after their start, by a delay that varies (event loop, a loaded machine: up to a few
 * hundred milliseconds while the whole suite runs): the margin allowed on the span of all arrivals.
 */
const JITTER_MS = 300;

interface StandIn {
  server: Server;
  base: string;
  arrivals: Array<{ at: number; code: string }>;
  /** Answers are held until requests for this many different entities have arrived (so that every collector is asking). */
  gate: number;
}

function standIn(): StandIn {
  const s: StandIn = { server: null as unknown as Server, base: '', arrivals: [], gate: 0 };
  const held: Array<() => void> = [];
  s.server = createServer((req, res) => {
    const url = req.url ?? '/';
    // signals name the entity in the path, events in the query
    const code =
      /\/(?:country|region|asn)\/([^/?]+)/.exec(url)?.[1] ?? new URL(url, 'http://stand-in').searchParams.get('entityCode') ?? '';
    s.arrivals.push({ at: performance.now(), code });
    const reply = replyLater(url, res);
    if (s.gate > 1) {
      held.push(reply);
      if (new Set(s.arrivals.map((x) => x.code)).size >= s.gate) {
        s.gate = 0;
        for (const h of held.splice(0)) h();
      }
      return;
    }
    reply();
  });
  return s;
}

/** The most request arrivals in any window of `windowMs`. */
function busiest(arrivals: ReadonlyArray<{ at: number }>, windowMs: number): number {
  const t = arrivals.map((a) => a.at).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/**
 * The source's pace kept by all collectors together: the arrivals, n of them, span at least (n − 1) spacings of
 * 1000 ms / 2 (less the arrival jitter), and no more than 2 arrive within one spacing (the collectors on their own
 * pace each send 2 at once, 4 in all).
 */
function expectPaced(arrivals: ReadonlyArray<{ at: number }>): void {
  const spacing = INTERVAL_MS / REQUESTS;
  const t = arrivals.map((a) => a.at).sort((a, b) => a - b);
  expect(t.at(-1)! - t[0]!).toBeGreaterThanOrEqual((t.length - 1) * spacing - JITTER_MS);
  expect(busiest(arrivals, spacing)).toBeLessThanOrEqual(REQUESTS);
}

const FROM = Date.UTC(2016, 0, 1) / 1000;
const UNTIL = Date.UTC(2016, 2, 15) / 1000; // one window per datasource, and the events window

describe.skipIf(!pg.enabled)("collectors on one PostgreSQL database keep a source's request rate together", () => {
  const s = standIn();
  serveDuringTests(s.server, (url) => (s.base = `${url}/v2`));
  const stores: PgPointStore[] = [];
  afterEach(async () => {
    for (const x of stores.splice(0)) await x.close();
  });

  it('two collectors (each with its own connection pool, as two processes) ask IODA 2 times a second in all, not each', async () => {
    const url = await pg.createDatabase();
    const config = loadConfig({ env: { ...OFFLINE_SOURCES_ENV, OUTAGEWATCH_IODA_URL: s.base }, cwd: '/' });
    s.arrivals = [];
    s.gate = 2;
    const runs = ['country:KZ', 'country:BY'].map(async (entity, n) => {
      const store = await PgPointStore.open(url, { owner: { host: 'budget-test', pid: 2000 + n, started: 1_700_000_000_000 + n } });
      stores.push(store);
      // the collector's own limiter is IODA's default (2 per second, 2 in flight), as in every process
      const ioda = createIodaCollector(config, { log: silentLogger });
      return ioda.collect({ entity, from: FROM, until: UNTIL, store, log: silentLogger });
    });
    const results = await Promise.all(runs);
    expect(results.map((r) => r.windowsFailed)).toEqual([0, 0]);
    expect(results.every((r) => r.windowsOk > 0)).toBe(true);
    // both asked, enough times for the rate to bind
    expect(new Set(s.arrivals.map((a) => a.code))).toEqual(new Set(['KZ', 'BY']));
    expect(s.arrivals.length).toBeGreaterThanOrEqual(8);
    expectPaced(s.arrivals);
  }, 120_000);

  it('two `outagewatch collect` processes at once ask IODA 2 times a second in all, not each', async () => {
    const url = await pg.createDatabase();
    s.arrivals = [];
    s.gate = 2;
    const cli = join(packageRoot(), 'services', 'cli.ts');
    const runs = ['country:KZ', 'country:BY'].map((entity) => {
      const args = ['--db', url, 'collect', '--source', 'ioda', '--entity', entity, '--from', '2016-01-01', '--until', '2016-03-14'];
      const proc = spawn(process.execPath, ['--import', 'tsx', cli, ...args, '--json'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...OFFLINE_SOURCES_ENV, OUTAGEWATCH_IODA_URL: s.base, LOG_LEVEL: 'warn' },
        cwd: packageRoot(),
      });
      let out = '';
      let err = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
      return new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
        proc.on('exit', (code) => resolve({ code, out, err })),
      );
    });
    const exits = await Promise.all(runs);
    expect(
      exits.map((e) => e.code),
      exits.map((e) => e.err).join('\n'),
    ).toEqual([0, 0]);
    for (const e of exits) expect((JSON.parse(e.out) as Array<{ windowsFailed: number }>)[0]!.windowsFailed).toBe(0);
    expect(new Set(s.arrivals.map((a) => a.code))).toEqual(new Set(['KZ', 'BY']));
    expect(s.arrivals.length).toBeGreaterThanOrEqual(8);
    expectPaced(s.arrivals);
  }, 180_000);
});
