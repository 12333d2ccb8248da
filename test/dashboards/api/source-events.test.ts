import { sqliteRepositories } from '../../../db/sqlite-repositories.js';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { correlateCountry } from '../../../services/correlator/assemble.js';
import { fixtureApp, fixtureStore } from './fixture.js';

describe('/api/source-events and /api/correlation', () => {
  let t: ReturnType<typeof fixtureStore>;
  afterEach(() => t?.cleanup());

  function withEvents() {
    t = fixtureStore();
    const d20 = Date.UTC(2016, 4, 20) / 1000;
    t.store.writeWindow({
      collector: 'radar',
      entity: 'country:KZ',
      from: d20,
      until: d20 + 86400,
      series: [],
      coverage: [],
      sourceEvents: [
        {
          source: 'radar',
          externalId: 'a1',
          entity: 'country:KZ',
          start: d20 + 3600,
          end: d20 + 7200,
          kind: 'outage',
          title: '=HYPERLINK("x")',
          url: 'https://radar.cloudflare.com/kz',
          raw: { id: 'a1' },
        },
        {
          source: 'ioda',
          externalId: 'e1',
          entity: 'asn:9198',
          start: d20 - 30 * 86400,
          end: null,
          kind: 'outage',
          title: 'older',
          raw: { id: 'e1' },
        },
        {
          source: 'ioda',
          externalId: 'e2',
          entity: 'country:IR',
          start: d20 + 100,
          end: d20 + 200,
          kind: 'outage',
          title: 'elsewhere',
          raw: {},
        },
      ],
    });
    t.store.ensureEntity('asn:9198', { country: 'KZ' });
    return fixtureApp(t);
  }

  it('lists source events by country, source and range, with their raw record, and as CSV', async () => {
    const app = withEvents();
    const all = await request(app).get('/api/source-events?country=KZ').expect(200);
    expect(all.body.map((e: { externalId: string }) => e.externalId).sort()).toEqual(['a1', 'e1']);
    const radar = await request(app).get('/api/source-events?country=KZ&source=radar&from=2016-05-20&until=2016-05-20').expect(200);
    expect(radar.body).toEqual([
      expect.objectContaining({
        source: 'radar',
        externalId: 'a1',
        entity: 'country:KZ',
        start: '2016-05-20T01:00:00Z',
        end: '2016-05-20T02:00:00Z',
        raw: { id: 'a1' },
      }),
    ]);
    const csv = await request(app)
      .get('/api/source-events?source=radar&format=csv')
      .expect(200)
      .expect('content-type', /text\/csv/);
    expect(csv.text).toContain(`'=HYPERLINK(""x"")`);
    const bad = await request(app).get('/api/source-events?source=IODA!').expect(400);
    expect(bad.body.error.parameter).toBe('source');
  });

  it('serves the country correlation as the CLI prints it, and its tests as CSV', async () => {
    const app = withEvents();
    const res = await request(app).get('/api/correlation?country=kz').expect(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(await correlateCountry(sqliteRepositories(t.store), 'KZ'))));
    const csv = await request(app).get('/api/correlation?country=KZ&format=csv').expect(200);
    expect(csv.text.split('\r\n')[0]).toMatch(/^country,test,days,events_assessable,outage_days,trigger_k/);
    expect((await request(app).get('/api/correlation').expect(400)).body.error.parameter).toBe('country');
  });
});
