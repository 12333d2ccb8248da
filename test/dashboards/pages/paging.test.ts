import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replaceOutages } from '../../../db/outages.js';
import type { Outage } from '../../../core/outage.js';
import { fixtureApp, fixtureStore } from '../api/fixture.js';

// Ten years of a country's detections run to ~1,900 outages (issue 21: /outages was 1.1 MB of HTML, every row);
// 1,234 stand for them here.
const N = 1234;
const T0 = Date.UTC(2014, 0, 1) / 1000;

function manyOutages(): Outage[] {
  const out: Outage[] = [];
  for (let i = 0; i < N; i++) {
    const start = T0 + i * 2 * 86400;
    out.push({
      entity: 'country:UZ',
      start,
      end: start + 3600 * (1 + (i % 5)),
      kind: 'connectivity',
      severity: i % 3 ? 'critical' : 'warning',
      score: i,
      signals: [{ signal: 'ioda.bgp', start, end: start + 3600, severity: 'critical', depth: 0.5, score: i }],
      targets: [],
      evidence: [],
    });
  }
  return out;
}

describe('paging long lists', () => {
  let t: ReturnType<typeof fixtureStore>;
  let app: ReturnType<typeof fixtureApp>;
  beforeAll(() => {
    t = fixtureStore();
    replaceOutages(t.store.db, 'country:UZ', T0, T0 + (N + 1) * 2 * 86400, manyOutages(), T0);
    app = fixtureApp(t);
  });
  afterAll(() => t.cleanup());

  it('/outages shows one page of the sorted list with the total and links that keep the filters', async () => {
    const first = await request(app).get('/outages?country=UZ').expect(200);
    const rows = (html: string) => (html.match(/<tbody>([\s\S]*?)<\/tbody>/)?.[1]?.match(/<tr>/g) ?? []).length;
    expect(rows(first.text)).toBe(100);
    expect(first.text).toContain(`${N} outage(s)`);
    expect(first.text).toContain('Rows 1–100 of 1,234 (page 1 of 13)');
    expect(first.text).toContain('href="/outages?country=UZ&amp;page=2"');
    expect(first.text).not.toContain('rel="prev"');
    expect(first.text.length).toBeLessThan(200_000);
    const last = await request(app).get('/outages?country=UZ&page=13').expect(200);
    expect(rows(last.text)).toBe(N - 1200);
    expect(last.text).toContain('Rows 1,201–1,234 of 1,234');
    expect(last.text).toContain('2014-01-01'); // the oldest is on the last page
    expect(first.text).not.toContain('>2014-01-01');
    // sorting by another column pages through that order
    const byScore = await request(app).get('/outages?country=UZ&sort=score&dir=asc&page=2').expect(200);
    expect(byScore.text).toContain('href="/outages?country=UZ&amp;sort=score&amp;dir=asc"');
    await request(app).get('/outages?page=0').expect(400);
    await request(app).get('/outages?page=x').expect(400);
  });

  it('API listings answer a page with the total count, a stable order and a link to the next page; CSV streams every row', async () => {
    const all = await request(app).get('/api/outages?country=UZ').expect(200);
    expect(all.body).toHaveLength(1000);
    expect(all.headers['x-total-count']).toBe(String(N));
    expect(all.headers.link).toBe(`</api/outages?country=UZ&limit=1000&offset=1000>; rel="next"`);
    const page = await request(app).get('/api/outages?country=UZ&limit=100&offset=1200').expect(200);
    expect(page.body).toHaveLength(34);
    expect(page.headers.link).toBeUndefined();
    const a = await request(app).get('/api/outages?country=UZ&limit=600&offset=0');
    const b = await request(app).get('/api/outages?country=UZ&limit=634&offset=600');
    const ids = [...a.body, ...b.body].map((o: { id: number }) => o.id);
    expect(new Set(ids).size).toBe(N);
    const csv = await request(app).get('/api/outages?country=UZ&format=csv').expect(200);
    expect(csv.text.split('\r\n').filter(Boolean)).toHaveLength(N + 1);
    expect(csv.headers['x-total-count']).toBe(String(N));
    await request(app).get('/api/outages?limit=0').expect(400);
    await request(app).get('/api/outages?offset=-1').expect(400);
  });
});
