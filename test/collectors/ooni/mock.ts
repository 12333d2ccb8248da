// SYNTHETIC OONI aggregation answers, built on the fly in the real `/api/v1/aggregation` shape: the envelope
// (`v`, `dimension_count`, `db_stats`, `result`) and row keys are those of the real fixture
// test/fixtures/ooni/aggregation-web_connectivity-daily-2022-03-01_2022-03-04.json; axis columns
// (`domain`, `test_name`, `probe_asn`) are added exactly as the API adds them for axis_y. Counts are a
// deterministic function of (target, network, day); facebook.com and whatsapp are blocked on 20–21 May 2016.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'ooni');
export const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

const DAY = 86400;
const BLOCKED = new Set(['facebook.com', 'www.facebook.com', 'whatsapp']);
const BLOCK_FROM = Date.UTC(2016, 4, 20) / 1000;
const BLOCK_UNTIL = Date.UTC(2016, 4, 22) / 1000;
export const NETWORKS = [9198, 21299];

export interface Row {
  anomaly_count: number;
  confirmed_count: number;
  failure_count: number;
  ok_count: number;
  measurement_count: number;
  measurement_start_day: string;
  domain?: string;
  test_name?: string;
  probe_asn?: number;
}

/** Counts for one target on one network and day; www.twitter.com has no measurements (row absent). */
export function counts(target: string, asn: number, ts: number): Omit<Row, 'measurement_start_day'> | null {
  if (target === 'www.twitter.com') return null;
  if (target === 'twitter.com' && ts === BLOCK_FROM && asn === 21299) return null; // an empty day on one network
  const n = 6 + ((ts / DAY + target.length + asn) % 5);
  const failure = 1;
  const blocked = BLOCKED.has(target) && ts >= BLOCK_FROM && ts < BLOCK_UNTIL;
  const confirmed = blocked && target === 'facebook.com' && asn === 9198 ? 1 : 0;
  const anomaly = blocked ? n - failure - confirmed : target === 'twitter.com' ? 1 : 0;
  return {
    anomaly_count: anomaly,
    confirmed_count: confirmed,
    failure_count: failure,
    ok_count: n - failure - anomaly - confirmed,
    measurement_count: n,
  };
}

function day(ts: number): string {
  return new Date(ts * 1000).toISOString().slice(0, 10);
}

function sum(rows: Array<Omit<Row, 'measurement_start_day'>>): Omit<Row, 'measurement_start_day'> {
  const z = { anomaly_count: 0, confirmed_count: 0, failure_count: 0, ok_count: 0, measurement_count: 0 };
  for (const r of rows) for (const k of Object.keys(z) as Array<keyof typeof z>) z[k] += r[k];
  return z;
}

export function envelope(result: unknown, dims: number): string {
  return JSON.stringify({
    v: 0,
    dimension_count: dims,
    db_stats: { row_count: 1200, bytes: 48000, total_row_count: 1200, elapsed_seconds: 0.021 },
    result,
  });
}

/** Answers `/api/v1/aggregation?...` like OONI would for probe_cc=KZ (daily grain). */
export function aggregationAnswer(uri: string): string {
  const q = new URL(uri, 'http://ooni.test').searchParams;
  const since = Date.parse(`${q.get('since')}T00:00:00Z`) / 1000;
  const until = Date.parse(`${q.get('until')}T00:00:00Z`) / 1000;
  const axisY = q.get('axis_y');
  const domains = (q.get('domain') ?? '').split(',').filter(Boolean);
  const tests = (q.get('test_name') ?? '').split(',').filter(Boolean);
  const targets = domains.length ? domains : tests;
  const rows: Row[] = [];
  for (let t = since; t < until; t += DAY) {
    if (axisY === 'probe_asn') {
      for (const asn of NETWORKS) {
        const c = targets.map((x) => counts(x, asn, t)).filter((x): x is NonNullable<typeof x> => x !== null);
        if (c.length) rows.push({ ...sum(c), measurement_start_day: day(t), probe_asn: asn });
      }
    } else {
      for (const x of targets) {
        const c = NETWORKS.map((asn) => counts(x, asn, t)).filter((v): v is NonNullable<typeof v> => v !== null);
        if (!c.length) continue;
        rows.push({ ...sum(c), measurement_start_day: day(t), ...(axisY === 'domain' ? { domain: x } : { test_name: x }) });
      }
    }
  }
  return envelope(rows, axisY ? 2 : 1);
}
