import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertEvents } from '../../../db/calendar.js';
import type { ProtestEvent } from '../../../core/calendar.js';
import { fixtureApp, fixtureStore, T } from '../api/fixture.js';

// A country with a long protest calendar: an imported ACLED-style list gives hundreds of demonstration days per
// country and year (the benchmark imports 1,000 for KZ). 123 all-day Almaty events over the fixture's two months
// of data stand for them here: several fall on the same day (ties in the start time) and some outside the data.
const N = 123;

function manyEvents(): ProtestEvent[] {
  const out: ProtestEvent[] = [];
  for (let i = 0; i < N; i++) {
    // local midnight in Almaty (UTC+6), one event every ~half day so that pairs share a day
    const day = T.dataFrom - 20 * 86400 + Math.floor(i / 2) * 86400;
    const start = day - 6 * 3600;
    out.push({
      id: `kz-many-${String(i).padStart(3, '0')}`,
      title: `Rally ${i}`,
      country: 'KZ',
      places: [],
      start,
      end: start + 86400,
      tz: 'Asia/Almaty',
      allDay: true,
      kind: 'protest',
      sources: ['https://example.org/many'],
      notes: null,
      tags: [],
      origin: 'import',
      originFile: null,
      originLine: null,
    });
  }
  return out;
}

const rowsOf = (html: string) => {
  const table = /<table id="country-events"[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => ({ id: /href="\/events\/([^"]+)"/.exec(m[1]!)![1]!, cells: m[1]! }));
};

describe('the country page pages its events table', () => {
  let t: ReturnType<typeof fixtureStore>;
  let app: ReturnType<typeof fixtureApp>;
  beforeAll(() => {
    t = fixtureStore();
    upsertEvents(t.store.db, manyEvents(), T.now);
    app = fixtureApp(t);
  });
  afterAll(() => t.cleanup());

  it('shows 50 events a page in a stable order with the total and previous/next links; every event is on exactly one page', async () => {
    const total = N + 2; // the fixture's own two KZ events
    const first = await request(app).get('/countries/KZ').expect(200);
    expect(rowsOf(first.text)).toHaveLength(50);
    expect(first.text).toContain(`Rows 1–50 of ${total} (page 1 of 3)`);
    expect(first.text).toContain('<a rel="next" href="/countries/KZ?events-page=2#calendar">Next ›</a>');
    expect(first.text).not.toMatch(/<nav class="pager" aria-label="Pages of calendar events">[^]*?rel="prev"/);
    const seen: string[] = [];
    for (let p = 1; p <= 3; p++) {
      const page = await request(app).get(`/countries/KZ?events-page=${p}`).expect(200);
      seen.push(...rowsOf(page.text).map((r) => r.id));
      if (p > 1)
        expect(page.text).toContain(`<a rel="prev" href="/countries/KZ${p === 2 ? '' : `?events-page=${p - 1}`}#calendar">‹ Previous</a>`);
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    // the calendar's order: start, then id (events on the same day keep one order across requests and pages)
    const api = (await request(app).get('/api/events?country=KZ&limit=1000').expect(200)).body as Array<{ id: string }>;
    expect(seen).toEqual(api.map((e) => e.id));
    // past the end shows the last page; a bad page number is a 400 naming the parameter
    const past = await request(app).get('/countries/KZ?events-page=99').expect(200);
    expect(rowsOf(past.text).map((r) => r.id)).toEqual(seen.slice(100));
    const bad = await request(app).get('/countries/KZ?events-page=0').expect(400);
    expect(bad.text).toContain('events-page');
  });

  it('pages through another order too, and a new order starts at its first page', async () => {
    const byTitle: string[] = [];
    for (let p = 1; p <= 3; p++) {
      const page = await request(app).get(`/countries/KZ?sort=title&dir=desc&events-page=${p}`).expect(200);
      byTitle.push(...rowsOf(page.text).map((r) => r.id));
      // the column headers re-sort from page 1 (no events-page in their links)
      expect(page.text).toContain('href="/countries/KZ?sort=title&amp;dir=asc#calendar"');
    }
    expect(new Set(byTitle).size).toBe(N + 2);
    const titles = (await request(app).get('/api/events?country=KZ&limit=1000').expect(200)).body as Array<{ id: string; title: string }>;
    const titleOf = new Map(titles.map((e) => [e.id, e.title]));
    const shown = byTitle.map((id) => titleOf.get(id)!);
    expect(shown).toEqual([...shown].sort((a, b) => b.localeCompare(a)));
  });

  it('keeps the statistics: p and q per event and the family are those of /api/correlation, the same on every page', async () => {
    const doc = (await request(app).get('/api/correlation?country=KZ').expect(200)).body as {
      events: Array<{ id: string; p: number | null; q: number | null }>;
      eventsFamily: { size: number };
    };
    const fmt = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x < 0.001 ? x.toExponential(1) : x.toFixed(3));
    const byId = new Map(doc.events.map((e) => [e.id, e]));
    let statistics: string | null = null;
    let withP = 0;
    for (let p = 1; p <= 3; p++) {
      const page = await request(app).get(`/countries/KZ?events-page=${p}`).expect(200);
      const section = /<section id="statistics"[\s\S]*?<\/section>/.exec(page.text)![0];
      statistics ??= section;
      expect(section).toBe(statistics);
      expect(section).toContain(`over the ${doc.eventsFamily.size} event(s) that could be assessed`);
      for (const row of rowsOf(page.text)) {
        const e = byId.get(row.id);
        const tds = [...row.cells.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
        // columns: start, event, kind, verdict, onset, p, q, view
        if (!e) {
          expect(tds[3]).toContain('outside the data');
          continue;
        }
        if (e.p === null) expect(tds[5]).toContain('n/a');
        else {
          expect(tds[5]).toBe(fmt(e.p));
          withP++;
        }
        expect(tds[6]).toBe(fmt(e.q));
      }
    }
    expect(withP).toBeGreaterThan(0);
  });
});
