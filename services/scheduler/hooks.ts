import type { AfterCollectHook } from './context.js';
import { detectAfterCollect } from '../detector/hooks.js';

export type { AfterCollectContext } from './context.js';

/** Run after each successful collection by the daemon (e.g. detection and live alerts). */
export const AFTER_COLLECT_HOOKS: AfterCollectHook[] = [detectAfterCollect];
