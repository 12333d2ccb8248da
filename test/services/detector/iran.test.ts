import { describe, expect, it } from 'vitest';
import { parseDetectorConfig } from '../../../services/detector/config.js';
import { detectEntity } from '../../../services/detector/detect.js';
import { lossText } from '../../../services/detector/json.js';
import { tsAt, type Series } from '../../../services/detector/series.js';
import { readMonash } from './monash.js';

// The nationwide Iranian blackout of 16 November 2019, Monash IP Observatory hourly index per county.
const { counties, mean } = readMonash();
const cfg = parseDetectorConfig({});
const utc = (s: string) => Date.parse(s) / 1000;
const WINDOW_FROM = utc('2019-11-16T16:30:00Z');
const WINDOW_UNTIL = utc('2019-11-16T18:30:00Z');
const HOUR = 3600;

/** The blackout outage: the one in progress at 21:00 UTC on 16 Nov, when every county was dark. */
function blackout(entity: string, s: Series) {
  const { outages } = detectEntity(entity, [{ name: 'custom.connectivity', series: s }], cfg);
  const at = utc('2019-11-16T21:00:00Z');
  return { outages, blackout: outages.find((o) => o.start <= at && o.end > at) };
}

/** Where the series itself falls: the first hour on 16 Nov after 12:00 UTC below half of that morning's mean. */
function dropOf(s: Series): number | undefined {
  let sum = 0;
  let n = 0;
  const ref: number[] = [];
  for (let i = 0; i < s.values.length; i++) {
    const t = tsAt(s, i);
    const v = s.values[i]!;
    if (t >= utc('2019-11-16T00:00:00Z') && t < utc('2019-11-16T12:00:00Z') && v === v) {
      sum += v;
      n++;
    }
    if (t >= utc('2019-11-16T12:00:00Z')) ref.push(i);
  }
  const morning = sum / n;
  const i = ref.find((k) => s.values[k]! < morning / 2);
  return i === undefined ? undefined : tsAt(s, i);
}

describe('the Iranian blackout of 16 Nov 2019 (Monash IP Observatory)', () => {
  it('the file reads as 73 counties of hourly points in UTC', () => {
    expect(counties.size).toBe(73);
    expect(mean.step).toBe(HOUR);
    // 11 Nov 00:00 in Tehran (UTC+03:30) is 10 Nov 20:30 UTC
    expect(mean.start).toBe(utc('2019-11-10T20:30:00Z'));
  });

  it('the national mean falls between 16:30 and 18:30 UTC and the detector starts within one step of it', () => {
    const drop = dropOf(mean)!;
    expect(drop).toBeGreaterThanOrEqual(WINDOW_FROM);
    expect(drop).toBeLessThanOrEqual(WINDOW_UNTIL);
    const { outages, blackout: o } = blackout('country:IR', mean);
    expect(o).toBeDefined();
    expect(Math.abs(o!.start - drop)).toBeLessThanOrEqual(HOUR);
    expect(o!.start).toBeGreaterThanOrEqual(WINDOW_FROM);
    expect(o!.start).toBeLessThanOrEqual(WINDOW_UNTIL);
    expect(o!.kind).toBe('connectivity');
    expect(o!.severity).toBe('critical');
    expect(o!.signals[0]!.depth).toBeGreaterThan(0.85);
    // still dark when the file ends (20 Nov 03:30 UTC)
    expect(o!.open).toBe(true);
    // nothing else in the national series: the days before were ordinary
    expect(outages).toHaveLength(1);
    // the numbers a reader is shown: most of normal lost, for the 82 h until the file ends
    expect(o!.lostPercent).toBeGreaterThan(85);
    expect(o!.hours).toBe(82);
    expect(lossText(o!)).toMatch(/^lost 9\d % of normal for 82 h$/);
  });

  it('the baseline is chosen from the data: no daily cycle in this index, so the 24 h moving median after 18 h', () => {
    const { history } = detectEntity('country:IR', [{ name: 'custom.connectivity', series: mean }], cfg);
    expect(history[0]).toMatchObject({ baseline: 'moving', cycles: { daily: false }, needs: 18 * HOUR });
    expect(history[0]!.insufficient).toEqual([{ start: mean.start, end: mean.start + 18 * HOUR }]);
  });

  it('most counties start within one step of their own drop, inside 16:30–18:30 UTC (± one step)', () => {
    let good = 0;
    for (const [, s] of counties) {
      const drop = dropOf(s);
      const { blackout: o } = blackout('county:x', s);
      if (drop === undefined || !o) continue;
      if (Math.abs(o.start - drop) <= HOUR && o.start >= WINDOW_FROM - HOUR && o.start <= WINDOW_UNTIL + HOUR) good++;
    }
    expect(good / counties.size).toBeGreaterThanOrEqual(0.8);
  });
});
