import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertEvent } from '../../../db/calendar.js';
import { replaceOutages } from '../../../db/outages.js';
import type { Outage } from '../../../core/outage.js';
import { main } from '../../../services/cli.js';
import { tempStore } from '../../helpers.js';

const H = 3600;
const D = 86400;
const t = (iso: string) => Date.parse(iso) / 1000;
const EV = '2021-03-20T18:00:00Z';

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

describe('outagewatch correlate', () => {
  let env: ReturnType<typeof tempStore>;
  beforeEach(() => {
    env = tempStore();
    const { store } = env;
    const start = t(EV);
    upsertEvent(
      store.db,
      {
        id: 'kz-test',
        title: 'Test protest',
        country: 'KZ',
        places: [],
        start,
        end: start + D,
        tz: 'Asia/Almaty',
        allDay: true,
        kind: 'protest',
        sources: ['https://example.org/'],
        notes: null,
        tags: [],
        origin: 'manual',
        originFile: null,
        originLine: null,
      },
      0,
    );
    const points: Array<[number, number]> = [];
    for (let ts = start - 60 * D; ts < start + 60 * D; ts += H) points.push([ts, 100]);
    store.writeWindow({
      collector: 'ioda',
      entity: 'country:KZ',
      from: start - 60 * D,
      until: start + 60 * D,
      series: [{ signal: { name: 'ioda.bgp', step: H }, points }],
    });
    const o = (s: number): Outage => ({
      entity: 'country:KZ',
      start: s,
      end: s + 4 * H,
      kind: 'connectivity',
      severity: 'critical',
      score: 1000,
      signals: [{ signal: 'ioda.bgp', start: s, end: s + 4 * H, severity: 'critical', depth: 0.8, score: 1000 }],
      targets: [],
      evidence: [],
    });
    replaceOutages(store.db, 'country:KZ', start - 60 * D, start + 60 * D, [o(start + 6 * H)]);
    env.store.close();
    process.exitCode = undefined;
  });
  afterEach(() => {
    process.exitCode = undefined;
    env.cleanup();
  });

  async function run(...args: string[]) {
    const c = capture();
    const code = await main(['--db', env.path, '--log-level', 'silent', 'correlate', ...args], c.io);
    process.exitCode = undefined;
    return { code, out: c.out(), err: c.err() };
  }

  it('--event --json prints the documented shape; --lead/--lag move the window', async () => {
    const r = await run('--event', 'kz-test', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown> & {
      window: { from: string; until: string };
      outages: Array<Record<string, unknown>>;
      verdict: { label: string };
    };
    for (const k of ['event', 'window', 'verdict', 'outages', 'coverage', 'p']) expect(j).toHaveProperty(k);
    expect(j.event).toEqual({
      id: 'kz-test',
      title: 'Test protest',
      country: 'KZ',
      start: '2021-03-20T18:00:00Z',
      end: '2021-03-21T18:00:00Z',
      tz: 'Asia/Almaty',
    });
    expect([j.window.from, j.window.until]).toEqual(['2021-03-19T18:00:00Z', '2021-03-23T18:00:00Z']);
    expect(j.verdict.label).toBe('connectivity-outage');
    expect(j.outages.map((o) => [o.entity, o.kind, o.start, o.onsetSeconds])).toEqual([
      ['country:KZ', 'connectivity', '2021-03-21T00:00:00Z', 6 * H],
    ]);
    const shifted = JSON.parse((await run('--event', 'kz-test', '--lead', '2d', '--lag', '0d', '--json')).out) as {
      window: { from: string; until: string };
    };
    expect([shifted.window.from, shifted.window.until]).toEqual(['2021-03-18T18:00:00Z', '2021-03-21T18:00:00Z']);
  });

  it('--country --json gives the set statistics; bad usage exits 2', async () => {
    const r = await run('--country', 'KZ', '--surrogates', '99', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      country: string;
      events: Array<{ id: string }>;
      stats: { B: number; smallestAttainableP: number; tests: unknown[] };
    };
    expect(j.country).toBe('KZ');
    expect(j.events.map((e) => e.id)).toEqual(['kz-test']);
    expect(j.stats.tests.length).toBeGreaterThan(0);
    expect(j.stats.smallestAttainableP).toBeCloseTo(1 / (j.stats.B + 1), 12);
    expect((await run('--event', 'nope')).code).toBe(2);
    expect((await run('--event', 'kz-test', '--country', 'KZ')).code).toBe(2);
    expect((await run('--event', 'kz-test', '--lead', 'soon')).code).toBe(2);
  });
});
