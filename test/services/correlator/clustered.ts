import type { DailyOutages, DayWindow } from '../../../services/correlator/eca.js';

/**
 * A realistic clustered outage process for tests and the benchmark: episodes arrive in bursts (a shutdown
 * campaign brings repeated episodes over the next weeks, like exam or election shutdowns), each lasting
 * 1–7 days (geometric), with a few collector gaps.
 */
export function clusteredOutages(
  len: number,
  rnd: () => number,
  opts: { base?: number; burst?: number; gaps?: boolean } = {},
): DailyOutages {
  const active = new Uint8Array(len);
  const onset = new Uint8Array(len);
  const valid = new Uint8Array(len).fill(1);
  const base = opts.base ?? 0.006;
  let excite = 0;
  for (let d = 0; d < len; d++) {
    excite *= 0.93;
    if (rnd() < base + excite) {
      onset[d] = 1;
      let dur = 1;
      while (dur < 7 && rnd() < 0.45) dur++;
      for (let k = d; k < Math.min(len, d + dur); k++) active[k] = 1;
      excite += opts.burst ?? 0.03;
    }
  }
  if (opts.gaps !== false) {
    for (let g = 0; g < 3; g++) {
      const s = Math.floor(rnd() * len);
      const l = 3 + Math.floor(rnd() * 20);
      for (let k = s; k < Math.min(len, s + l); k++) {
        valid[k] = 0;
        active[k] = 0;
        onset[k] = 0;
      }
    }
  }
  return { active, onset, valid };
}

/** Random one-day events (weekend-heavy, like protests), each with the window [day − 1, day + 2]. */
export function randomCalendar(len: number, n: number, rnd: () => number): DayWindow[] {
  const out: DayWindow[] = [];
  while (out.length < n) {
    let d = 1 + Math.floor(rnd() * (len - 3));
    if (d % 7 < 5 && rnd() < 0.5) d = Math.min(len - 3, d + (5 - (d % 7)));
    out.push({ from: d - 1, until: d + 2 });
  }
  return out;
}
