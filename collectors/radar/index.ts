import type { CollectorFactory, CollectorModule } from '../types.js';
import { createRadarCollector } from './collect.js';

export { RadarCollector, createRadarCollector, RADAR_STREAM } from './collect.js';
import { radarConfigSchema } from './config.js';
export { radarConfig, radarConfigSchema, type RadarConfig } from './config.js';

export const createRadar: CollectorFactory = (config, deps) => createRadarCollector(config, deps);

const HOUR = 3600;
const isoDay = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 10);
/** Cloudflare Radar launched in 2020. */
export const RADAR_FROM = Date.UTC(2020, 0, 1) / 1000;

/** Cloudflare Radar outage annotations, declared in one place (listed in collectors/registry.ts). */
export const radarModule: CollectorModule = {
  name: 'radar',
  title: 'Cloudflare Radar',
  summary: 'outage annotations (needs an API token: OUTAGEWATCH_RADAR_TOKEN)',
  source: { url: 'https://api.cloudflare.com/client/v4/radar', tokenEnv: 'OUTAGEWATCH_RADAR_TOKEN' },
  configSchema: radarConfigSchema,
  cadence: { every: HOUR, lag: 0, refresh: 0, watch: true },
  aliases: ['cloudflare'],
  era: { from: RADAR_FROM, note: 'Cloudflare Radar began in 2020' },
  charts: { order: ['radar', 'cloudflare'] },
  evidenceLinks(e, from, until) {
    if (until < RADAR_FROM) return [];
    const range = `dateStart=${isoDay(from)}&dateEnd=${isoDay(until + 86399)}`;
    if (e.type === 'country')
      return [
        { source: 'radar', label: `Cloudflare Radar: ${e.code}`, url: `https://radar.cloudflare.com/${e.code.toLowerCase()}?${range}` },
      ];
    if (e.type === 'asn')
      return [{ source: 'radar', label: `Cloudflare Radar: AS${e.code}`, url: `https://radar.cloudflare.com/as${e.code}?${range}` }];
    return [];
  },
  ingests: 'saved outage-annotation responses ({url, body})',
  create: createRadar,
};
