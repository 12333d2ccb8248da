import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestIodaFiles } from '../../collectors/ioda/ingest.js';
import { seededRandom } from '../util/random.js';
import type { DemoContext } from './context.js';

/**
 * SYNTHETIC IODA `signals/raw` responses for Kazakhstan, in the recorded response shape (envelope as in
 * test/fixtures/ioda/), for the offline demo. They are NOT measurements: they imitate what IODA's signals
 * looked like around two documented events so that a newcomer without network sees a populated dashboard.
 *
 * - 2016-04-01 .. 2016-06-30 (the 21 May 2016 land-reform protests): service blocking. bgp and
 *   ping-slash24 stay normal (daily noise: the network held); Google product traffic (gtr) follows a
 *   diurnal cycle and falls from 2016-05-20T03:00Z to 2016-05-22T00:00Z, YouTube deepest
 *   (social networks and YouTube unreachable from early 20 May, per Freedom House / press reports).
 *   No merit-nt (IODA's telescope has no 2016 era).
 * - 2021-12-01 .. 2022-01-31: the national connectivity shutdown of 5 January 2022 (approximate times:
 *   2022-01-05T11:00Z to 2022-01-10T06:00Z): bgp, ping-slash24, merit-nt and every gtr product fall.
 *
 * Every value comes from a seeded generator: the same seed gives the same files byte for byte.
 */

const COPYRIGHT = 'This data is Copyright (c) 2021-2024 Georgia Tech Research Corporation. All Rights Reserved.';
const GTR_PRODUCTS = ['WEB_SEARCH', 'YOUTUBE', 'GMAIL', 'MAPS'] as const;
const STEP: Record<string, number> = { bgp: 300, 'ping-slash24': 600, 'merit-nt': 300, gtr: 1800 };
const t = (iso: string) => Date.parse(iso) / 1000;

interface Era {
  slug: string;
  from: number;
  until: number;
  datasources: string[];
  /** Fraction of normal level at time ts for a datasource/product (1 = normal). */
  level(ds: string, product: string, ts: number): number;
}

export const SYNTHETIC_ERAS: Era[] = [
  {
    slug: '2016-05-land-protests',
    from: t('2016-04-01T00:00:00Z'),
    until: t('2016-06-30T00:00:00Z'), // 90 days: one request each (< 100 days)
    datasources: ['bgp', 'ping-slash24', 'gtr'],
    level(ds, product, ts) {
      if (ds !== 'gtr' || ts < t('2016-05-20T03:00:00Z') || ts >= t('2016-05-22T00:00:00Z')) return 1;
      return product === 'YOUTUBE' ? 0.07 : product === 'WEB_SEARCH' ? 0.45 : 0.55;
    },
  },
  {
    slug: '2022-01-shutdown',
    from: t('2021-12-01T00:00:00Z'),
    until: t('2022-02-01T00:00:00Z'),
    datasources: ['bgp', 'ping-slash24', 'merit-nt', 'gtr'],
    level(ds, _product, ts) {
      if (ts < t('2022-01-05T11:00:00Z') || ts >= t('2022-01-10T06:00:00Z')) return 1;
      return { bgp: 0.35, 'ping-slash24': 0.12, 'merit-nt': 0.2, gtr: 0.05 }[ds] ?? 1;
    },
  },
];

const BASE: Record<string, number> = {
  bgp: 5200,
  'ping-slash24': 1900,
  'merit-nt': 21000,
  WEB_SEARCH: 9e6,
  YOUTUBE: 6e6,
  GMAIL: 2.5e6,
  MAPS: 1.5e6,
};

/** Almaty is UTC+6: traffic peaks in the local evening, bottoms out before dawn. */
function diurnal(ts: number, depth: number): number {
  const localHour = (((ts / 3600 + 6) % 24) + 24) % 24;
  return 1 + depth * Math.cos(((localHour - 21) / 24) * 2 * Math.PI);
}

function seriesValues(era: Era, ds: string, product: string, rand: () => number): Array<number | null> {
  const step = STEP[ds]!;
  const n = (era.until - era.from) / step;
  const base = BASE[product || ds]!;
  const out: Array<number | null> = [];
  let dayNoise = 1;
  for (let i = 0; i < n; i++) {
    const ts = era.from + i * step;
    if (ts % 86400 === 0) dayNoise = 1 + (rand() - 0.5) * (ds === 'bgp' ? 0.002 : 0.02); // BGP visibility is very steady
    if (rand() < 0.002) {
      out.push(null); // an occasional empty bucket, as IODA has
      continue;
    }
    const cycle = ds === 'gtr' ? diurnal(ts, 0.55) : ds === 'ping-slash24' ? diurnal(ts, 0.03) : ds === 'merit-nt' ? diurnal(ts, 0.1) : 1;
    const noise = 1 + (rand() - 0.5) * (ds === 'gtr' ? 0.08 : ds === 'bgp' ? 0.002 : 0.01);
    const v = base * dayNoise * cycle * noise * era.level(ds, product, ts);
    out.push(Math.round(v));
  }
  return out;
}

/** Writes one recorded-shape `signals/raw` response per era and datasource into `dir`; returns the file paths. */
export function writeSyntheticIodaResponses(dir: string, seed = 20160521): string[] {
  const rand = seededRandom(seed);
  const files: string[] = [];
  for (const era of SYNTHETIC_ERAS) {
    for (const ds of era.datasources) {
      const products = ds === 'gtr' ? [...GTR_PRODUCTS] : [''];
      const data = [
        products.map((p) => ({
          entityType: 'country',
          entityCode: 'KZ',
          entityName: 'Kazakhstan',
          entityFqid: 'geo.provider.AS.KZ',
          datasource: ds,
          subtype: p,
          from: era.from,
          until: era.until,
          step: STEP[ds]!,
          nativeStep: STEP[ds]!,
          values: seriesValues(era, ds, p, rand),
        })),
      ];
      const doc = {
        type: 'signals',
        metadata: { requestTime: '2016-01-01T00:00:00+00:00', responseTime: '2016-01-01T00:00:00+00:00' },
        requestParameters: {
          from: era.from,
          until: era.until,
          datasource: ds,
          sourceParams: ds === 'gtr' ? products.join(',') : null,
          maxPoints: null,
        },
        error: null,
        perf: null,
        data,
        copyright: COPYRIGHT,
      };
      const file = join(dir, `SYNTHETIC-ioda-signals-raw-country-KZ-${ds}-${era.slug}.json`);
      writeFileSync(file, JSON.stringify(doc));
      files.push(file);
    }
  }
  return files;
}

/** Demo step: generate the synthetic responses and ingest them through the real IODA ingest path, flagged synthetic. */
export const iodaSyntheticDemoStep = {
  name: 'IODA Kazakhstan (SYNTHETIC)',
  async run(ctx: DemoContext): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'ow-demo-ioda-'));
    try {
      const files = writeSyntheticIodaResponses(dir);
      ctx.log.warn(
        { files: files.length },
        'demo: ingesting SYNTHETIC IODA-shaped series for country:KZ (generated, not measured; signals flagged synthetic)',
      );
      const r = await ingestIodaFiles({ files, store: ctx.repos.points, log: ctx.log, synthetic: true });
      if (r.failures.length) throw new Error(`synthetic IODA ingest failed: ${r.failures.map((f) => f.error).join('; ')}`);
      return `IODA: ${r.points} SYNTHETIC points for country:KZ (bgp, ping-slash24, merit-nt, gtr WEB_SEARCH/YOUTUBE/GMAIL/MAPS) around 2016-05-21 (service blocking) and 2022-01-05 (shutdown); signals flagged synthetic`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
