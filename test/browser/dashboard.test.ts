/**
 * The dashboard in a real browser: Debian's headless Chromium driven by playwright-core, against the
 * app serving a database filled by `outagewatch demo` (seeded calendar, SYNTHETIC IODA + OONI for
 * Kazakhstan 2016, detection). Screenshots go to test/artifacts/ (git-ignored).
 *
 * Skips only when REQUIRE_BROWSER is unset AND /usr/bin/chromium is missing (CI sets REQUIRE_BROWSER=1
 * and installs chromium, so there a missing browser is a failure).
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertEvent } from '../../db/calendar.js';
import { SqliteStore } from '../../db/store.js';
import { createCollectors } from '../../collectors/registry.js';
import { createApp } from '../../dashboards/app.js';
import { validateEvent } from '../../services/calendar/validate.js';
import { main } from '../../services/cli.js';
import { configSchema } from '../../services/program-config.js';
import { silentLogger } from '../../core/logger.js';
import { packageRoot } from '../../core/package-root.js';
import { tempDir } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
const required = Boolean(process.env.REQUIRE_BROWSER);
const skip = !haveBrowser && !required;
if (skip)
  process.stderr.write(`browser tests skipped: ${CHROMIUM} is missing and REQUIRE_BROWSER is not set (apt-get install -y chromium)\n`);

const TOKEN = 'browser-test-admin-token-0123456789';
const HOSTILE = '<img src=x onerror=alert(1)>';
const EVENT = 'kz-2016-05-21-land-protests';
const ARTIFACTS = join(packageRoot(), 'test', 'artifacts');

const sink = () =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });

describe.skipIf(skip)('dashboard in headless Chromium', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let server: Server;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  const problems: string[] = [];
  const dialogs: string[] = [];

  async function open(path: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${path}: console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${path}: page error: ${e.message}`));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(base + path);
    return page;
  }

  beforeAll(async () => {
    if (!haveBrowser) throw new Error(`REQUIRE_BROWSER is set but ${CHROMIUM} is missing: apt-get install -y chromium`);
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = tempDir('ow-browser-');
    const db = join(dir.dir, 'demo.db');
    const code = await main(['demo', '--db', db, '--log-level', 'silent'], { stdout: sink(), stderr: sink() });
    expect(code).toBe(0);
    store = SqliteStore.open(db);
    // an imported event whose title is an HTML injection attempt
    const v = validateEvent(
      {
        line: 1,
        raw: {
          id: 'kz-2016-05-25-hostile',
          title: HOSTILE,
          country: 'KZ',
          start: '2016-05-25',
          tz: 'Asia/Almaty',
          kind: 'protest',
          sources: ['https://example.org/hostile'],
          notes: '<script>alert(2)</script>',
        },
      },
      { file: 'hostile.json', origin: 'import' },
    );
    if (!v.ok) throw new Error(JSON.stringify(v.errors));
    upsertEvent(store.db, v.event, Math.floor(Date.now() / 1000));
    const config = configSchema.parse({ db, adminToken: TOKEN });
    const app = createApp({
      config,
      store,
      writer: store,
      collectors: createCollectors(config, silentLogger),
      log: silentLogger,
      version: 'test',
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-quic',
        '--no-first-run',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(null)));
    store?.close();
    dir?.cleanup();
  });

  it('draws the event page: charts with data, the event band and an outage band, SYNTHETIC marks', async () => {
    const page = await open(`/events/${EVENT}`);
    await page.waitForSelector('#charts.charts-ready', { timeout: 20_000 });
    await page.waitForSelector('#ooni-charts.charts-ready', { timeout: 20_000 });
    const panels = await page.$$eval('.chart-panel', (els) =>
      els.map((e) => ({ id: e.id, points: Number(e.getAttribute('data-points') ?? 0), canvas: e.querySelectorAll('canvas').length })),
    );
    const withData = panels.filter((p) => p.points > 0 && p.canvas > 0).map((p) => p.id);
    expect(withData).toEqual(
      expect.arrayContaining(['panel-ioda-bgp', 'panel-ioda-ping-slash24', 'panel-ioda-gtr', 'panel-ooni-anomaly-rate-facebook-com']),
    );
    const bgp = page.locator('#panel-ioda-bgp');
    expect(await bgp.locator('.band-event').count()).toBe(1);
    expect(await bgp.locator('.band-window').count()).toBe(1);
    expect(await bgp.locator('.band-outage.kind-service-blocking').count()).toBeGreaterThanOrEqual(1);
    // the event band sits where the event is: 21 May local day, inside the 14-day axis
    const [band, over] = await Promise.all([bgp.locator('.band-event').boundingBox(), bgp.locator('.u-over').boundingBox()]);
    const rel = (band!.x - over!.x) / over!.width;
    expect(rel).toBeGreaterThan(0.45);
    expect(rel).toBeLessThan(0.55);
    expect(band!.width / over!.width).toBeGreaterThan(0.05);
    // OONI source events are strips on their target's panel
    expect(await page.locator('#panel-ooni-anomaly-rate-facebook-com .band-source-event').count()).toBe(2);
    expect(await page.locator('#panel-ooni-anomaly-rate-google-com .band-source-event').count()).toBe(0);
    expect(await bgp.locator('.synthetic-mark').innerText()).toBe('SYNTHETIC');
    expect(await page.locator('.verdict-line .verdict').innerText()).toBe('service blocking');
    await page.screenshot({ path: join(ARTIFACTS, 'event.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('switches the time axis and the times between UTC and the event zone', async () => {
    const page = await open(`/events/${EVENT}`);
    await page.waitForSelector('#charts.charts-ready', { timeout: 20_000 });
    const axis = page.locator('#panel-ioda-bgp .uplot');
    expect(await axis.getAttribute('data-zone')).toBe('UTC');
    const utcSplits = (await axis.getAttribute('data-xsplits'))!.split(',').map(Number);
    expect(utcSplits.length).toBeGreaterThan(3);
    expect(utcSplits.every((t) => t % 86400 === 0)).toBe(true); // ticks at UTC midnight
    const firstTime = page.locator('#verdict time').first();
    expect(await firstTime.innerText()).toContain('UTC');
    await page.click('.tz-toggle [data-tz-mode="local"]');
    await page.waitForFunction(() => document.querySelector('#panel-ioda-bgp .uplot')?.getAttribute('data-zone') === 'Asia/Almaty');
    const localSplits = (await page.locator('#panel-ioda-bgp .uplot').getAttribute('data-xsplits'))!.split(',').map(Number);
    expect(localSplits).not.toEqual(utcSplits);
    expect(localSplits.every((t) => (t + 6 * 3600) % 86400 === 0)).toBe(true); // ticks at Almaty midnight (UTC+6 in 2016)
    expect(await firstTime.innerText()).toContain('+06:00 (Asia/Almaty)');
    expect(page.url()).toContain('tz=local');
    expect(await page.locator('#charts .axis-zone').innerText()).toBe('Asia/Almaty');
    // bands are redrawn on the new charts
    expect(await page.locator('#panel-ioda-bgp .band-event').count()).toBe(1);
    // back to UTC
    await page.click('.tz-toggle [data-tz-mode="utc"]');
    await page.waitForFunction(() => document.querySelector('#panel-ioda-bgp .uplot')?.getAttribute('data-zone') === 'UTC');
    expect(await firstTime.innerText()).toContain('UTC');
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('links each chart to its data as CSV', async () => {
    const page = await open(`/events/${EVENT}`);
    const href = await page.locator('#panel-ioda-bgp a.data-csv').getAttribute('href');
    expect(href).toContain('format=csv');
    const res = await page.request.get(base + href!);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toContain('text/csv');
    const lines = (await res.text()).trim().split(/\r?\n/);
    expect(lines[0]).toBe('signal,time,value,resolution,synthetic');
    expect(lines.length).toBeGreaterThan(100);
    expect(lines[1]).toMatch(/^ioda\.bgp,2016-05-1\dT[\d:]+Z,[\d.]+,raw,true$/);
    const json = await page.request.get(base + (await page.locator('#panel-ioda-bgp a.data-json').getAttribute('href'))!);
    expect(((await json.json()) as { series: Array<{ synthetic: boolean }> }).series[0]!.synthetic).toBe(true);
    await page.close();
  }, 30_000);

  it('shows a hostile title as text, never as markup', async () => {
    for (const path of ['/calendar?q=img', '/events/kz-2016-05-25-hostile']) {
      const page = await open(path);
      expect(await page.locator('main img').count(), path).toBe(0);
      expect(await page.locator('main script').count(), path).toBe(0);
      if (path.startsWith('/calendar')) expect(await page.locator('a.event-link').first().innerText()).toBe(HOSTILE);
      if (path.startsWith('/events')) {
        expect(await page.locator('h1').innerText()).toBe(HOSTILE);
        expect(await page.locator('.notes').innerText()).toBe('<script>alert(2)</script>');
      }
      await page.close();
    }
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
  }, 60_000);

  it('lets an admin add an event through the form with the session cookie, and refuses a post without the CSRF token', async () => {
    const page = await open('/calendar');
    await page.click('a[href^="/login"]');
    await page.fill('#l-token', TOKEN);
    await page.click('#login button[type=submit]');
    await page.waitForURL(`${base}/calendar`);
    const cookies = await context.cookies(base);
    const session = cookies.find((c) => c.name === 'ow_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Strict');
    await page.fill('#a-title', 'Browser-added rally');
    await page.fill('#a-country', 'KZ');
    await page.fill('#a-start', '2016-06-12');
    await page.fill('#a-tz', 'Asia/Almaty');
    await page.fill('#a-sources', 'https://example.org/rally');
    await page.fill('#a-places', 'Almaty');
    await page.click('#add-event button[type=submit]');
    await page.waitForURL(/\/events\/kz-2016-06-12/);
    expect(await page.locator('h1').innerText()).toBe('Browser-added rally');
    // the same post with the cookie but without the CSRF token is refused
    const res = await page.request.post(`${base}/calendar/events`, {
      form: { title: 'Forged', country: 'KZ', start: '2016-06-13', sources: 'https://example.org/f' },
    });
    expect(res.status()).toBe(403);
    expect(await res.text()).toContain('CSRF');
    const list = await page.request.get(`${base}/api/events?country=KZ`);
    const titles = ((await list.json()) as Array<{ title: string }>).map((e) => e.title);
    expect(titles).toContain('Browser-added rally');
    expect(titles).not.toContain('Forged');
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('draws the country timeline with markers and outage bands, and the overview', async () => {
    const page = await open('/countries/KZ?from=2016-04-15&until=2016-06-15');
    await page.waitForSelector('#charts.charts-ready', { timeout: 20_000 });
    expect(Number(await page.locator('#panel-ioda-bgp').getAttribute('data-points'))).toBeGreaterThan(0);
    expect(await page.locator('#panel-ioda-bgp a.marker').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#panel-ioda-bgp .band-outage').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#stats tbody tr').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'country.png'), fullPage: true });
    await page.close();
    const overview = await open('/');
    expect(await overview.locator('#watched a[href="/countries/KZ"]').count()).toBe(1);
    await overview.screenshot({ path: join(ARTIFACTS, 'overview.png'), fullPage: true });
    await overview.close();
    expect(problems).toEqual([]);
  }, 60_000);

  it('a newcomer’s defaults: hover times carry their zone, an empty panel says "no data", the calendar leads with the local date, the overview links the events with data', async () => {
    const page = await open(`/events/${EVENT}`);
    await page.waitForSelector('#charts.charts-ready', { timeout: 20_000 });
    // the demo has no telescope values in May 2016: the panel says so where the chart would be
    const telescope = page.locator('#panel-ioda-merit-nt');
    expect(await telescope.getAttribute('data-points')).toBe('0');
    expect(await telescope.locator('.no-data-text').innerText()).toBe('no data');
    expect(await telescope.locator('.no-data-text').isVisible()).toBe(true);
    await telescope.screenshot({ path: join(ARTIFACTS, 'event-no-data-panel.png') });
    // hovering a chart shows the time with its zone, UTC by default and the event's zone in local mode
    const hoverTime = async () => {
      await page.locator('#panel-ioda-bgp .u-over').hover({ position: { x: 300, y: 40 } });
      return page.locator('#panel-ioda-bgp .u-legend .u-series').first().innerText();
    };
    expect(await hoverTime()).toMatch(/^Time\s*2016-05-1\d \d\d:\d\d UTC$/);
    await page.locator('#panel-ioda-bgp').screenshot({ path: join(ARTIFACTS, 'event-hover-utc.png') });
    await page.click('.tz-toggle [data-tz-mode="local"]');
    await page.waitForFunction(() => document.querySelector('#panel-ioda-bgp .uplot')?.getAttribute('data-zone') === 'Asia/Almaty');
    expect(await hoverTime()).toMatch(/^Time\s*2016-05-1\d \d\d:\d\d Asia\/Almaty$/);
    await page.close();

    // 21 May 2016 is listed as 2016-05-21 (Almaty), not first as the UTC instant 2016-05-20 18:00
    const cal = await open('/calendar?country=KZ&from=2016-05-21&until=2016-05-21');
    const row = cal.locator('#events tbody tr', { has: cal.locator(`a[href="/events/${EVENT}"]`) });
    expect(await row.locator('.local-date').innerText()).toBe('2016-05-21');
    expect(await row.locator('td').first().innerText()).toMatch(/^2016-05-21\s+all day; starts 2016-05-20 18:00 UTC$/);
    await cal.screenshot({ path: join(ARTIFACTS, 'calendar.png'), fullPage: true });
    await cal.close();

    // the event the README says to follow is one click away on the overview
    const overview = await open('/');
    await overview.click(`#events-with-data a[href="/events/${EVENT}"]`);
    await overview.waitForURL(`${base}/events/${EVENT}`);
    await overview.close();
    expect(problems).toEqual([]);
  }, 60_000);
});
