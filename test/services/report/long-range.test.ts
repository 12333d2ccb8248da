import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../services/cli.js';
import { gatherReport } from '../../../services/report/gather.js';
import { reportSchema } from '../../../services/report/model.js';
import { bucketRollup, chartPlan, MAX_CHART_BUCKETS } from '../../../services/report/series.js';
import { reportCharts } from '../../../services/report/write.js';
import { sqliteRepositories } from '../../../db/sqlite-repositories.js';
import { tempStore } from '../../helpers.js';

const NOW = Date.UTC(2026, 10, 27, 12) / 1000;
const DAY = 86400;
const STEP = 300;
const FROM = Date.UTC(2018, 0, 1) / 1000;
const UNTIL = Date.UTC(2020, 0, 1) / 1000;
/** a one-hour blackout in the middle of the range: the case a long chart must not smooth away */
const BLACKOUT = Date.UTC(2019, 2, 14, 10) / 1000;

/**
 * Two years of 5-minute IODA-shaped BGP data for one country (stands for the real ten-year KZ series a
 * country report is asked over), written month by month through the store's own write path.
 */
function buildLongStore(store: ReturnType<typeof tempStore>['store']): number {
  let n = 0;
  for (let m = FROM; m < UNTIL; m += 30 * DAY) {
    const until = Math.min(UNTIL, m + 30 * DAY);
    const points: Array<[number, number | null]> = [];
    for (let ts = m; ts < until; ts += STEP) {
      const inBlackout = ts >= BLACKOUT && ts < BLACKOUT + 3600;
      points.push([ts, inBlackout ? 3 : 1000 + ((ts / STEP) % 7)]);
    }
    n += points.length;
    store.writeWindow({
      collector: 'ioda',
      entity: 'country:KZ',
      from: m,
      until,
      series: [{ signal: { name: 'ioda.bgp', step: STEP }, points }],
    });
  }
  return n;
}

describe('reports over long ranges', () => {
  let t: ReturnType<typeof tempStore>;
  afterEach(() => t?.cleanup());

  it('draw two years from the daily rollup with each bucket’s extremes, so a one-hour blackout stays visible', async () => {
    t = tempStore();
    buildLongStore(t.store);
    const r = await gatherReport(
      sqliteRepositories(t.store),
      { country: 'KZ', from: FROM, until: UNTIL, B: 19 },
      { version: 'x', now: NOW },
    );
    expect(() => reportSchema.parse(r)).not.toThrow();
    const s = r.series.find((x) => x.signal === 'ioda.bgp')!;
    expect(s.resolution).toBe('daily');
    expect(s.points.length).toBeLessThanOrEqual(MAX_CHART_BUCKETS);
    const day = s.points.find((p) => p[0] === '2019-03-14T00:00:00Z')!;
    expect(day).toHaveLength(4);
    expect(day[2]).toBe(3); // the bucket minimum is the blackout
    expect(day[3]).toBe(1006);
    // the table's figures still come from every raw point
    const row = r.signals.find((x) => x.signal === 'ioda.bgp')!;
    expect(row.minInWindow).toBe(3);
    expect(row.points).toBe((UNTIL - FROM) / STEP);
    expect(row.coveragePercent).toBe(100);
    // the chart shows the extremes as strokes and stays small
    const svg = reportCharts(r)['ioda.bgp']!;
    expect(svg).toContain('class="range"');
    expect(svg.length).toBeLessThan(200_000);
    expect(JSON.stringify(r).length).toBeLessThan(500_000);
  });

  it('write all four formats in proportion, and every point only in the --full-csv export', async () => {
    t = tempStore();
    const n = buildLongStore(t.store);
    let out = '';
    const io = {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: () => true } as unknown as NodeJS.WritableStream,
    };
    const code = await main(
      [
        'report',
        '--db',
        t.path,
        '--country',
        'KZ',
        '--from',
        '2018-01-01',
        '--until',
        '2019-12-31',
        '--format',
        'md,html,csv,json',
        '--full-csv',
        '--out',
        join(t.dir, 'reports'),
      ],
      io,
    );
    expect(code).toBe(0);
    const paths = out.trim().split('\n');
    const full = paths.find((p) => p.endsWith('.points.csv'))!;
    for (const p of paths.filter((x) => x !== full)) expect(statSync(p).size).toBeLessThan(1_000_000);
    const lines = readFileSync(full, 'utf8').split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('signal,time_utc,ts,value,synthetic');
    expect(lines).toHaveLength(n + 1);
    expect(lines).toContain(`ioda.bgp,2019-03-14T10:00:00.000Z,${BLACKOUT},3,false`.replace('.000Z', 'Z'));
  });

  it('keep raw points for short ranges and merge days only when even days are too many', () => {
    expect(chartPlan(7 * DAY, 300)).toEqual({ resolution: 'raw', bucketSeconds: 300 });
    expect(chartPlan(60 * DAY, 300)).toEqual({ resolution: 'hourly', bucketSeconds: 3600 });
    expect(chartPlan(3652 * DAY, 300)).toEqual({ resolution: 'daily', bucketSeconds: 2 * DAY });
    expect(chartPlan(3652 * DAY, 86400)).toEqual({ resolution: 'daily', bucketSeconds: 2 * DAY });
    expect(chartPlan(2000 * DAY, 86400)).toEqual({ resolution: 'raw', bucketSeconds: DAY });
    // a missing day between days with data is a gap, not a line across it
    const rows = [
      { ts: 0, min: 1, mean: 2, max: 3, n: 2 },
      { ts: DAY, min: 0, mean: 5, max: 9, n: 2 },
      { ts: 3 * DAY, min: 4, mean: 4, max: 4, n: 1 },
    ];
    expect(bucketRollup(rows, 0, 2 * DAY, 0)).toEqual([
      ['1970-01-01T00:00:00Z', 3.5, 0, 9],
      ['1970-01-03T00:00:00Z', 4, 4, 4],
    ]);
    expect(bucketRollup(rows, 0, DAY, 0).map((p) => p[1])).toEqual([2, 5, null, 4]);
  });
});
