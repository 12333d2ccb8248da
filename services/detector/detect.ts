import { detectBlocking } from './blocking.js';
import { ruleFor, type DetectorConfig } from './config.js';
import { detectDrops, type Episode } from './drops.js';
import { mergeEpisodes } from './merge.js';
import type { Outage } from './model.js';
import { alignTo, type Series } from './series.js';

export interface NamedSeries {
  /** `source.metric[:target]` */
  name: string;
  series: Series;
}

const targetOf = (name: string): string | null => {
  const i = name.indexOf(':');
  return i < 0 ? null : name.slice(i + 1);
};

/** OONI series of one target: the rate, or one computed from the disjoint counts when only they exist. */
function ooniInputs(signals: readonly NamedSeries[]) {
  const byTarget = new Map<string, Map<string, Series>>();
  for (const s of signals) {
    const m = /^ooni\.([a-z_]+):(.+)$/.exec(s.name);
    if (!m) continue;
    const t = m[2]!;
    if (!byTarget.has(t)) byTarget.set(t, new Map());
    byTarget.get(t)!.set(m[1]!, s.series);
  }
  const out = [];
  for (const [target, metrics] of [...byTarget].sort((a, b) => a[0].localeCompare(b[0]))) {
    let rate = metrics.get('anomaly_rate');
    const measurements = metrics.get('measurement_count');
    if (!rate && measurements && metrics.get('anomaly_count')) {
      // (anomaly + confirmed) / (measurements − failures), per DESIGN.md
      const a = alignTo(measurements, metrics.get('anomaly_count')!);
      const c = metrics.get('confirmed_count') ? alignTo(measurements, metrics.get('confirmed_count')!) : new Float64Array(a.length).fill(0);
      const f = metrics.get('failure_count') ? alignTo(measurements, metrics.get('failure_count')!) : new Float64Array(a.length).fill(0);
      const v = new Float64Array(a.length);
      for (let i = 0; i < v.length; i++) {
        const den = measurements.values[i]! - (f[i]! === f[i]! ? f[i]! : 0);
        v[i] = den > 0 ? (a[i]! + (c[i]! === c[i]! ? c[i]! : 0)) / den : NaN;
      }
      rate = { start: measurements.start, step: measurements.step, values: v };
    }
    if (!rate) continue;
    const none = new Float64Array(rate.values.length).fill(NaN);
    out.push({
      target,
      signal: `ooni.anomaly_rate:${target}`,
      rate,
      measurements: measurements ? alignTo(rate, measurements) : none,
      confirmed: metrics.get('confirmed_count') ? alignTo(rate, metrics.get('confirmed_count')!) : none,
    });
  }
  return out;
}

/**
 * Pure detection for ONE entity: drops on each connectivity/Google signal the configuration knows,
 * blocking on each OONI target, merged into outages.
 */
export function detectEntity(entity: string, signals: readonly NamedSeries[], cfg: DetectorConfig): { episodes: Episode[]; outages: Outage[] } {
  const episodes: Episode[] = [];
  for (const s of signals) {
    const rule = ruleFor(s.name, cfg);
    if (!rule) continue;
    for (const item of detectDrops(s.series, rule, s.name, rule.class === 'service' ? targetOf(s.name) : null).episodes) episodes.push(item);
  }
  if (cfg.ooni.enabled) {
    for (const input of ooniInputs(signals)) for (const item of detectBlocking(input, cfg.ooni).episodes) episodes.push(item);
  }
  return { episodes, outages: mergeEpisodes(entity, episodes) };
}
