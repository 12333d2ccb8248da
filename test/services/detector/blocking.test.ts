import { describe, expect, it } from 'vitest';
import { detectBlocking } from '../../../services/detector/blocking.js';
import { parseDetectorConfig } from '../../../services/detector/config.js';
import { detectEntity } from '../../../services/detector/detect.js';
import { lossText, outageToJson } from '../../../services/detector/json.js';
import { mergeEpisodes } from '../../../services/detector/merge.js';
import type { Series } from '../../../services/detector/series.js';
import { seededRandom } from '../../helpers.js';

const DAY = 86400;
const T0 = Date.UTC(2022, 1, 1) / 1000;
const cfg = parseDetectorConfig({});

/** 40 days of a target's daily OONI series: ~2% anomalies, `count` measurements a day, day 30 at `spike`. */
function target(opts: { count: number; spike: number; confirmedOnSpike?: number; seed?: number }) {
  const rnd = seededRandom(opts.seed ?? 1);
  const n = 40;
  const rate = new Float64Array(n);
  const measurements = new Float64Array(n).fill(opts.count);
  const confirmed = new Float64Array(n).fill(0);
  for (let i = 0; i < n; i++) rate[i] = 0.02 + 0.02 * (rnd() - 0.5);
  rate[30] = opts.spike;
  confirmed[30] = opts.confirmedOnSpike ?? 0;
  const series: Series = { start: T0, step: DAY, values: rate };
  return { target: 'facebook.com', signal: 'ooni.anomaly_rate:facebook.com', rate: series, measurements, confirmed };
}

describe('OONI service blocking', () => {
  it('a target whose anomaly rate jumps from 2% to 80% for a day is a blocking episode of that day', () => {
    const { episodes } = detectBlocking(target({ count: 40, spike: 0.8 }), cfg.ooni);
    expect(episodes).toHaveLength(1);
    expect(episodes[0]).toMatchObject({
      start: T0 + 30 * DAY,
      end: T0 + 31 * DAY,
      severity: 'critical',
      target: 'facebook.com',
      class: 'service',
    });
    expect(episodes[0]!.depth).toBeCloseTo(0.78, 1);
  });

  it('a blocking episode says what a reader needs: anomalies in 80 % of measurements (normally 2 %), not "100 % lost"', () => {
    const { episodes } = detectBlocking(target({ count: 40, spike: 0.8 }), cfg.ooni);
    const e = episodes[0]!;
    expect(e.rate).toBeCloseTo(0.8, 5);
    expect(e.normalRate).toBeCloseTo(0.02, 1);
    const o = mergeEpisodes('country:IR', episodes, new Set())[0]!;
    expect(o.lostPercent).toBeNull();
    expect(lossText(o)).toBe('anomalies in 80 % of measurements (normally 2 %) for 24 h');
    expect(outageToJson(o).signals[0]).toMatchObject({ rate: 0.8, normalRate: expect.closeTo(0.02, 1) });
  });

  it('the same jump with 3 measurements that day is not', () => {
    const input = target({ count: 40, spike: 0.8 });
    input.measurements[30] = 3;
    expect(detectBlocking(input, cfg.ooni).episodes).toEqual([]);
  });

  it('a confirmed block counts even on a thin day, and makes the day critical', () => {
    const input = target({ count: 40, spike: 0.34, confirmedOnSpike: 1 });
    input.measurements[30] = 3;
    const eps = detectBlocking(input, cfg.ooni).episodes;
    expect(eps.map((e) => [e.start, e.severity])).toEqual([[T0 + 30 * DAY, 'critical']]);
  });

  it('a target that is always noisy (40% anomalies) is not "blocked" by its usual level', () => {
    const input = target({ count: 40, spike: 0.45 });
    for (let i = 0; i < 40; i++) if (i !== 30) input.rate.values[i] = 0.4;
    expect(detectBlocking(input, cfg.ooni).episodes).toEqual([]);
  });

  it('blocking while connectivity holds is service-blocking; per network where the entity is an AS', () => {
    const t = target({ count: 25, spike: 0.9 });
    const bgp = new Float64Array(40 * 288).fill(1000);
    const { outages } = detectEntity(
      'asn:9198',
      [
        { name: 'ooni.anomaly_rate:facebook.com', series: t.rate },
        { name: 'ooni.measurement_count:facebook.com', series: { ...t.rate, values: t.measurements } },
        { name: 'ooni.confirmed_count:facebook.com', series: { ...t.rate, values: t.confirmed } },
        { name: 'ioda.bgp', series: { start: T0, step: 300, values: bgp } },
      ],
      cfg,
    );
    expect(outages).toHaveLength(1);
    expect(outages[0]).toMatchObject({ entity: 'asn:9198', kind: 'service-blocking', targets: ['facebook.com'], start: T0 + 30 * DAY });
    expect(outages[0]!.evidence.some((e) => e.url.includes('explorer.ooni.org') && e.url.includes('probe_asn=AS9198'))).toBe(true);
  });
});
