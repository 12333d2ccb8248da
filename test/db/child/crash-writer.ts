// Child process for the crash test: writes windows forever until killed.
import { SqliteStore } from '../../../db/store.js';

const [path, seedArg] = process.argv.slice(2);
const store = SqliteStore.open(path!);
let seed = Number(seedArg ?? 1);
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const STEP = 300;
const WINDOW = 288 * STEP; // one day of 5-minute points
const start = 1_451_606_400; // 2016-01-01
const signals = ['ioda.bgp', 'ioda.ping-slash24', 'ioda.merit-nt'];
// resume where the checkpoints stop, as a collector would
let day = 0;
for (const c of store.checkpoints({ collector: 'crash' })) day = Math.max(day, Math.round((c.until - start) / WINDOW));
process.stdout.write('ready\n');
for (;;) {
  const from = start + day * WINDOW;
  const series = signals.map((name) => ({
    signal: { name, step: STEP },
    points: Array.from({ length: 288 }, (_, i) => [from + i * STEP, rand() < 0.05 ? null : Math.round(rand() * 1000)] as const),
  }));
  store.writeWindow({ collector: 'crash', entity: 'country:KZ', from, until: from + WINDOW, series });
  day++;
}
