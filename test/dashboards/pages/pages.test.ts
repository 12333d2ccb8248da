import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertEvent } from '../../../db/calendar.js';
import { getEvent } from '../../../db/calendar.js';
import { validateEvent } from '../../../services/calendar/validate.js';
import { ADMIN_TOKEN, fixtureApp, fixtureStore, T } from '../api/fixture.js';

const HOSTILE = '<img src=x onerror=alert(1)>';
const HOSTILE_ESCAPED = '&lt;img src=x onerror=alert(1)&gt;';
const HOSTILE_SOURCE = '<svg onload=alert(3)>';

function addHostile(t: ReturnType<typeof fixtureStore>) {
  const v = validateEvent(
    {
      line: 1,
      raw: {
        id: 'kz-2016-05-10-hostile',
        title: HOSTILE,
        country: 'KZ',
        start: '2016-05-10',
        tz: 'Asia/Almaty',
        kind: 'protest',
        sources: ['https://example.org/x'],
        places: ['<b>Almaty</b>'],
        notes: '<script>alert(2)</script>',
      },
    },
    { file: 'test', origin: 'import' },
  );
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  upsertEvent(t.store.db, v.event, T.now);
  // a source event (as a collector would store it) whose title is markup and whose link is a javascript: URL
  const at = Date.UTC(2016, 4, 10, 6) / 1000;
  t.store.writeWindow({
    collector: 'ioda',
    entity: 'country:KZ',
    from: at,
    until: at + 3600,
    series: [],
    sourceEvents: [
      {
        source: 'ioda',
        externalId: 'hostile-1',
        entity: 'country:KZ',
        start: at,
        end: at + 3600,
        kind: 'outage',
        title: HOSTILE_SOURCE,
        url: 'javascript:alert(3)',
        raw: {},
      },
    ],
  });
}

