import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iranStore } from '../../services/detector/iran-store.js';
import { loadSpec } from '../api/conform.js';
import { fixtureApp } from '../api/fixture.js';

/** The real Monash county series of Iran (Nov 2019) detected as the demo does, plus one synthetic outage in KZ. */
describe('outages in the API, the outages page and the overview', () => {
  let t: Awaited<ReturnType<typeof iranStore>>;
  let app: Express;
  beforeAll(async () => {
    t = await iranStore();
    app = fixtureApp(t);
  });
  afterAll(() => t.cleanup());

  it('/api/outages carries entity, parent, lostPercent, hours and synthetic, as documented in the OpenAPI document', async () => {
    const spec = await loadSpec();
    const res = await request(app).get('/api/outages?country=IR').expect(200);
    expect(() => spec.check('get', '/outages', res)).not.toThrow();
    const behbahan = (res.body as Array<Record<string, unknown>>).filter((o) => o.entity === 'county:ir-behbahan');
    expect(behbahan.length).toBeGreaterThan(0);
    expect(behbahan[0]).toMatchObject({ parent: 'country:IR', synthetic: false });
    expect(typeof behbahan[0]!.lostPercent).toBe('number');
    const one = await request(app)
      .get(`/api/outages/${String((behbahan[0] as { id: number }).id)}`)
      .expect(200);
    expect(() => spec.check('get', '/outages/{id}', one)).not.toThrow();
    const csv = await request(app).get('/api/outages?format=csv').expect(200);
    expect(csv.text.split('\n')[0]).toContain('parent');
    expect(csv.text.split('\n')[0]).toContain('lost_percent');
    const deg = await request(app).get('/api/outages?kind=degradation').expect(200);
    expect(deg.body).toEqual([]);
  });

  it('/outages shows the loss in words, not the score, marks synthetic rows and collapses counties under their country', async () => {
    const res = await request(app).get('/outages').expect(200);
    expect(res.text).not.toMatch(/\d\.\d\de\+\d/);
    expect(res.text).toMatch(/lost 9\d % of normal for 82 h/);
    expect(res.text).toMatch(/country:KZ<\/a><\/td><td><span class="kind kind-connectivity">connectivity<\/span> <span class="synthetic"/);
    // the county rows are inside one <details> under country:IR, not in the main table
    const details =
      /<details class="subnational" data-parent="country:IR"><summary><strong>country:IR<\/strong>: (\d+) sub-national outages in 73 county units/.exec(
        res.text,
      );
    expect(details).not.toBeNull();
    const main = res.text.slice(res.text.indexOf('id="outages"'), res.text.indexOf('<details'));
    expect(main).not.toContain('county:');
    expect(res.text.slice(res.text.indexOf('<details'))).toContain('county:ir-behbahan');
  });

  it('the overview’s "Recent outages" says the same and collapses the counties', async () => {
    const res = await request(app).get('/').expect(200);
    const recent = res.text.slice(res.text.indexOf('id="recent-h"'), res.text.indexOf('id="upcoming-h"'));
    expect(recent).toMatch(/lost 9\d % of normal for 82 h/);
    expect(recent).toContain('SYNTHETIC');
    expect(recent).toMatch(/<details class="subnational" data-parent="country:IR">/);
    expect(recent).not.toMatch(/\d\.\d\de\+\d/);
  });
});
