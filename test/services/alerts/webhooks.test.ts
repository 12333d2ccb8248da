import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDeliveries } from '../../../db/alerts.js';
import { upsertEvent } from '../../../db/calendar.js';
import { sqliteRepositories } from '../../../db/sqlite-repositories.js';
import { parseWebhooks } from '../../../services/alerts/config.js';
import { deliverPending } from '../../../services/alerts/webhooks.js';
import { ConfigError } from '../../../core/config.js';
import { configSchema } from '../../../services/program-config.js';
import { detectAndStore } from '../../../services/detector/run.js';
import { tempStore } from '../../helpers.js';

const utc = (s: string) => Date.parse(s) / 1000;
const HOUR = 3600;
const T0 = utc('2024-03-01T00:00:00Z');

interface Received {
  body: Record<string, unknown>;
}

/** A local receiver answering with the given statuses in turn (then 200). */
async function receiver(statuses: number[]): Promise<{ url: string; received: Received[]; hits: () => number; close(): Promise<void> }> {
  const received: Received[] = [];
  let hits = 0;
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      const status = statuses[hits++] ?? 200;
      if (status === 200) received.push({ body: JSON.parse(data) as Record<string, unknown> });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) };
}

/** Hourly connectivity of 100 with an outage (value 5) from hour 60 up to `endHour` (open when undefined). */
function writeSeries(store: ReturnType<typeof tempStore>['store'], hours: number, endHour?: number) {
  const pts: Array<readonly [number, number]> = [];
  for (let h = 0; h < hours; h++) pts.push([T0 + h * HOUR, h >= 60 && (endHour === undefined || h < endHour) ? 5 : 100]);
  store.writeWindow({
    collector: 'test',
    entity: 'country:KZ',
    from: T0,
    until: T0 + hours * HOUR,
    series: [{ signal: { name: 'custom.connectivity', step: HOUR }, points: pts }],
  });
}

const fast = { attempts: 3, backoffMs: 1, timeoutMs: 2000 };

