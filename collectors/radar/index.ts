import type { CollectorFactory } from '../types.js';
import { createRadarCollector } from './collect.js';

export { RadarCollector, createRadarCollector, RADAR_STREAM } from './collect.js';
export { radarConfig, radarConfigSchema, type RadarConfig } from './config.js';

export const createRadar: CollectorFactory = (config, deps) => createRadarCollector(config, deps);
