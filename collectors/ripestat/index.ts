import type { CollectorFactory, CollectorModule } from '../types.js';
import { createRipestatCollector } from './collect.js';

export { RipestatCollector, createRipestatCollector } from './collect.js';
import { ripestatConfigSchema } from './config.js';
export { ripestatConfig, ripestatConfigSchema, type RipestatConfig } from './config.js';

export const createRipestat: CollectorFactory = (config, deps) => createRipestatCollector(config, deps);

const DAY = 86400;
const HOUR = 3600;
const ripeTime = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 19);

/** RIPEstat routing statistics, declared in one place (listed in collectors/registry.ts). */
export const ripestatModule: CollectorModule = {
  name: 'ripestat',
  title: 'RIPEstat',
  summary: 'IPv4/IPv6 prefixes and ASNs seen in RIS per country (country-resource-stats)',
  source: { url: 'https://stat.ripe.net' },
  configSchema: ripestatConfigSchema,
  cadence: { every: HOUR, lag: 0, refresh: 0, watch: true },
  detectorRules: { 'ripestat.*': { window: 7 * DAY, warning: 0.9, critical: 0.5, minPoints: 1 } },
  charts: { order: ['ripestat'] },
  evidenceLinks(e, from, until) {
    if (e.type !== 'country' && e.type !== 'asn') return [];
    const resource = e.type === 'country' ? e.code : `AS${e.code}`;
    const links = [{ source: 'ripestat', label: `RIPEstat: ${resource}`, url: `https://stat.ripe.net/${resource}` }];
    if (e.type === 'country') {
      links.push({
        source: 'ripestat',
        label: 'RIPEstat data: country-resource-stats',
        url: `https://stat.ripe.net/data/country-resource-stats/data.json?resource=${e.code}&starttime=${ripeTime(from)}&endtime=${ripeTime(until)}`,
      });
    }
    return links;
  },
  ingests: 'saved country-resource-stats responses',
  create: createRipestat,
};