describe('live alerts', () => {
  let t: ReturnType<typeof tempStore>;
  beforeEach(() => {
    t = tempStore();
  });
  afterEach(() => t.cleanup());

  it('POSTs one JSON document per change, retried on 500, never twice, naming the calendar event', async () => {
    const r = await receiver([500, 500]);
    try {
      upsertEvent(
        t.store.db,
        {
          id: 'kz-2024-03-03-test-protest',
          title: 'Test protest',
          country: 'KZ',
          places: [],
          start: T0 + 2 * 86400,
          end: T0 + 3 * 86400,
          tz: 'Asia/Almaty',
          allDay: true,
          kind: 'protest',
          sources: ['https://example.org/source'],
          notes: null,
          tags: [],
          origin: 'manual',
          originFile: null,
          originLine: null,
        },
        T0,
      );
      const config = configSchema.parse({ webhooks: [{ url: r.url }], detector: { watch: ['country:KZ'] } });
      writeSeries(t.store, 70);
      const now = T0 + 70 * HOUR;
      const first = await detectAndStore(t.store, { config, now });
      expect(first.changes.map((c) => c.event)).toEqual(['outage.started']);
      expect(await deliverPending(sqliteRepositories(t.store).alerts, fast)).toEqual({ sent: 1, failed: 0, pending: 0 });
      expect(r.hits()).toBe(3); // 500, 500, 200
      expect(r.received).toHaveLength(1);
      const body = r.received[0]!.body;
      expect(body).toMatchObject({
        event: 'outage.started',
        entity: 'country:KZ',
        at: '2024-03-03T12:00:00Z',
        calendarEvent: { id: 'kz-2024-03-03-test-protest', tz: 'Asia/Almaty' },
      });
      expect((body.outage as Record<string, unknown>).open).toBe(true);
      expect(String(body.text)).toContain('Test protest');

      // re-detection of the same data: nothing new is sent
      await detectAndStore(t.store, { config, now });
      await deliverPending(sqliteRepositories(t.store).alerts, fast);
      expect(r.received).toHaveLength(1);

      // the outage ends: exactly one more POST
      writeSeries(t.store, 80, 72);
      const second = await detectAndStore(t.store, { config, now: T0 + 80 * HOUR });
      expect(second.changes.map((c) => c.event)).toEqual(['outage.ended']);
      await deliverPending(sqliteRepositories(t.store).alerts, fast);
      await detectAndStore(t.store, { config, now: T0 + 81 * HOUR });
      await deliverPending(sqliteRepositories(t.store).alerts, fast);
      expect(r.received.map((x) => x.body.event)).toEqual(['outage.started', 'outage.ended']);
      expect(r.received[1]!.body.at).toBe('2024-03-04T00:00:00Z');
      expect(listDeliveries(t.store.db).map((d) => d.status)).toEqual(['sent', 'sent']);
    } finally {
      await r.close();
    }
  });

  it('keeps a delivery pending after a run of failures and sends it once on a later call', async () => {
    const r = await receiver([500, 500, 500]);
    try {
      const config = configSchema.parse({ webhooks: [{ url: r.url, events: ['outage.started'] }], detector: { watch: ['country:KZ'] } });
      writeSeries(t.store, 80, 72);
      const res = await detectAndStore(t.store, { config, now: T0 + 80 * HOUR });
      expect(res.changes.map((c) => c.event)).toEqual(['outage.started', 'outage.ended']);
      let clock = T0 + 80 * HOUR;
      expect(await deliverPending(sqliteRepositories(t.store).alerts, { ...fast, now: () => clock })).toEqual({
        sent: 0,
        failed: 0,
        pending: 1,
      });
      expect(r.received).toHaveLength(0);
      clock += 3600;
      expect(await deliverPending(sqliteRepositories(t.store).alerts, { ...fast, now: () => clock })).toEqual({
        sent: 1,
        failed: 0,
        pending: 0,
      });
      expect(r.received.map((x) => x.body.event)).toEqual(['outage.started']); // the webhook asked for starts only
      expect(await deliverPending(sqliteRepositories(t.store).alerts, { ...fast, now: () => clock + 3600 })).toEqual({
        sent: 0,
        failed: 0,
        pending: 0,
      });
    } finally {
      await r.close();
    }
  });

  it('says nothing about old outages (a backfill) nor about unwatched entities', async () => {
    const r = await receiver([]);
    try {
      writeSeries(t.store, 80, 72);
      const old = await detectAndStore(t.store, {
        config: configSchema.parse({ webhooks: [{ url: r.url }], detector: { watch: ['country:KZ'] } }),
        now: T0 + 30 * 86400,
      });
      expect(old.changes.every((c) => !c.announced)).toBe(true);
      const other = tempStore();
      try {
        writeSeries(other.store, 80, 72);
        const res = await detectAndStore(other.store, {
          config: configSchema.parse({ webhooks: [{ url: r.url }], detector: { watch: ['country:IR'] } }),
          now: T0 + 80 * HOUR,
        });
        expect(res.changes).toEqual([]);
      } finally {
        other.cleanup();
      }
      await deliverPending(sqliteRepositories(t.store).alerts, fast);
      expect(r.hits()).toBe(0);
    } finally {
      await r.close();
    }
  });

  it('validates the webhooks setting', () => {
    expect(parseWebhooks([{ url: 'https://example.org/x' }])).toEqual([
      { url: 'https://example.org/x', events: ['outage.started', 'outage.ended'] },
    ]);
    expect(() => parseWebhooks([{ url: 'ftp://x' }])).toThrow(ConfigError);
    expect(() => parseWebhooks([{ url: 'https://x.org', events: ['outage.maybe'] }])).toThrow(/webhooks\.0\.events/);
  });
});
