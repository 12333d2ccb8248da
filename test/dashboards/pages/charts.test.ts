import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outage } from '../../../core/outage.js';
import { replaceOutages } from '../../../db/outages.js';
import { bandsAttr, CHART_MAX_PIXELS, thinBands, type Band } from '../../../dashboards/pages/charts.js';
import { fixtureApp, fixtureStore } from '../api/fixture.js';

const DAY = 86400;
const FROM = Date.UTC(2014, 0, 1) / 1000;
const UNTIL = Date.UTC(2024, 0, 1) / 1000;

// A country with a shutdown every day for years: exam-season shutdowns (Iraq, Syria) cut the Internet every
// school-exam morning for weeks each year; here every day for ten years, 3,652 outages of three hours, twice the
// ~1,860 of the ten-year benchmark database, with a service block every tenth day beside them.
function dailyShutdowns(): Outage[] {
  const out: Outage[] = [];
  for (let day = FROM, i = 0; day < UNTIL; day += DAY, i++) {
    const start = day + 4 * 3600;
    const end = start + 3 * 3600;
    const severity = i % 3 === 0 ? 'critical' : 'warning';
    out.push({
      entity: 'country:KZ',
      start,
      end,
      kind: 'connectivity',
      severity,
      score: 100,
      signals: [{ signal: 'ioda.bgp', start, end, severity, depth: 0.9, score: 100 }],
      targets: [],
      evidence: [],
    });
    if (i % 10 === 0)
      out.push({
        entity: 'country:KZ',
        start: day + 9 * 3600,
        end: day + 10 * 3600,
        kind: 'service-blocking',
        severity: 'warning',
        score: 50,
        signals: [{ signal: 'ioda.bgp', start: day + 9 * 3600, end: day + 10 * 3600, severity: 'warning', depth: 0.5, score: 50 }],
        targets: ['youtube.com'],
        evidence: [],
      });
  }
  return out;
}

const band = (from: number, until: number, label = 'connectivity outage (major)', kind = 'connectivity'): Band => ({
  type: 'outage',
  kind,
  from,
  until,
  label,
});

