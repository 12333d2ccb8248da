/**
 * The HTML report in a real browser (Debian's headless Chromium via playwright-core): laid out at the A4 printable
 * width, tables that keep their words whole, charts from zero with a legend and daily values as steps.
 * Screenshots go to test/artifacts/ (git-ignored). Skips like test/browser/dashboard.test.ts.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherReport } from '../../services/report/gather.js';
import { renderHtml } from '../../services/report/render-html.js';
import { reportCharts } from '../../services/report/write.js';
import { packageRoot } from '../../core/package-root.js';
import { sqliteRepositories } from '../../db/sqlite-repositories.js';
import { tempStore } from '../helpers.js';
import { buildReportFixture, EVENT_START } from '../services/report/fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && !process.env.REQUIRE_BROWSER;
const ARTIFACTS = join(packageRoot(), 'test', 'artifacts');
const DAY = 86400;
const MM = 96 / 25.4;

describe.skipIf(skip)('HTML report in headless Chromium', () => {
  let t: ReturnType<typeof tempStore>;
  let browser: Browser;
  let file: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`REQUIRE_BROWSER is set but ${CHROMIUM} is missing: apt-get install -y chromium`);
    mkdirSync(ARTIFACTS, { recursive: true });
    t = tempStore();
    buildReportFixture(t.store);
    // daily OONI anomaly shares (the aggregation API's daily buckets), high on the event days: the case drawn as steps
    const points: Array<[number, number | null]> = [];
    const day0 = Math.floor(EVENT_START / DAY) * DAY + DAY; // 2016-05-21T00:00Z, OONI's daily bucket of the event day
    for (let d = -20; d < 10; d++) points.push([day0 + d * DAY, d === -1 || d === 0 ? 0.8 : 0.04]);
    t.store.writeWindow({
      collector: 'ooni',
      entity: 'country:KZ',
      from: points[0]![0],
      until: points.at(-1)![0] + DAY,
      series: [{ signal: { name: 'ooni.anomaly_rate:facebook.com', step: DAY, unit: 'share of measurements' }, points }],
    });
    const r = await gatherReport(
      sqliteRepositories(t.store),
      { eventId: 'kz-2016-05-21-test' },
      { version: 'test', now: Date.UTC(2026, 10, 27) / 1000 },
    );
    file = join(ARTIFACTS, 'report.html');
    writeFileSync(file, renderHtml(r, reportCharts(r)));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    t?.cleanup();
  });

  it('reads like an A4 page: 180 mm of content, tables within it, no header split inside a word', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`file://${file}`);
    const m = await page.evaluate(() => {
      const body = document.body;
      const cs = getComputedStyle(body);
      const content = body.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      const tables = Array.from(document.querySelectorAll('table')).map((tb) => tb.getBoundingClientRect().width);
      // the widest word of each header cell against the cell's own width
      const split: string[] = [];
      for (const th of Array.from(document.querySelectorAll('th'))) {
        const probe = document.createElement('span');
        probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap';
        th.appendChild(probe);
        const inner = th.clientWidth - parseFloat(getComputedStyle(th).paddingLeft) - parseFloat(getComputedStyle(th).paddingRight);
        for (const word of (th.textContent ?? '').split(/\s+/).filter(Boolean)) {
          probe.textContent = word;
          if (probe.getBoundingClientRect().width > inner + 0.5)
            split.push(`${word} (${Math.round(probe.getBoundingClientRect().width)} > ${Math.round(inner)})`);
        }
        probe.remove();
      }
      return { content, tables, split, scroll: document.documentElement.scrollWidth, view: window.innerWidth };
    });
    expect(m.content).toBeGreaterThan(179 * MM);
    expect(m.content).toBeLessThan(181 * MM);
    for (const w of m.tables) expect(w).toBeLessThanOrEqual(m.content + 1);
    expect(m.split).toEqual([]);
    expect(m.scroll).toBeLessThanOrEqual(m.view);
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('draws each chart at the printable width, from zero, daily values as steps, with a legend for the bands', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`file://${file}`);
    const charts = await page.$$eval('figure svg', (els) =>
      els.map((s) => ({
        title: s.querySelector('title')?.textContent ?? '',
        width: Math.round(s.getBoundingClientRect().width),
        yMin: s.getAttribute('data-y-min'),
        steps: s.getAttribute('data-steps'),
        ticks: Array.from(s.querySelectorAll('text.y-tick')).map((x) => x.textContent),
        legend: Array.from(s.querySelectorAll('.legend-item text')).map((x) => x.textContent),
      })),
    );
    expect(charts.length).toBe(3);
    for (const c of charts) {
      expect(c.width, c.title).toBe(680);
      expect(c.yMin, c.title).toBe('0');
      expect(c.ticks[0], c.title).toBe('0');
      expect(c.legend, c.title).toEqual(
        expect.arrayContaining(['protest event (local day)', 'detected connectivity outage', 'detected service blocking']),
      );
    }
    // the daily OONI series, and only it, is drawn in steps (the two hourly IODA series stay lines)
    const stepped = charts.filter((c) => c.steps === 'daily');
    expect(stepped).toHaveLength(1);
    expect(stepped[0]!.title.toLowerCase()).toMatch(/ooni|facebook/);
    expect(stepped[0]!.legend).toContain('daily value, held for its day');
    await page
      .locator('figure')
      .filter({ has: page.locator('svg[data-steps="daily"]') })
      .screenshot({ path: join(ARTIFACTS, 'report-chart-ooni-daily.png') });
    await page
      .locator('figure')
      .first()
      .screenshot({ path: join(ARTIFACTS, 'report-chart-bgp.png') });
    // and it prints on A4
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  }, 60_000);
});
