/**
 * Calibration and power of the set tests (issue 17), shared by the test and by anyone who wants the table:
 * random calendars against a clustered outage process (the null: nothing links them), and the same with a
 * planted coupling (a share of events followed by an outage inside their window).
 */
import { surrogateTest, type SurrogateMethod } from '../../../services/correlator/surrogate.js';
import { ecaWindows } from '../../../services/correlator/eca.js';
import { seededRandom } from '../../helpers.js';
import { clusteredOutages, randomCalendar } from './clustered.js';

export interface CalibrationRow {
  method: SurrogateMethod;
  trials: number;
  /** share of trials with p ≤ alpha */
  trigger: number;
  precursor: number;
  analyticTrigger: number;
  analyticPrecursor: number;
  positives: { trigger: number; precursor: number };
}

export interface CalibrationOptions {
  method: SurrogateMethod;
  trials: number;
  B?: number;
  alpha?: number;
  /** days of history */
  len?: number;
  events?: number;
  /** planted coupling: probability that an event is followed by an outage starting in its window (0 = the null) */
  coupling?: number;
  seed?: number;
}

export function calibrate(o: CalibrationOptions): CalibrationRow {
  const alpha = o.alpha ?? 0.05;
  const len = o.len ?? 364 * 8;
  const events = o.events ?? 30;
  let t = 0;
  let p = 0;
  let at = 0;
  let ap = 0;
  for (let i = 0; i < o.trials; i++) {
    const rnd = seededRandom((o.seed ?? 1000) + i);
    const s = clusteredOutages(len, rnd);
    const cal = randomCalendar(len, events, rnd);
    if (o.coupling) {
      for (const w of cal) {
        if (rnd() >= o.coupling) continue;
        // an outage beginning on the event day or the day after, lasting one or two days
        const d = w.from + 1 + Math.floor(rnd() * 2);
        const dur = 1 + Math.floor(rnd() * 2);
        if (!s.valid[d]) continue;
        s.onset[d] = 1;
        for (let k = d; k < Math.min(len, d + dur); k++) {
          s.active[k] = 1;
          s.valid[k] = 1;
        }
      }
    }
    const r = surrogateTest(s, cal, { method: o.method, B: o.B ?? 199, seed: i });
    if (r.trigger.p !== null && r.trigger.p <= alpha) t++;
    if (r.precursor.p !== null && r.precursor.p <= alpha) p++;
    const e = ecaWindows(s, cal);
    if (e.trigger.p !== null && e.trigger.p <= alpha) at++;
    if (e.precursor.p !== null && e.precursor.p <= alpha) ap++;
  }
  const n = o.trials;
  return {
    method: o.method,
    trials: n,
    trigger: t / n,
    precursor: p / n,
    analyticTrigger: at / n,
    analyticPrecursor: ap / n,
    positives: { trigger: t, precursor: p },
  };
}