describe('bands thinned to the chart pixel', () => {
  it('merges bands of one type and kind less than a pixel apart, labelled with what they hold by count', () => {
    // 1,280 px over 12.8 days: a pixel is 864 s
    const range = { from: 0, until: 1280 * 864 };
    const bands = [
      band(1000, 2000),
      band(2500, 3000, 'connectivity outage (critical)'), // 500 s after the first: merged
      band(3800, 4000), // 800 s after: merged
      band(5000, 6000), // 1,000 s after (more than a pixel): a band of its own
      band(2100, 2200, 'service-blocking outage (major)', 'service-blocking'), // another kind: never merged
    ];
    const thin = thinBands(bands, range);
    expect(thin).toHaveLength(3);
    expect(thin[0]).toMatchObject({ type: 'outage', kind: 'connectivity', from: 1000, until: 4000 });
    expect(thin[0]!.label).toBe(
      '3 merged at this zoom (zoom in to separate them): connectivity outage (major) ×2, connectivity outage (critical) ×1',
    );
    expect(thin[1]).toEqual(bands[4]);
    expect(thin[2]).toEqual(bands[3]);
  });

  it('keeps an inner band that ends after the next starts (overlaps), and names at most three labels', () => {
    // a pixel is 100 s: bands of 80-90 s are narrower than the 2 px a band is drawn at least
    const range = { from: 0, until: 1280 * 100 };
    const labels = ['a', 'b', 'c', 'd', 'e'];
    const bands = labels.map((l, i) => band(10 + i, 100 - i, l));
    const [only, ...rest] = thinBands(bands, range);
    expect(rest).toHaveLength(0);
    expect(only).toMatchObject({ from: 10, until: 100 });
    expect(only!.label).toBe('5 merged at this zoom (zoom in to separate them): a ×1, b ×1, c ×1, 2 other');
  });

  it('leaves bands wide enough to hover on their own apart, even when they touch (OONI days on an event page)', () => {
    // two weeks: a pixel is 945 s, a day 91 px
    const range = { from: FROM, until: FROM + 14 * DAY };
    const days = [0, 1, 2].map((d) => ({
      ...band(FROM + d * DAY, FROM + (d + 1) * DAY, 'OONI anomaly', undefined),
      type: 'source-event' as const,
    }));
    expect(thinBands(days, range)).toEqual(days);
    // a short outage touching a long one still merges (it could not be hovered on its own)
    const short = [band(FROM, FROM + 5 * DAY), band(FROM + 5 * DAY, FROM + 5 * DAY + 600)];
    expect(thinBands(short, range)).toEqual([
      {
        ...short[0]!,
        until: FROM + 5 * DAY + 600,
        label: '2 merged at this zoom (zoom in to separate them): connectivity outage (major) ×2',
      },
    ]);
  });

  it('ten years of daily shutdowns: a bounded number of bands; zoomed in to a month, every shutdown again', () => {
    const outages = dailyShutdowns();
    const bands = outages.map((o) => band(o.start, o.end, `${o.kind} outage (${o.severity})`, o.kind));
    const thin = thinBands(bands, { from: FROM, until: UNTIL });
    // a pixel of ten years is 2.9 days: the daily shutdowns and the ten-day service blocks become runs
    expect(thin.length).toBeLessThan(CHART_MAX_PIXELS);
    expect(thin.filter((b) => b.kind === 'connectivity')).toHaveLength(1);
    expect(thin.find((b) => b.kind === 'connectivity')).toMatchObject({ from: FROM + 4 * 3600, until: UNTIL - DAY + 7 * 3600 });
    expect(thin.find((b) => b.kind === 'connectivity')!.label).toMatch(
      /^3652 merged at this zoom \(zoom in to separate them\): connectivity outage \(warning\) ×2434, connectivity outage \(critical\) ×1218$/,
    );
    // the service blocks, ten days apart (more than a pixel), stay one band each
    expect(thin.filter((b) => b.kind === 'service-blocking')).toHaveLength(366);
    // a month: a pixel is ~35 minutes, the 21-hour gaps between shutdowns stay gaps
    const month = { from: FROM, until: FROM + 31 * DAY };
    const inMonth = bands.filter((b) => b.from < month.until);
    expect(thinBands(inMonth, month)).toEqual([...inMonth].sort((a, b) => a.from - b.from));
    // the attribute as public/charts.js reads it: [type, from, until, label, kind, target]
    expect(JSON.parse(bandsAttr(inMonth.slice(0, 1), month))).toEqual([
      ['outage', inMonth[0]!.from, inMonth[0]!.until, 'connectivity outage (critical)', 'connectivity', null],
    ]);
  });
});

describe('the country page with ten years of daily shutdowns', () => {
  let t: ReturnType<typeof fixtureStore>;
  let app: ReturnType<typeof fixtureApp>;
  const outages = dailyShutdowns();
  beforeAll(() => {
    t = fixtureStore();
    replaceOutages(t.store.db, 'country:KZ', FROM, UNTIL, outages, FROM);
    app = fixtureApp(t);
  });
  afterAll(() => t.cleanup());

  it('stays well under 300 KB, draws the shutdowns as bands, and lists every outage in the paged table', async () => {
    const res = await request(app).get('/countries/KZ?from=2014-01-01&until=2024-01-01').expect(200);
    expect(Buffer.byteLength(res.text)).toBeLessThan(150 * 1024);
    const attr = /data-bands="([^"]*)"/
      .exec(res.text)![1]!
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&')
      .replace(/&#39;/g, "'");
    const drawn = JSON.parse(attr) as Array<[string, number, number, string, string | null, string | null]>;
    expect(drawn.length).toBeGreaterThan(0);
    expect(drawn.length).toBeLessThan(CHART_MAX_PIXELS);
    expect(drawn.some((b) => b[0] === 'outage' && b[4] === 'connectivity')).toBe(true);
    expect(drawn.some((b) => b[0] === 'outage' && b[4] === 'service-blocking')).toBe(true);
    // every outage is still on the page's list (50 a page) and in the API
    expect(res.text).toContain(`Rows 1–50 of ${outages.length.toLocaleString('en-US')} (page 1 of ${Math.ceil(outages.length / 50)})`);
    const api = await request(app).get('/api/outages?entity=country:KZ&from=2014-01-01&until=2024-01-01&limit=1').expect(200);
    expect(api.headers['x-total-count']).toBe(String(outages.length));
  });
});
