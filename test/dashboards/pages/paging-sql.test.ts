/**
 * `/outages` pages in SQL (issue 21): every sortable column gives, page by page, exactly the order the whole list
 * sorted in JS gives (nulls last, ties in start-then-id order), the national table and each country's sub-national
 * table count and page on their own, the last page holds the remainder, and a filter narrows the count. Stands
 * for a country's ten years of detections: national outages of every kind and severity, some with no signal
 * (no depth), some detected before the loss columns existed (loss from the signals), and regional outages under it.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents, upsertEvents } from '../../../db/calendar.js';
import { listOutages, replaceOutages } from '../../../db/outages.js';
import { listReferenceOutages, upsertReferenceOutages, type ReferenceOutage } from '../../../db/reference.js';
import type { ProtestEvent } from '../../../core/calendar.js';
import type { Outage } from '../../../core/outage.js';
import { seededRandom } from '../../helpers.js';
import { fixtureApp, fixtureStore } from '../api/fixture.js';

const T0 = Date.UTC(2014, 0, 1) / 1000;
const KINDS = ['connectivity', 'service-blocking', 'both', 'degradation'] as const;

function outages(entity: string, n: number, seed: number): Outage[] {
  const rnd = seededRandom(seed);
  const out: Outage[] = [];
  for (let i = 0; i < n; i++) {
    // starts repeat (ties), durations and depths repeat (ties), some rows without signals (no depth)
    const start = T0 + Math.floor(rnd() * 200) * 86400;
    const hours = 1 + Math.floor(rnd() * 4);
    const depth = Math.round(rnd() * 4) / 4;
    const lost = rnd() < 0.5 ? Math.round(rnd() * 100) / 100 : undefined;
    const signals =
      rnd() < 0.15
        ? []
        : [
            {
              signal: 'ioda.bgp',
              start,
              end: start + hours * 3600,
              severity: 'critical' as const,
              depth,
              score: i,
              ...(lost !== undefined ? { lost } : {}),
            },
          ];
    out.push({
      entity,
      start,
      end: start + hours * 3600,
      kind: KINDS[i % 4]!,
      severity: rnd() < 0.3 ? 'warning' : 'critical',
      score: i,
      signals,
      targets: [],
      evidence: [],
      ...(rnd() < 0.3 ? { lostPercent: null } : {}),
    });
  }
  return out;
}

const depthOf = (o: Outage) => (o.signals.length ? o.signals.reduce((m, s) => Math.max(m, s.depth), -Infinity) : null);
const SORTS: Record<string, (o: Outage) => string | number | null> = {
  id: (o) => o.id!,
  entity: (o) => o.entity,
  kind: (o) => o.kind,
  severity: (o) => o.severity,
  start: (o) => o.start,
  end: (o) => o.end,
  duration: (o) => o.end - o.start,
  depth: depthOf,
  loss: (o) => (o.lostPercent ?? (depthOf(o) ?? 0) * 100) * (o.hours ?? (o.end - o.start) / 3600),
};

/** The order the page showed before paging moved into SQL: a stable sort of the start-then-id list. */
function jsOrder(rows: Outage[], key: string, dir: 'asc' | 'desc'): number[] {
  const f = SORTS[key]!;
  return [...rows]
    .sort((a, b) => {
      const x = f(a);
      const y = f(b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return dir === 'asc' ? c : -c;
    })
    .map((o) => o.id!);
}

const idsOf = (html: string, tableId: string) => {
  const table = html.match(new RegExp(`<table id="${tableId}"[\\s\\S]*?</table>`))?.[0] ?? '';
  return [...table.matchAll(/<a href="\/api\/outages\/(\d+)">/g)].map((m) => Number(m[1]));
};

describe('/outages pages in SQL', () => {
  let t: ReturnType<typeof fixtureStore>;
  let app: ReturnType<typeof fixtureApp>;
  beforeAll(() => {
    t = fixtureStore();
    t.store.ensureEntity('region:UZ-1', { country: 'UZ' });
    t.store.ensureEntity('region:UZ-2', { country: 'UZ' });
    const end = T0 + 400 * 86400;
    replaceOutages(t.store.db, 'country:UZ', T0, end, outages('country:UZ', 237, 1), T0);
    replaceOutages(t.store.db, 'region:UZ-1', T0, end, outages('region:UZ-1', 90, 2), T0);
    replaceOutages(t.store.db, 'region:UZ-2', T0, end, outages('region:UZ-2', 41, 3), T0);
    app = fixtureApp(t);
  });
  afterAll(() => t.cleanup());

  it.each(
    Object.keys(SORTS).flatMap(
      (k) =>
        [
          [k, 'asc'],
          [k, 'desc'],
        ] as const,
    ),
  )('sort=%s dir=%s: pages in SQL follow the order of the whole list sorted', async (key, dir) => {
    const all = listOutages(t.store.db, { country: 'UZ' });
    const national = all.filter((o) => !o.parent);
    const got: number[] = [];
    for (let page = 1; page <= 3; page++) {
      const res = await request(app).get(`/outages?country=UZ&sort=${key}&dir=${dir}&page=${page}`).expect(200);
      got.push(...idsOf(res.text, 'outages'));
    }
    expect(got).toEqual(jsOrder(national, key, dir));
    // the sub-national table of a country pages on its own parameter, in the same order
    const region: number[] = [];
    for (const page of [1, 2]) {
      const res = await request(app).get(`/outages?country=UZ&sort=${key}&dir=${dir}&page-country-UZ=${page}`).expect(200);
      region.push(...idsOf(res.text, 'outages-country-UZ'));
    }
    expect(region).toEqual(
      jsOrder(
        all.filter((o) => o.parent === 'country:UZ'),
        key,
        dir,
      ),
    );
  });

  it('counts every row, shows the remainder on the last page and clamps a page past the end to it', async () => {
    const first = await request(app).get('/outages?country=UZ').expect(200);
    expect(first.text).toContain('368 outage(s), of which 131 sub-national');
    expect(first.text).toContain('Rows 1–100 of 237 (page 1 of 3)');
    expect(first.text).toContain('131 sub-national outages in 2 region units');
    expect(first.text).toContain('Rows 1–100 of 131 (page 1 of 2)');
    const last = await request(app).get('/outages?country=UZ&page=3').expect(200);
    expect(idsOf(last.text, 'outages')).toHaveLength(37);
    expect(last.text).toContain('Rows 201–237 of 237 (page 3 of 3)');
    const past = await request(app).get('/outages?country=UZ&page=99').expect(200);
    expect(idsOf(past.text, 'outages')).toEqual(idsOf(last.text, 'outages'));
  });

  it('filters narrow the count and the pages (severity is filtered in SQL too)', async () => {
    const warnings = listOutages(t.store.db, { country: 'UZ' }).filter((o) => o.severity === 'warning');
    const res = await request(app).get('/outages?country=UZ&severity=warning').expect(200);
    expect(res.text).toContain(`${warnings.length} outage(s), of which ${warnings.filter((o) => o.parent).length} sub-national`);
    expect(idsOf(res.text, 'outages')).toEqual(
      jsOrder(
        warnings.filter((o) => !o.parent),
        'start',
        'desc',
      ).slice(0, 100),
    );
  });
});

describe('/calendar and /api/events page in SQL', () => {
  let t: ReturnType<typeof fixtureStore>;
  let app: ReturnType<typeof fixtureApp>;
  const N = 230;
  const KINDS_E = ['protest', 'election', 'unrest', 'anniversary', 'other'] as const;
  const TITLES = [
    'Митинг в Алматы',
    'Land protest',
    'Election day',
    'Жаңаөзен anniversary',
    'unrest in Nukus',
    'Protest against fuel prices',
  ];
  beforeAll(() => {
    t = fixtureStore();
    const rnd = seededRandom(9);
    const events: ProtestEvent[] = [];
    for (let i = 0; i < N; i++) {
      // a country's calendar over years: repeated days (ties), titles in Cyrillic and Latin, places to search
      const start = T0 + Math.floor(rnd() * 150) * 86400 - 5 * 3600;
      events.push({
        id: `uz-test-${String(i).padStart(3, '0')}`,
        title: `${TITLES[i % TITLES.length]!} ${i % 7}-${i}`,
        country: 'UZ',
        places: [{ name: i % 4 === 0 ? 'Нукус' : 'Tashkent' }],
        start,
        end: start + 86400,
        tz: i % 3 ? 'Asia/Tashkent' : 'Asia/Samarkand',
        allDay: true,
        kind: KINDS_E[i % 5]!,
        sources: ['https://example.org/test'],
        notes: null,
        tags: [],
        origin: i % 2 ? 'manual' : 'import',
        originFile: null,
        originLine: null,
      });
    }
    upsertEvents(t.store.db, events, T0);
    app = fixtureApp(t);
  });
  afterAll(() => t.cleanup());

  const ids = (html: string) =>
    [...(html.match(/<table id="events"[\s\S]*?<\/table>/)?.[0] ?? '').matchAll(/<a href="\/events\/([^"]+)"/g)].map((m) => m[1]!);
  const SORT_E: Record<string, (e: ProtestEvent) => string | number> = {
    start: (e) => e.start,
    title: (e) => e.title.toLowerCase(),
    country: (e) => e.country,
    kind: (e) => e.kind,
    tz: (e) => e.tz,
    origin: (e) => e.origin,
  };
  const order = (rows: ProtestEvent[], key: string, dir: 'asc' | 'desc') => {
    const f = SORT_E[key]!;
    // stable sort of the start-then-id list; text compared by code point (the order SQLite gives)
    return [...rows].sort((a, b) => {
      const x = f(a);
      const y = f(b);
      const c = x < y ? -1 : x > y ? 1 : 0;
      return dir === 'asc' ? c : -c;
    });
  };

  it.each(
    Object.keys(SORT_E).flatMap(
      (k) =>
        [
          [k, 'asc'],
          [k, 'desc'],
        ] as const,
    ),
  )('sort=%s dir=%s: three pages in the order of the whole list sorted', async (key, dir) => {
    const all = listEvents(t.store.db, { country: 'UZ' });
    expect(all).toHaveLength(N);
    const got: string[] = [];
    for (const page of [1, 2, 3])
      got.push(...ids((await request(app).get(`/calendar?country=UZ&sort=${key}&dir=${dir}&page=${page}`).expect(200)).text));
    expect(got).toEqual(order(all, key, dir).map((e) => e.id));
  });

  it('counts every event, shows the remainder on the last page, and searches titles and places in any script', async () => {
    const first = await request(app).get('/calendar?country=UZ').expect(200);
    expect(first.text).toContain(`${N} event(s)`);
    expect(first.text).toContain('Rows 1–100 of 230 (page 1 of 3)');
    const last = await request(app).get('/calendar?country=UZ&page=3').expect(200);
    expect(ids(last.text)).toHaveLength(30);
    const all = listEvents(t.store.db, { country: 'UZ' });
    for (const text of ['МИТИНГ', 'нукус', 'ANNIVERSARY', 'uz-test-01']) {
      const want = all.filter(
        (e) =>
          e.title.toLowerCase().includes(text.toLowerCase()) ||
          e.id.includes(text.toLowerCase()) ||
          e.places.some((p) => p.name.toLowerCase().includes(text.toLowerCase())),
      );
      expect(want.length).toBeGreaterThan(0);
      const res = await request(app)
        .get(`/calendar?country=UZ&q=${encodeURIComponent(text)}`)
        .expect(200);
      expect(res.text).toContain(`${want.length} event(s)`);
      expect(ids(res.text)).toEqual(want.slice(0, 100).map((e) => e.id));
    }
  });

  it('/api/events pages in the stable start-then-id order with X-Total-Count and Link; CSV streams every row', async () => {
    const all = listEvents(t.store.db, { country: 'UZ' }).map((e) => e.id);
    const a = await request(app).get('/api/events?country=UZ&limit=100').expect(200);
    expect(a.headers['x-total-count']).toBe(String(N));
    expect(a.headers.link).toBe('</api/events?country=UZ&limit=100&offset=100>; rel="next"');
    const b = await request(app).get('/api/events?country=UZ&limit=100&offset=200').expect(200);
    expect(b.headers.link).toBeUndefined();
    expect([...a.body, ...b.body].map((e: { id: string }) => e.id)).toEqual([...all.slice(0, 100), ...all.slice(200)]);
    const csv = await request(app).get('/api/events?country=UZ&format=csv').expect(200);
    expect(
      csv.text
        .split('\r\n')
        .filter(Boolean)
        .slice(1)
        .map((l) => l.split(',')[0]),
    ).toEqual(all);
  });
});

describe('/reference and /api/reference/:list page in SQL', () => {
  let t: ReturnType<typeof fixtureStore>;
  let app: ReturnType<typeof fixtureApp>;
  const N = 163;
  const SCOPE_LIST = ['national', 'regional', 'local', 'asn', 'unknown'] as const;
  beforeAll(() => {
    t = fixtureStore();
    const rnd = seededRandom(4);
    // a published list over years (as Access Now's STOP sheets): repeated days, open ends, causes in several languages
    const rows: ReferenceOutage[] = [];
    for (let i = 0; i < N; i++) {
      const start = T0 + Math.floor(rnd() * 100) * 86400;
      rows.push({
        list: 'paged',
        naturalKey: `p-${i}`,
        country: i % 3 ? 'UZ' : 'TJ',
        start,
        end: i % 5 === 0 ? null : start + (1 + Math.floor(rnd() * 3)) * 3600,
        kind: i % 4 === 0 ? null : i % 2 ? 'connectivity' : 'service-blocking',
        scope: SCOPE_LIST[i % 5]!,
        scopeRaw: null,
        scopeDetail: null,
        area: i % 6 === 0 ? null : `Area ${i % 9}`,
        cause: i % 7 === 0 ? 'Выборы' : i % 2 ? 'Protests' : null,
        services: i % 8 === 0 ? ['Telegram'] : [],
        source: 'https://example.org/list',
        originFile: null,
        originLine: null,
        raw: { i },
      });
    }
    upsertReferenceOutages(t.store.db, 'paged', 'csv', null, rows, { rejected: 0 }, T0);
    app = fixtureApp(t);
  });
  afterAll(() => t.cleanup());

  const ids = (html: string) =>
    [
      ...(html.match(/<table id="reference-outages"[\s\S]*?<\/table>/)?.[0] ?? '').matchAll(
        /<tr><td><a href="\/countries\/(\w\w)\?from=(\d+)/g,
      ),
    ].map((m) => `${m[1]}@${m[2]}`);
  const SORT_R: Record<string, (o: ReferenceOutage) => string | number | null> = {
    country: (o) => o.country,
    start: (o) => o.start,
    end: (o) => o.end,
    duration: (o) => (o.end === null ? null : o.end - o.start),
    kind: (o) => o.kind,
    scope: (o) => o.scope,
    area: (o) => o.area,
    cause: (o) => o.cause,
  };
  const order = (rows: ReferenceOutage[], key: string, dir: 'asc' | 'desc') => {
    const f = SORT_R[key]!;
    return [...rows].sort((a, b) => {
      const x = f(a);
      const y = f(b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      const c = x < y ? -1 : 1;
      return dir === 'asc' ? c : -c;
    });
  };
  // rows are told apart on the page by country and start (the link); several share both, so compare those keys
  const keyOf = (o: ReferenceOutage) => `${o.country}@${o.start - 14 * 86400}`;

  it.each(
    Object.keys(SORT_R).flatMap(
      (k) =>
        [
          [k, 'asc'],
          [k, 'desc'],
        ] as const,
    ),
  )('sort=%s dir=%s: two pages in the order of the whole list sorted', async (key, dir) => {
    const all = listReferenceOutages(t.store.db, { list: 'paged' });
    const got: string[] = [];
    for (const page of [1, 2])
      got.push(...ids((await request(app).get(`/reference?list=paged&sort=${key}&dir=${dir}&page=${page}`).expect(200)).text));
    expect(got).toEqual(order(all, key, dir).map(keyOf));
  });

  it('counts, filters by scope and text in SQL, and the API pages in start-then-id order', async () => {
    const all = listReferenceOutages(t.store.db, { list: 'paged' });
    const first = await request(app).get('/reference?list=paged').expect(200);
    expect(first.text).toContain(`paged: ${N} outage(s)`);
    expect(first.text).toContain('Rows 1–100 of 163 (page 1 of 2)');
    const byText = await request(app)
      .get(`/reference?list=paged&q=${encodeURIComponent('ВЫБОРЫ')}`)
      .expect(200);
    expect(byText.text).toContain(`paged: ${all.filter((o) => o.cause === 'Выборы').length} outage(s)`);
    const telegram = await request(app).get('/reference?list=paged&q=telegram&scope=national').expect(200);
    expect(telegram.text).toContain(
      `paged: ${all.filter((o) => o.services.includes('Telegram') && o.scope === 'national').length} outage(s)`,
    );
    const a = await request(app).get('/api/reference/paged?limit=100').expect(200);
    expect(a.headers['x-total-count']).toBe(String(N));
    expect(a.headers.link).toBe('</api/reference/paged?limit=100&offset=100>; rel="next"');
    const b = await request(app).get('/api/reference/paged?limit=100&offset=100').expect(200);
    expect([...a.body, ...b.body].map((o: { id: number }) => o.id)).toEqual(all.map((o) => o.id));
    const regional = await request(app).get('/api/reference/paged?scope=regional&limit=5').expect(200);
    expect(regional.headers['x-total-count']).toBe(String(all.filter((o) => o.scope === 'regional').length));
  });
});