describe('dashboard pages (supertest)', () => {
  let t: ReturnType<typeof fixtureStore>;
  let app: ReturnType<typeof fixtureApp>;
  beforeAll(() => {
    t = fixtureStore();
    addHostile(t);
    app = fixtureApp(t);
  });
  afterAll(() => t.cleanup());

  it('serves the overview at / with watched countries, recent outages, events and collector health', async () => {
    const res = await request(app).get('/').expect(200).expect('content-type', /html/);
    expect(res.text).toContain('<h1>outagewatch</h1>');
    expect(res.text).toContain('href="/countries/KZ"');
    expect(res.text).toMatch(/id="recent-outages"[\s\S]*service-blocking/);
    expect(res.text).toContain('Most recent past events');
    expect(res.text).toMatch(/<strong>ioda<\/strong>/);
    expect(res.text).toContain('href="/api/outages?format=csv"');
    // the nav links every page, reports included
    for (const p of ['/calendar', '/outages', '/reference', '/sources', '/reports', '/status']) expect(res.text).toContain(`href="${p}"`);
  });

  it('renders the event page: local and UTC times, sources, verdict, chart panels with their data links, evidence', async () => {
    const res = await request(app).get('/events/kz-2016-05-21-land-protests').expect(200);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.text).not.toMatch(/<script>(?!<\/script>)/); // no inline script
    expect(res.text).not.toMatch(/\sstyle="/); // no inline style
    expect(res.text).toContain('Land reform protests');
    expect(res.text).toContain('2016-05-21 00:00 +06:00 (Asia/Almaty)');
    expect(res.text).toContain('2016-05-20 18:00 UTC');
    expect(res.text).toContain('href="https://en.wikipedia.org/wiki/2016_Kazakh_protests"');
    expect(res.text).toMatch(/<p class="verdict-line"><span class="verdict verdict-both">connectivity outage and service blocking<\/span>/);
    expect(res.text).toContain('blocking: services unreachable');
    expect(res.text).toMatch(/<dt>p-value<\/dt>/);
    // one line panel per signal, an OONI bar panel per target; custom.connectivity is marked synthetic
    expect(res.text).toContain('id="panel-ioda-bgp"');
    expect(res.text).toContain('id="panel-ooni-anomaly-rate-facebook-com"');
    expect(res.text).toMatch(/id="panel-custom-connectivity"[\s\S]*?SYNTHETIC/);
    // the window drawn is 7 days either side of the event by default
    const from = Date.UTC(2016, 4, 13, 18) / 1000;
    const until = Date.UTC(2016, 4, 28, 18) / 1000;
    expect(res.text).toContain(`data-from="${from}" data-until="${until}"`);
    expect(res.text).toContain(
      `/api/signals?entity=country%3AKZ&amp;signals=ioda.bgp&amp;from=${from}&amp;until=${until}&amp;maxPoints=1200&amp;format=csv`,
    );
    // bands: the event, its window and the outage overlapping the range
    // as [type, from, until, label, kind, target] tuples (the page's size on ten years of outages)
    const bands = JSON.parse(/id="charts"[^>]*data-bands="([^"]*)"/.exec(res.text)![1]!.replace(/&quot;/g, '"')) as Array<
      [string, number, number, string, string | null, string | null]
    >;
    expect(bands.map((b) => b[0])).toEqual(expect.arrayContaining(['event', 'window', 'outage']));
    const outage = bands.find((b) => b[0] === 'outage')!;
    expect(outage[1]).toBeLessThan(outage[2]);
    expect(outage[3]).toMatch(/outage/);
    expect(res.text).toContain('https://explorer.ooni.org/search?probe_cc=KZ');
    expect(res.text).toContain('https://stat.ripe.net/KZ');
    // the data links of the page answer
    await request(app)
      .get(`/api/signals?entity=country%3AKZ&signals=ioda.bgp&from=${from}&until=${until}&maxPoints=1200&format=csv`)
      .expect(200)
      .expect('content-type', /text\/csv/);
  });

  it('keeps the range and the time zone in the URL', async () => {
    const res = await request(app).get('/events/kz-2016-05-21-land-protests?before=2d&after=1d&tz=local').expect(200);
    expect(res.text).toContain(`data-from="${Date.UTC(2016, 4, 18, 18) / 1000}" data-until="${Date.UTC(2016, 4, 22, 18) / 1000}"`);
    expect(res.text).toContain('data-mode="local"');
    expect(res.text).toMatch(
      /<time datetime="2016-05-19T18:00:00Z" data-utc="2016-05-19 18:00 UTC" data-local="2016-05-20 00:00 \+06:00 \(Asia\/Almaty\)">2016-05-20 00:00 \+06:00/,
    );
    const utc = await request(app).get('/events/kz-2016-05-21-land-protests').expect(200);
    expect(utc.text).toMatch(/<time datetime="2016-05-19T18:00:00Z"[^>]*>2016-05-19 18:00 UTC<\/time>/);
    await request(app).get('/events/kz-2016-05-21-land-protests?before=soon').expect(400);
    await request(app).get('/events/kz-2016-05-21-land-protests?tz=mars').expect(400);
    await request(app).get('/events/no-such-event').expect(404);
  });

  it('shows a hostile title as text on every page', async () => {
    for (const path of ['/calendar', '/events/kz-2016-05-10-hostile', '/countries/KZ', '/', '/calendar?q=img']) {
      const res = await request(app).get(path).expect(200);
      expect(res.text, path).toContain(HOSTILE_ESCAPED);
      expect(res.text, path).not.toContain('<img');
      expect(res.text, path).not.toContain('<script>alert');
    }
    const ev = await request(app).get('/events/kz-2016-05-10-hostile').expect(200);
    expect(ev.text).toContain('&lt;b&gt;Almaty&lt;/b&gt;');
    expect(ev.text).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    // source event text too, and its javascript: link is not a link
    expect(ev.text).toContain('&lt;svg onload=alert(3)&gt;');
    expect(ev.text).not.toContain('<svg onload');
    expect(ev.text).not.toContain('href="javascript:');
  });

  it('filters and sorts the outages table, with the same filters in its CSV/JSON links', async () => {
    const all = await request(app).get('/outages').expect(200);
    expect(all.text).toContain('2 outage(s)');
    const blocking = await request(app).get('/outages?kind=service-blocking').expect(200);
    expect(blocking.text).toContain('1 outage(s)');
    expect(blocking.text).toContain('href="/api/outages?kind=service-blocking&amp;format=csv"');
    // the raw IODA score is not shown: the loss column ("lost X % of normal for Y h") sorts by percent × hours
    expect(all.text).not.toMatch(/>Score</);
    const asc = await request(app).get('/outages?sort=loss&dir=asc').expect(200);
    const order = [...asc.text.matchAll(/<span class="kind kind-([a-z-]+)">/g)].map((m) => m[1]);
    expect(order).toEqual(['connectivity', 'service-blocking']);
    expect(asc.text).toMatch(/aria-sort="ascending"><a href="\/outages\?sort=loss&amp;dir=desc">Loss/);
    const desc = await request(app).get('/outages?sort=loss&dir=desc').expect(200);
    expect([...desc.text.matchAll(/<span class="kind kind-([a-z-]+)">/g)].map((m) => m[1])).toEqual(['service-blocking', 'connectivity']);
    await request(app).get('/outages?kind=bogus').expect(400).expect('content-type', /html/);
  });

  it('filters the calendar and links each event', async () => {
    const ua = await request(app).get('/calendar?country=UA').expect(200);
    expect(ua.text).toContain('1 event(s)');
    expect(ua.text).toContain('href="/events/ua-2016-05-01-rally"');
    expect(ua.text).not.toContain('href="/events/kz-2016-05-21-land-protests"');
    const text = await request(app).get('/calendar?q=january').expect(200);
    expect(text.text).toContain('1 event(s)');
    const sorted = await request(app).get('/calendar?sort=title&dir=asc').expect(200);
    const titles = [...sorted.text.matchAll(/class="event-link">([^<]*)</g)].map((m) => m[1]);
    expect(titles).toEqual([...titles].sort((a, b) => a!.toLowerCase().localeCompare(b!.toLowerCase())));
    expect(sorted.text).toContain('href="/api/events?format=csv"');
  });

  it('shows reference lists and one list filtered by country', async () => {
    const lists = await request(app).get('/reference').expect(200);
    expect(lists.text).toContain('href="/reference?list=stop"');
    const kz = await request(app).get('/reference?list=stop&country=KZ').expect(200);
    expect(kz.text).toContain('stop: 1 outage(s)');
    expect(kz.text).toContain('Facebook, WhatsApp');
    expect(kz.text).toContain('href="/api/reference/stop?country=KZ&amp;format=csv"');
    await request(app).get('/reference?list=nope').expect(404);
    const regional = await request(app).get('/reference?list=stop&scope=regional').expect(200);
    expect(regional.text).toContain('stop: 1 outage(s)');
    expect(regional.text).toContain('title="Region (@Crimea)"');
    expect(regional.text).toContain('href="/api/reference/stop?scope=regional&amp;format=csv"');
    await request(app).get('/reference?list=stop&scope=planet').expect(400);
  });

  it('shows collectors, runs and coverage on /sources', async () => {
    const res = await request(app).get('/sources').expect(200);
    expect(res.text).toContain('id="collectors"');
    expect(res.text).toMatch(/id="runs"[\s\S]*collect:ioda/);
    expect(res.text).toMatch(/id="coverage"[\s\S]*ioda\.bgp/);
    expect(res.text).toContain('href="/api/sources/runs?format=csv"');
  });

  it('shows the country timeline with calendar markers, statistics and networks', async () => {
    const res = await request(app).get('/countries/KZ').expect(200);
    expect(res.text).toContain('<h1>Kazakhstan (KZ)</h1>');
    // with no range asked for, the timeline covers the stored data (April–May 2016 here), not the weeks before today
    expect(res.text).toContain(`data-from="${Date.UTC(2016, 3, 1) / 1000}" data-until="${Date.UTC(2016, 5, 1) / 1000}"`);
    // markers go as [at, event id, label] (the browser links each to /events/ID)
    const markers = JSON.parse(/data-markers="([^"]*)"/.exec(res.text)![1]!.replace(/&quot;/g, '"')) as Array<[number, string, string]>;
    expect(markers).toContainEqual([Date.UTC(2016, 4, 20, 18) / 1000, 'kz-2016-05-21-land-protests', 'Land reform protests']);
    expect(res.text).toContain('id="stats"');
    expect(res.text).toContain('href="/countries/KZ?entity=asn%3A9198"');
    const narrowed = await request(app).get('/countries/KZ?from=2016-05-19&until=2016-05-22&signals=ioda.bgp').expect(200);
    expect(narrowed.text).toContain(`data-from="${Date.UTC(2016, 4, 19) / 1000}" data-until="${Date.UTC(2016, 4, 23) / 1000}"`);
    expect(narrowed.text).toContain('id="panel-ioda-bgp"');
    expect(narrowed.text).not.toContain('id="panel-ioda-ping-slash24"');
    await request(app).get('/countries/kz').expect(301).expect('location', '/countries/KZ');
    await request(app).get('/countries/KZZ').expect(400);
    // not a country, nothing stored: 404; a real country without data still gets its (empty) page
    const zz = await request(app).get('/countries/ZZ').expect(404);
    expect(zz.text).toContain('country ZZ');
    await request(app).get('/countries/FR').expect(200);
    await request(app).get('/countries/KZ?entity=asn:1').expect(400);
  });
});

