import type { PointTuple, SignalSpec } from '../../db/store.js';
import { KNOWN_SOURCES } from '../../db/provenance.js';
import type { CountryResourceStatsData } from './schema.js';

/** Pure mapping from RIPEstat `country-resource-stats` to points. */

export const RIPESTAT_METRICS = ['v4_prefixes_ris', 'v6_prefixes_ris', 'asns_ris'] as const;
export type RipestatMetric = (typeof RIPESTAT_METRICS)[number];
export type Resolution = '5m' | '1h' | '1d' | '1w';
export const RESOLUTION_STEP: Record<Resolution, number> = { '5m': 300, '1h': 3600, '1d': 86400, '1w': 604800 };

const UNITS: Record<RipestatMetric, string> = { v4_prefixes_ris: 'prefixes', v6_prefixes_ris: 'prefixes', asns_ris: 'ASNs' };

/** RIPEstat times carry no offset and are UTC. */
export function ripeTimeToTs(s: string): number {
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`;
  const t = Date.parse(withZone);
  if (Number.isNaN(t)) throw new Error(`bad RIPEstat time ${s}`);
  return Math.floor(t / 1000);
}

/** `2016-05-20T00:00:00`: the format RIPEstat documents for starttime/endtime. */
export function tsToRipeTime(ts: number): string {
  return new Date(ts * 1000).toISOString().slice(0, 19);
}

/** -1 (and null/absent) means no value: stored as NULL, never as a number. */
export function countValue(v: number | null | undefined): number | null {
  if (v === undefined || v === null || v < 0) return null;
  return v;
}

/**
 * Each `stats` entry holds values valid for every interval in its `timeline` (RIPEstat compresses runs of
 * equal values); an interval is expanded to one point per step from starttime to endtime inclusive, clipped
 * to [from, until).
 */
export function statsToSeries(
  data: CountryResourceStatsData,
  opts: { from: number; until: number; maxPoints?: number },
): Array<{ signal: SignalSpec; points: PointTuple[] }> {
  const step = RESOLUTION_STEP[data.resolution];
  const values = new Map<RipestatMetric, Map<number, number | null>>(RIPESTAT_METRICS.map((m) => [m, new Map()]));
  const cap = opts.maxPoints ?? 1_000_000;
  let n = 0;
  for (const stat of data.stats) {
    for (const iv of stat.timeline) {
      const start = Math.floor(ripeTimeToTs(iv.starttime) / step) * step;
      const end = iv.endtime ? ripeTimeToTs(iv.endtime) : start;
      for (let t = start; t <= end; t += step) {
        if (t < opts.from || t >= opts.until) continue;
        if (++n > cap * RIPESTAT_METRICS.length) throw new Error(`country-resource-stats timeline expands to more than ${cap} points`);
        for (const m of RIPESTAT_METRICS) values.get(m)!.set(t, countValue(stat[m]));
      }
    }
  }
  return RIPESTAT_METRICS.map((m) => ({
    signal: {
      name: `ripestat.${m}`,
      step,
      unit: UNITS[m],
      meta: { dataCall: 'country-resource-stats', resolution: data.resolution },
      provenance: { ...KNOWN_SOURCES.ripestat, label: `Routed resources: ${m.replace(/_/g, ' ')}`, axis: 'connectivity' as const },
    },
    points: [...values.get(m)!.entries()].sort((a, b) => a[0] - b[0]),
  }));
}
