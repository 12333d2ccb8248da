import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteRepositories } from '../../../db/sqlite-repositories.js';
import { ooniSyntheticDemoStep, syntheticOoniAggregation } from '../../../services/demo/ooni-synthetic.js';
import { DEMO_STEPS } from '../../../services/demo/steps.js';
import { loadConfig } from '../../../services/program-config.js';
import { silentLogger } from '../../../core/logger.js';
import { tempStore } from '../../helpers.js';

const D = (s: string) => Date.parse(`${s}T00:00:00Z`) / 1000;
let t: ReturnType<typeof tempStore>;
beforeEach(() => {
  t = tempStore();
});
afterEach(() => t.cleanup());

describe('demo: SYNTHETIC OONI Kazakhstan May 2016', () => {
  it('is deterministic and runs before detection', () => {
    expect(JSON.stringify(syntheticOoniAggregation())).toBe(JSON.stringify(syntheticOoniAggregation()));
    const names = DEMO_STEPS.map((s) => s.name);
    expect(names.indexOf(ooniSyntheticDemoStep.name)).toBeGreaterThanOrEqual(0);
    expect(names.indexOf(ooniSyntheticDemoStep.name)).toBeLessThan(names.length - 1);
  });

  it('ingests through the OONI ingest path: social networks anomalous on 20–21 May, flagged synthetic', async () => {
    const msg = await ooniSyntheticDemoStep.run({
      repos: sqliteRepositories(t.store),
      config: loadConfig({ env: {}, cwd: '/' }),
      log: silentLogger,
      root: '/',
    });
    expect(msg).toMatch(/SYNTHETIC/);
    const signals = t.store.listSignals('country:KZ');
    expect(signals.length).toBe(8 * 6);
    expect(signals.every((s) => s.synthetic)).toBe(true);
    const rate = (target: string, day: string) => {
      const s = signals.find((x) => x.name === `ooni.anomaly_rate:${target}`)!;
      return t.store.readPoints(s.id, D(day), D(day) + 86400)[0]?.value ?? null;
    };
    for (const target of ['facebook.com', 'twitter.com', 'vk.com', 'youtube.com', 'whatsapp.com']) {
      expect(rate(target, '2016-05-20')).toBeGreaterThan(0.8);
      expect(rate(target, '2016-05-21')).toBeGreaterThan(0.8);
      const before = rate(target, '2016-05-10');
      if (before !== null) expect(before).toBeLessThan(0.3);
    }
    const google = rate('google.com', '2016-05-20');
    if (google !== null) expect(google).toBeLessThan(0.3);
    const events = t.store.listSourceEvents({ source: 'ooni' });
    expect(events.length).toBeGreaterThanOrEqual(10);
    expect(events.every((e) => (e.raw as { synthetic?: boolean }).synthetic === true)).toBe(true);
  });
});
