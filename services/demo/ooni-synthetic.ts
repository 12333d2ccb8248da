import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOoniCollector } from '../../collectors/ooni/index.js';
import { seededRandom } from '../util/random.js';
import type { DemoContext } from './context.js';

/**
 * SYNTHETIC OONI `/api/v1/aggregation` responses for Kazakhstan, saved in the recorded shape
 * (`{"url", "status", "fetchedAt", "body"}`, body as in test/fixtures/ooni/) and ingested through the OONI
 * collector's real ingest path. They are NOT measurements: they imitate what legacy `http_requests`
 * measurements could have shown around the 21 May 2016 land-reform protests (Web Connectivity only began on
 * 3 June 2016): facebook.com, twitter.com, vk.com, youtube.com and whatsapp.com mostly anomalous on 20 and
 * 21 May 2016 (UTC days), everything else normal. Every signal written is flagged synthetic.
 * The same seed gives the same files byte for byte.
 */

export const OONI_DEMO = {
  cc: 'KZ',
  since: '2016-04-01',
  until: '2016-06-30',
  domains: ['facebook.com', 'twitter.com', 'vk.com', 'youtube.com', 'whatsapp.com', 'instagram.com', 'google.com', 'telegram.org'],
  blocked: new Set(['facebook.com', 'twitter.com', 'vk.com', 'youtube.com', 'whatsapp.com']),
  blockFrom: '2016-05-20',
  blockUntil: '2016-05-22',
} as const;

const day = (s: string) => Date.parse(`${s}T00:00:00Z`) / 1000;
const iso = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 10);

export function syntheticOoniAggregation(seed = 20160521): { url: string; body: unknown } {
  const rand = seededRandom(seed);
  const d = OONI_DEMO;
  const rows: Array<Record<string, number | string>> = [];
  for (let ts = day(d.since); ts < day(d.until); ts += 86400) {
    for (const domain of d.domains) {
      const blocked = d.blocked.has(domain) && ts >= day(d.blockFrom) && ts < day(d.blockUntil);
      if (rand() < 0.05 && !blocked) continue; // an occasional day without measurements of this domain
      const n = 6 + Math.floor(rand() * 12);
      const failure = rand() < 0.3 ? 1 : 0;
      const usable = n - failure;
      const anomaly = blocked ? usable - Math.floor(rand() * 2) : rand() < 0.15 ? 1 : 0;
      rows.push({
        anomaly_count: anomaly,
        confirmed_count: 0,
        failure_count: failure,
        ok_count: usable - anomaly,
        measurement_count: n,
        measurement_start_day: iso(ts),
        domain,
      });
    }
  }
  const url = `https://api.ooni.io/api/v1/aggregation?probe_cc=${d.cc}&test_name=http_requests&domain=${d.domains.join(',')}&since=${d.since}&until=${d.until}&axis_x=measurement_start_day&axis_y=domain&time_grain=day`;
  return {
    url,
    body: {
      v: 0,
      dimension_count: 2,
      db_stats: { row_count: rows.length, bytes: rows.length * 40, total_row_count: rows.length, elapsed_seconds: 0.02 },
      result: rows,
    },
  };
}

export const ooniSyntheticDemoStep = {
  name: 'OONI Kazakhstan (SYNTHETIC)',
  async run(ctx: DemoContext): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'ow-demo-ooni-'));
    try {
      const rec = syntheticOoniAggregation();
      const file = join(dir, 'ooni-aggregation-KZ-2016-synthetic.json');
      writeFileSync(
        file,
        JSON.stringify({ url: rec.url, status: 200, fetchedAt: '2016-07-01T00:00:00Z', synthetic: true, body: rec.body }),
      );
      ctx.log.warn(
        { file },
        'demo: ingesting SYNTHETIC OONI-shaped aggregation for country:KZ (generated, not measured; signals flagged synthetic)',
      );
      const r = await createOoniCollector(ctx.config, { log: ctx.log }).ingest({
        files: [file],
        store: ctx.repos.points,
        log: ctx.log,
        synthetic: true,
      });
      if (r.failures.length) throw new Error(`synthetic OONI ingest failed: ${r.failures.map((f) => f.error).join('; ')}`);
      return `OONI: ${r.points} SYNTHETIC points and ${r.events} evidence events for country:KZ (http_requests: facebook.com, twitter.com, vk.com, youtube.com, whatsapp.com anomalous on 2016-05-20/21); signals flagged synthetic`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
