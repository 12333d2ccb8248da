import { deliverConfigured } from '../alerts/webhooks.js';
import type { DemoContext } from '../demo/context.js';
import type { AfterCollectContext } from '../scheduler/context.js';
import { detectorConfigFrom } from './config.js';
import { OUTAGE_KINDS } from '../../core/outage.js';
import { detectAndStore } from './run.js';

/** After each collection the daemon detects over the collected window (with the history baselines need), then sends due webhooks. */
export const detectAfterCollect = {
  name: 'detect',
  async run(ctx: AfterCollectContext): Promise<void> {
    const r = await detectAndStore(ctx.db, { entity: ctx.entity, from: ctx.from, until: ctx.until, config: ctx.config, log: ctx.log });
    ctx.log.debug(
      { collector: ctx.collector, entity: ctx.entity, outages: r.outages.length, changes: r.changes.length },
      'detection after collection',
    );
    await deliverConfigured(ctx.db.alerts, detectorConfigFrom(ctx.config).alerts, ctx.log);
  },
};

/** The demo's last step: detection over everything the demo loaded. */
export const detectDemoStep = {
  name: 'detect',
  async run({ repos, config, log }: DemoContext): Promise<string> {
    const r = await detectAndStore(repos, { config, log });
    const kinds = OUTAGE_KINDS.map((k) => `${r.outages.filter((o) => o.kind === k).length} ${k}`).join(', ');
    return `detect: ${r.entities} entities, ${r.outages.length} outages (${kinds})`;
  },
};
