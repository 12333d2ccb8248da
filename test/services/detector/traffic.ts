import type { Series } from '../../../services/detector/series.js';
import { seededRandom } from '../../helpers.js';

export const T0 = Date.UTC(2021, 0, 4) / 1000; // a Monday, 00:00 UTC

/**
 * A traffic-like series (a product's requests per country, what `ingest csv` brings): a daily swing (night at
 * `night` of the day level), optionally a weekend dip, multiplicative seeded noise, and random gaps.
 */
export function traffic(o: {
  seed: number;
  days: number;
  step: number;
  night?: number;
  weekend?: number;
  noise?: number;
  phase?: number;
  gaps?: number;
  level?: number;
  drift?: number;
}): Series {
  const rnd = seededRandom(o.seed);
  const n = Math.round((o.days * 86400) / o.step);
  const values = new Float64Array(n);
  // a slowly wandering level (a random walk of the daily level, `drift` per day, pulled back to 1)
  let level = 1;
  let lastDay = 0;
  for (let i = 0; i < n; i++) {
    const t = i * o.step;
    if (o.drift && Math.floor(t / 86400) !== lastDay) {
      lastDay = Math.floor(t / 86400);
      level = Math.max(0.5, Math.min(1.5, level + o.drift * (2 * rnd() - 1) - 0.05 * (level - 1)));
    }
    const hour = (((t / 3600 + (o.phase ?? 0)) % 24) + 24) % 24;
    const day = Math.floor(t / 86400) % 7;
    const daily = o.night === undefined ? 1 : o.night + (1 - o.night) * (0.5 - 0.5 * Math.cos((2 * Math.PI * hour) / 24));
    const weekly = o.weekend !== undefined && day >= 5 ? o.weekend : 1;
    values[i] = (o.level ?? 1000) * level * daily * weekly * (1 + (o.noise ?? 0.05) * (2 * rnd() - 1));
  }
  for (let g = 0; g < (o.gaps ?? 0); g++) {
    const at = Math.floor(rnd() * n);
    values.fill(NaN, at, Math.min(n, at + 1 + Math.floor(rnd() * 6)));
  }
  return { start: T0, step: o.step, values };
}
