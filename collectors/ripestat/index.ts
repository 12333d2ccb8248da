import type { CollectorFactory } from '../types.js';
import { createRipestatCollector } from './collect.js';

export { RipestatCollector, createRipestatCollector } from './collect.js';
export { ripestatConfig, ripestatConfigSchema, type RipestatConfig } from './config.js';

export const createRipestat: CollectorFactory = (config, deps) => createRipestatCollector(config, deps);