describe('admin session and CSRF on the calendar forms', () => {
  let t: ReturnType<typeof fixtureStore>;
  let app: ReturnType<typeof fixtureApp>;
  beforeAll(() => {
    t = fixtureStore();
    app = fixtureApp(t, { adminToken: ADMIN_TOKEN, writer: true });
  });
  afterAll(() => t.cleanup());

  async function login(): Promise<{ cookie: string; csrf: string }> {
    const res = await request(app)
      .post('/login')
      .type('form')
      .send({ token: ADMIN_TOKEN, next: '/calendar' })
      .expect(303)
      .expect('location', '/calendar');
    const setCookie = (res.headers['set-cookie'] as unknown as string[])[0]!;
    expect(setCookie).toMatch(/^ow_session=[A-Za-z0-9_-]+;/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const cookie = setCookie.split(';')[0]!;
    const page = await request(app).get('/calendar').set('Cookie', cookie).expect(200);
    expect(page.text).toContain('id="add-event"');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    return { cookie, csrf };
  }

  const EVENT = {
    title: 'Rally <b>bold</b>',
    country: 'KZ',
    start: '2016-06-01',
    tz: 'Asia/Almaty',
    kind: 'protest',
    sources: 'https://example.org/rally',
    places: 'Almaty; Astana',
  };

  it('asks anonymous visitors to log in and refuses a wrong token', async () => {
    const page = await request(app).get('/calendar').expect(200);
    expect(page.text).not.toContain('id="add-event"');
    expect(page.text).toContain('href="/login?next=%2Fcalendar"');
    const bad = await request(app).post('/login').type('form').send({ token: 'wrong-token-wrong-token' }).expect(401);
    expect(bad.headers['set-cookie']).toBeUndefined();
    await request(app).post('/calendar/events').type('form').send(EVENT).expect(401);
  });

  it('adds an event with the session cookie and the CSRF token, and refuses it without the token', async () => {
    const { cookie, csrf } = await login();
    await request(app).post('/calendar/events').set('Cookie', cookie).type('form').send(EVENT).expect(403);
    await request(app)
      .post('/calendar/events')
      .set('Cookie', cookie)
      .type('form')
      .send({ ...EVENT, _csrf: 'x'.repeat(43) })
      .expect(403);
    // a token from another session does not work either
    const other = await login();
    await request(app)
      .post('/calendar/events')
      .set('Cookie', cookie)
      .type('form')
      .send({ ...EVENT, _csrf: other.csrf })
      .expect(403);
    const ok = await request(app)
      .post('/calendar/events')
      .set('Cookie', cookie)
      .type('form')
      .send({ ...EVENT, _csrf: csrf })
      .expect(303);
    const id = decodeURIComponent(String(ok.headers.location).replace('/events/', ''));
    const stored = getEvent(t.store.db, id)!;
    expect(stored.title).toBe('Rally <b>bold</b>');
    expect(stored.places.map((p) => p.name)).toEqual(['Almaty', 'Astana']);
    const page = await request(app)
      .get(ok.headers.location as string)
      .expect(200);
    expect(page.text).toContain('Rally &lt;b&gt;bold&lt;/b&gt;');
    // a bad row names its field
    const bad = await request(app)
      .post('/calendar/events')
      .set('Cookie', cookie)
      .type('form')
      .send({ ...EVENT, title: 'Other', country: 'XX', _csrf: csrf })
      .expect(400);
    expect(bad.text).toContain('<strong>country</strong>');
  });

  it('imports a pasted JSON file and reports rejected rows by line', async () => {
    const { cookie, csrf } = await login();
    const content = JSON.stringify([
      {
        title: 'Imported rally',
        country: 'KZ',
        start: '2016-07-01',
        tz: 'Asia/Almaty',
        kind: 'protest',
        sources: ['https://example.org/imp'],
      },
      { title: 'Broken', country: 'KZ', start: 'not a date', sources: ['https://example.org/b'] },
    ]);
    await request(app).post('/calendar/import').set('Cookie', cookie).type('form').send({ format: 'json', content }).expect(403);
    const res = await request(app)
      .post('/calendar/import')
      .set('Cookie', cookie)
      .type('form')
      .send({ format: 'json', content, _csrf: csrf })
      .expect(422);
    expect(res.text).toContain('1 added');
    expect(res.text).toContain('1 rejected');
    expect(res.text).toMatch(/web-import:\d+: start: /);
    const list = await request(app).get('/calendar?q=imported').expect(200);
    expect(list.text).toContain('1 event(s)');
  });

  it('logs out (the cookie no longer works)', async () => {
    const { cookie, csrf } = await login();
    await request(app).post('/logout').set('Cookie', cookie).type('form').send({ _csrf: csrf }).expect(303);
    await request(app)
      .post('/calendar/events')
      .set('Cookie', cookie)
      .type('form')
      .send({ ...EVENT, title: 'After logout', _csrf: csrf })
      .expect(401);
  });

  it('says writes are disabled without an admin token', async () => {
    const t2 = fixtureStore();
    try {
      const app2 = fixtureApp(t2, { writer: true });
      const page = await request(app2).get('/login').expect(200);
      expect(page.text).toContain('Writes are disabled');
      await request(app2).post('/login').type('form').send({ token: 'anything-anything' }).expect(403);
      await request(app2).post('/calendar/events').type('form').send(EVENT).expect(403);
    } finally {
      t2.cleanup();
    }
  });
});
