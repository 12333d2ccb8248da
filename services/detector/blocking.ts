import type { OoniRule } from './config.js';
import { CRITICAL, NORMAL, UNKNOWN, WARNING, episodesFromStatus, type Episode } from './drops.js';
import { SlidingMedian } from './median.js';
import { tsAt, type Series } from './series.js';

/**
 * Service blocking of one OONI target (a domain such as facebook.com, or an app test such as
 * whatsapp) for one entity (a country, or a network where the entity is an ASN), from aligned daily
 * series: the anomaly rate, the measurement count and the confirmed count (NaN = no data).
 *
 * A day is a blocking day when it has at least `minMeasurements` measurements and its anomaly rate is
 * at least the absolute `floor`, at least `minRise` above the target's own baseline and at least
 * `riseFactor` × that baseline — or when OONI confirmed a block (a block-page fingerprint: no false
 * positives by construction), whatever the count. Confirmed blocks and rates at or above `critical`
 * make the day critical. The baseline is the median rate of the last `window` of days with enough
 * measurements; blocking days are kept out of it (their prediction stands in, without time limit:
 * long-lasting censorship must not become "normal").
 */
export interface BlockingInput {
  target: string;
  signal: string;
  rate: Series;
  measurements: Float64Array;
  confirmed: Float64Array;
}

export interface BlockingAnalysis {
  baseline: Float64Array;
  status: Int8Array;
}

export function analyseBlocking(input: BlockingInput, rule: OoniRule): BlockingAnalysis {
  const { values: rate, step } = input.rate;
  const n = rate.length;
  const windowSteps = Math.max(1, Math.round(rule.window / step));
  const need = Math.max(1, Math.ceil(rule.minCoverage * windowSteps - 1e-9));
  const baseline = new Float64Array(n);
  const status = new Int8Array(n);
  const hist = new Float64Array(n).fill(NaN);
  const med = new SlidingMedian();
  for (let i = 0; i < n; i++) {
    const j = i - windowSteps - 1;
    if (j >= 0) {
      const h = hist[j]!;
      if (h === h) med.remove(h);
    }
    const b = med.size >= need ? med.median() : NaN;
    baseline[i] = b;
    const r = rate[i]!;
    const m = input.measurements[i]!;
    const c = input.confirmed[i]!;
    const confirmed = c === c && c >= 1;
    const enough = m === m && m >= rule.minMeasurements && r === r;
    let h = NaN;
    if (confirmed) {
      status[i] = CRITICAL;
      h = b;
    } else if (!enough) {
      status[i] = UNKNOWN;
    } else if (r < rule.floor) {
      status[i] = NORMAL;
      h = r;
    } else if (b !== b) {
      // high rate but nothing to compare with: cannot tell blocking from a noisy target
      status[i] = UNKNOWN;
      h = r;
    } else if (r >= b + rule.minRise && r >= rule.riseFactor * b) {
      status[i] = r >= rule.critical ? CRITICAL : WARNING;
      h = b;
    } else {
      status[i] = NORMAL;
      h = r;
    }
    hist[i] = h;
    if (h === h) med.add(h);
  }
  return { baseline, status };
}

export function detectBlocking(input: BlockingInput, rule: OoniRule): { analysis: BlockingAnalysis; episodes: Episode[] } {
  const analysis = analyseBlocking(input, rule);
  const rate = input.rate.values;
  const rise = (i: number) => {
    const r = rate[i]!;
    const b = analysis.baseline[i]!;
    if (r !== r) return 1; // confirmed without a rate
    return b === b ? r - b : r;
  };
  const episodes = episodesFromStatus(input.rate, analysis.status, rise, {
    minPoints: 1,
    minDuration: 0,
    recoverPoints: 1,
    signal: input.signal,
    class: 'service',
    rate: true,
    target: input.target,
  });
  // Rate episodes say what a reader needs: "anomalies in 93 % of measurements (normally 5 %)".
  for (const e of episodes) {
    let best = -Infinity;
    for (
      let i = Math.max(0, Math.round((e.start - input.rate.start) / input.rate.step));
      i < rate.length && tsAt(input.rate, i) < e.end;
      i++
    ) {
      const r = rate[i]!;
      if (r !== r || r <= best) continue;
      best = r;
      const b = analysis.baseline[i]!;
      e.rate = r;
      e.normalRate = b === b ? b : null;
    }
  }
  return { analysis, episodes };
}
