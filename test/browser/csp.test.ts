/**
 * The dashboard reached over plain HTTP by a host name other than localhost (the Docker image on 0.0.0.0 behind
 * a name): Chromium must load its CSS and JavaScript. With CSP `upgrade-insecure-requests` it asked for them over
 * https and got nothing (an unstyled page, no charts). Chromium treats localhost as trustworthy, so the test maps
 * a name to 127.0.0.1 with --host-resolver-rules.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../dashboards/app.js';
import { configSchema } from '../../services/program-config.js';
import { silentLogger } from '../../core/logger.js';
import { tempStore } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
const skip = !haveBrowser && !process.env.REQUIRE_BROWSER;

describe('CSP upgrade-insecure-requests', () => {
  it('is sent only when asked over HTTPS or when the setting says a TLS proxy is in front', async () => {
    const t = tempStore();
    try {
      const plain = createApp({
        config: configSchema.parse({ db: t.path }),
        store: t.store,
        collectors: [],
        log: silentLogger,
        version: 't',
      });
      const csp = (await request(plain).get('/status').set('Host', 'outagewatch.test:8080')).headers['content-security-policy'] as string;
      expect(csp).toContain("default-src 'self'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      const proxied = createApp({
        config: configSchema.parse({ db: t.path, api: { upgradeInsecureRequests: true } }),
        store: t.store,
        collectors: [],
        log: silentLogger,
        version: 't',
      });
      expect((await request(proxied).get('/status')).headers['content-security-policy']).toContain('upgrade-insecure-requests');
    } finally {
      t.cleanup();
    }
  });
});

describe.skipIf(skip)('dashboard over plain HTTP by a host name, in headless Chromium', () => {
  let t: ReturnType<typeof tempStore>;
  let server: Server;
  let browser: Browser;
  let port: number;

  beforeAll(async () => {
    t = tempStore();
    const app = createApp({ config: configSchema.parse({ db: t.path }), store: t.store, collectors: [], log: silentLogger, version: 't' });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    port = (server.address() as AddressInfo).port;
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
        '--host-resolver-rules=MAP outagewatch.test 127.0.0.1',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(null)));
    t?.cleanup();
  });

  it('loads the stylesheet over http (nothing upgraded to https)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const failed: string[] = [];
    const loaded: string[] = [];
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => {
      if (r.status() === 200) loaded.push(r.url());
    });
    await page.goto(`http://outagewatch.test:${port}/status`, { waitUntil: 'load' });
    const rules = await page.evaluate(() =>
      Array.from({ length: document.styleSheets.length }, (_, i) => document.styleSheets.item(i)!.cssRules.length).reduce(
        (n, k) => n + k,
        0,
      ),
    );
    expect(failed).toEqual([]);
    expect(loaded.some((u) => u === `http://outagewatch.test:${port}/static/style.css`)).toBe(true);
    expect(loaded.some((u) => u.startsWith('https:'))).toBe(false);
    expect(rules).toBeGreaterThan(10);
    await context.close();
  }, 60_000);
});
