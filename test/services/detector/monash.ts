import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';
import { toGrid, type Series } from '../../../services/detector/series.js';

export const MONASH_CSV = fileURLToPath(new URL('../../fixtures/monash/monash-ipobs-iran-2019-11-counties.csv', import.meta.url));

/**
 * The Monash IP Observatory file, read independently of the ingest code: `time_e_str` is local
 * wall-clock time in Asia/Tehran (UTC+03:30 in November 2019), so UTC comes from luxon's zone rules;
 * `time_e` must agree with it (an epoch that counts local time).
 */
export function readMonash(): { counties: Map<string, Series>; mean: Series; times: number[] } {
  const rows = parse(readFileSync(MONASH_CSV, 'utf8'), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
  const byCounty = new Map<string, { ts: number[]; v: Array<number | null> }>();
  const sums = new Map<number, { s: number; n: number }>();
  for (const r of rows) {
    const local = DateTime.fromFormat(r.time_e_str!, 'dd-LLL-yyyy HH:mm:ss', { zone: 'Asia/Tehran', locale: 'en' });
    if (!local.isValid) throw new Error(`bad time ${r.time_e_str}`);
    const ts = Math.round(local.toSeconds());
    if (Number(r.time_e) - local.offset * 60 !== ts) throw new Error(`time_e ${r.time_e} disagrees with ${r.time_e_str}`);
    const value = r.connectivity === '' ? null : Number(r.connectivity);
    const key = `${r.id_1}-${r.id_2} ${r.name_2}`;
    if (!byCounty.has(key)) byCounty.set(key, { ts: [], v: [] });
    byCounty.get(key)!.ts.push(ts);
    byCounty.get(key)!.v.push(value);
    if (value !== null && Number.isFinite(value)) {
      const s = sums.get(ts) ?? { s: 0, n: 0 };
      s.s += value;
      s.n++;
      sums.set(ts, s);
    }
  }
  const times = [...sums.keys()].sort((a, b) => a - b);
  const mean = toGrid(
    times,
    times.map((t) => sums.get(t)!.s / sums.get(t)!.n),
    3600,
  );
  const counties = new Map<string, Series>();
  for (const [k, c] of byCounty) counties.set(k, toGrid(c.ts, c.v, 3600));
  return { counties, mean, times };
}
