import type { CollectorFactory } from '../types.js';
import { createOoniCollector } from './collect.js';

export { OoniCollector, createOoniCollector } from './collect.js';
export { ooniConfig, ooniConfigSchema, type OoniConfig } from './config.js';
export { anomalyRate, explorerSearchUrl, signalName } from './map.js';

export const createOoni: CollectorFactory = (config, deps) => createOoniCollector(config, deps);
