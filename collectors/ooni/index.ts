import type { CollectorFactory, CollectorModule } from '../types.js';
import { createOoniCollector } from './collect.js';

export { OoniCollector, createOoniCollector } from './collect.js';
import { ooniConfigSchema } from './config.js';
export { ooniConfig, ooniConfigSchema, type OoniConfig } from './config.js';
export { anomalyRate, explorerSearchUrl, signalName } from './map.js';

export const createOoni: CollectorFactory = (config, deps) => createOoniCollector(config, deps);

const HOUR = 3600;
const DAY = 86400;
const isoDay = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 10);
/** OONI Web Connectivity was released on 3 June 2016 (older tests — http_requests, dns_consistency, tcp_connect — existed). */
export const OONI_WEB_CONNECTIVITY_FROM = Date.UTC(2016, 5, 3) / 1000;

/** OONI measurement aggregation, declared in one place (listed in collectors/registry.ts). */
export const ooniModule: CollectorModule = {
  name: 'ooni',
  title: 'OONI',
  summary: 'web and app test anomaly rates per target (measurement aggregation)',
  source: { url: 'https://api.ooni.io' },
  configSchema: ooniConfigSchema,
  cadence: { every: DAY, lag: HOUR, refresh: DAY, watch: true },
  axis: () => 'services',
  era: {
    from: OONI_WEB_CONNECTIVITY_FROM,
    note: 'OONI Web Connectivity began on 3 June 2016 (only older tests such as http_requests, dns_consistency and tcp_connect exist before)',
  },
  charts: { order: ['ooni'] },
  evidenceLinks(e, from, until, opts) {
    if (e.type !== 'country' && e.type !== 'asn') return [];
    const since = isoDay(from);
    const untilDay = isoDay(until + 86399);
    const scope = e.type === 'country' ? `probe_cc=${e.code}` : `probe_asn=AS${e.code}`;
    const links = [
      {
        source: 'ooni',
        label: `OONI Explorer: measurements ${since} to ${untilDay}`,
        url: `https://explorer.ooni.org/search?${scope}&since=${since}&until=${untilDay}`,
      },
      {
        source: 'ooni',
        label: 'OONI Explorer: measurement aggregation chart',
        url: `https://explorer.ooni.org/chart/mat?${scope}&since=${since}&until=${untilDay}&axis_x=measurement_start_day&test_name=web_connectivity`,
      },
    ];
    for (const target of opts.ooniTargets ?? []) {
      const q = target.includes('.') ? `domain=${encodeURIComponent(target)}` : `test_name=${encodeURIComponent(target)}`;
      links.push({
        source: 'ooni',
        label: `OONI Explorer: ${target}`,
        url: `https://explorer.ooni.org/search?${scope}&since=${since}&until=${untilDay}&${q}`,
      });
    }
    return links;
  },
  ingests: 'saved aggregation responses',
  create: createOoni,
};
