/**
 * Detector benchmark: detection over 10 years of 5-minute points for one signal (1,051,920 points, ~1% gaps,
 * a daily cycle, noise and 40 inserted outages), through the pure core (baseline + statuses + episodes).
 * Reports the median of BENCH_REPEATS (default 5) runs after one warm-up, as wall-clock time and as CPU time
 * (user + system of this process: what the wall time is on an idle core; on a shared machine the wall time
 * also counts time spent waiting for a core), for:
 *   - ioda.bgp          moving median over 24 h  (288-point window)   ← the headline figure, target < 0.5 s
 *   - ioda.ping-slash24 moving median over 7 days (2,016-point window)
 *   - ioda.merit-nt     same time of day over the past 7 days (seasonal)
 * Prints one JSON line on stdout.   npx tsx bench/detector.bench.ts
 */
import { performance } from 'node:perf_hooks';
import { parseDetectorConfig, ruleFor } from '../services/detector/config.js';
import { detectDrops } from '../services/detector/drops.js';
import type { Series } from '../services/detector/series.js';
import { seededRandom } from '../services/util/random.js';

const STEP = 300;
const N = Math.round((3652.5 * 86400) / STEP);
const T0 = 1_262_304_000; // 2010-01-01
const REPEATS = Math.max(1, Number(process.env.BENCH_REPEATS ?? 5));

const rnd = seededRandom(20191116);
const values = new Float64Array(N);
for (let i = 0; i < N; i++) {
  const hour = ((i * STEP) % 86400) / 3600;
  const daily = 1 + 0.2 * Math.sin((2 * Math.PI * (hour - 6)) / 24);
  values[i] = rnd() < 0.01 ? NaN : Math.round(5000 * daily * (1 + 0.02 * (rnd() - 0.5)));
}
for (let k = 0; k < 40; k++) {
  const at = Math.floor(rnd() * (N - 500));
  const len = 6 + Math.floor(rnd() * 200);
  for (let i = at; i < at + len; i++) values[i] = values[i]! * 0.3;
}
const series: Series = { start: T0, step: STEP, values };
const cfg = parseDetectorConfig({});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Wall-clock and CPU (user + system) seconds of one detection, median over the repeats. */
function measure(signal: string): { wall: number; cpu: number; episodes: number } {
  const rule = ruleFor(signal, cfg)!;
  detectDrops(series, rule, signal); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  let episodes = 0;
  for (let r = 0; r < REPEATS; r++) {
    const t = performance.now();
    const c = process.cpuUsage();
    episodes = detectDrops(series, rule, signal).episodes.length;
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1e6);
    wall.push((performance.now() - t) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu), episodes };
}

const results = [];
const r3 = (x: number) => Math.round(x * 1000) / 1000;
for (const signal of ['ioda.bgp', 'ioda.ping-slash24', 'ioda.merit-nt']) {
  const m = measure(signal);
  process.stderr.write(
    `${signal}: ${N} points, wall ${m.wall.toFixed(3)} s, CPU ${m.cpu.toFixed(3)} s (${Math.round(N / m.wall)} points/s wall), ${m.episodes} episodes\n`,
  );
  results.push({
    name: `detector ${signal}: 10 years of 5-min points (1.05 M), wall time`,
    figure: r3(m.wall),
    unit: 's',
    reference: 0.5,
    ratio: r3(m.wall / 0.5),
    target: '< 0.5 s',
    check: { of: 'figure', op: '<', value: 0.5 },
  });
  results.push({
    name: `detector ${signal}: 10 years of 5-min points (1.05 M), CPU time`,
    figure: r3(m.cpu),
    unit: 's',
    reference: 0.5,
    ratio: r3(m.cpu / 0.5),
    target: '< 0.5 s',
    check: { of: 'figure', op: '<', value: 0.5 },
  });
}
process.stdout.write(`${JSON.stringify({ results })}\n`);
