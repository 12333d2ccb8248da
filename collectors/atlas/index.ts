import type { CollectorModule } from '../types.js';
import { atlasResource } from './client.js';
import { ATLAS, ATLAS_EARLIEST, AtlasCollector, atlasConfigSchema } from './collect.js';

export { AtlasCollector, atlasConfig, atlasConfigSchema, deploymentToSeries, type AtlasConfig } from './collect.js';
export { atlasResource, validateProbeDeployment } from './client.js';

const DAY = 86400;
const isoDay = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 10);

/** RIPE Atlas probe connectivity: the whole source, declared in one place (listed in collectors/registry.ts). */
export const atlasModule: CollectorModule = {
  name: ATLAS,
  title: 'RIPE Atlas',
  summary:
    'connected and disconnected RIPE Atlas probes per day, per country or AS (RIPEstat atlas-probe-deployment, from the Atlas probe archive)',
  source: { url: 'https://stat.ripe.net' },
  configSchema: atlasConfigSchema,
  // the probe archive is processed once a day
  cadence: { every: DAY / 4, lag: DAY, refresh: 0, watch: true },
  era: { from: ATLAS_EARLIEST, note: 'RIPE Atlas probe deployment history starts in 2014' },
  // a handful of probes per country is common: a drop of half of at least 3 connected probes is an outage sign
  detectorRules: {
    'atlas.probes_connected': { window: 7 * DAY, warning: 0.8, critical: 0.5, minBaseline: 3, minPoints: 1 },
    'atlas.probes_disconnected': { enabled: false },
  },
  charts: {
    order: ['atlas.probes_connected', 'atlas'],
    titles: { 'atlas.probes_connected': 'Connected RIPE Atlas probes', 'atlas.probes_disconnected': 'Disconnected RIPE Atlas probes' },
  },
  evidenceLinks(e, from, until) {
    const resource = atlasResource(e);
    if (!resource) return [];
    const filter = e.type === 'country' ? `country_code=${e.code}` : `asn_v4=${e.code}`;
    return [
      {
        source: ATLAS,
        label: `RIPEstat data: atlas-probe-deployment ${resource}`,
        url: `https://stat.ripe.net/data/atlas-probe-deployment/data.json?resource=${resource}&starttime=${isoDay(from)}&endtime=${isoDay(until)}`,
      },
      {
        source: ATLAS,
        label: `RIPE Atlas API: probes of ${e.type === 'country' ? e.code : `AS${e.code}`}`,
        url: `https://atlas.ripe.net/api/v2/probes/?${filter}`,
      },
    ];
  },
  ingests: 'saved atlas-probe-deployment responses (bare body or {url, body})',
  create: (config, deps) => new AtlasCollector(config, deps),
};
