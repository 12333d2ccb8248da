import type { Logger } from 'pino';
import type { Config } from '../services/config.js';
import type { Collector, CollectorFactory } from './types.js';
import { createOoni } from './ooni/index.js';
import { createRipestat } from './ripestat/index.js';
import { createRadar } from './radar/index.js';
import { createIodaCollector } from './ioda/index.js';

/**
 * The one list of collectors. Each source adds its factory here, in order of value:
 * IODA, OONI, RIPEstat, Cloudflare Radar.
 */
export const COLLECTOR_FACTORIES: Array<{ name: string; create: CollectorFactory }> = [
  { name: 'ioda', create: (config, deps) => createIodaCollector(config, deps) },
  { name: 'ooni', create: createOoni },
  { name: 'ripestat', create: createRipestat },
  { name: 'radar', create: createRadar },
];

export function createCollectors(config: Config, log: Logger): Collector[] {
  return COLLECTOR_FACTORIES.map((f) => f.create(config, { log: log.child({ collector: f.name }) }));
}

export function collectorNames(): string[] {
  return COLLECTOR_FACTORIES.map((f) => f.name);
}
