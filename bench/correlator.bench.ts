/**
 * Correlator benchmark: 1,000 calendar events against 10 years of daily outages (a clustered process),
 * event coincidence analysis plus a surrogate test with B = 9,999 (block permutation; and the exact
 * circular-shift test over every weekly shift). Target: under 5 s. Prints one JSON line.
 */
import { ecaWindows } from '../services/correlator/eca.js';
import { surrogateTest } from '../services/correlator/surrogate.js';
import { seededRandom } from '../services/util/random.js';
import { clusteredOutages, randomCalendar } from '../test/services/correlator/clustered.js';

const len = 3653;
const rnd = seededRandom(2016);
const series = clusteredOutages(len, rnd);
const calendar = randomCalendar(len, 1000, rnd);

function time(f: () => unknown): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

time(() => surrogateTest(series, calendar, { method: 'block-permutation', B: 200, seed: 0 })); // warm-up
const block = time(() => {
  ecaWindows(series, calendar);
  const r = surrogateTest(series, calendar, { method: 'block-permutation', B: 9999, seed: 1 });
  if (r.B !== 9999) throw new Error('expected 9,999 surrogates');
});
const shift = time(() => {
  ecaWindows(series, calendar);
  surrogateTest(series, calendar, { method: 'circular-shift', B: 9999, seed: 1 });
});

const round = (x: number) => Math.round(x * 1000) / 1000;
process.stdout.write(
  `${JSON.stringify({
    results: [
      {
        name: 'correlate 1,000 events × 10 years, ECA + 9,999 block-permutation surrogates',
        figure: round(block),
        unit: 's',
        reference: 5,
        ratio: round(block / 5),
        target: '< 5 s',
        check: { of: 'figure', op: '<', value: 5 },
      },
      {
        name: 'correlate 1,000 events × 10 years, ECA + exact circular shift (every weekly shift)',
        figure: round(shift),
        unit: 's',
        reference: 5,
        ratio: round(shift / 5),
        target: '< 5 s',
        check: { of: 'figure', op: '<', value: 5 },
      },
    ],
  })}\n`,
);
