import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProtestEvent } from '../../core/calendar.js';
import type { Outage } from '../../core/outage.js';
import { openRepositories } from '../../db/open.js';
import type { ReferenceOutage } from '../../db/reference.js';
import type { Repositories } from '../../db/repositories.js';
import { tempDir } from '../helpers.js';
import { usePostgres } from '../pg.js';

// The calendar, outage, alert and reference repositories (issue 23): the same calls on SQLite and on a real
// PostgreSQL 15 give the same results — filters, Unicode (Cyrillic) text search, sort orders and pages, counts,
// idempotent replaces and all-or-nothing writes. Rows stand for what the importers, the detector and the
// webhooks store from real files and series (a KZ protest calendar in Russian, IODA region outages, a reference
// list's shutdowns).

const pgt = usePostgres({ database: false });

interface Backend {
  name: 'sqlite' | 'postgres';
  enabled: boolean;
  open(): Promise<Repositories>;
}

const dirs: Array<ReturnType<typeof tempDir>> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    enabled: true,
    async open() {
      const d = tempDir();
      dirs.push(d);
      return openRepositories(`${d.dir}/test.db`);
    },
  },
  {
    name: 'postgres',
    enabled: pgt.enabled,
    async open() {
      return openRepositories(await pgt.createDatabase());
    },
  },
];

const DAY = 86400;
const T0 = 1463702400; // 2016-05-20 00:00 UTC, the Kazakhstan land protests

function event(over: Partial<ProtestEvent> & { id: string; title: string }): ProtestEvent {
  return {
    country: 'KZ',
    places: [{ name: 'Алматы', admin1: null, lat: null, lon: null }],
    start: T0,
    end: T0 + DAY,
    tz: 'Asia/Almaty',
    allDay: true,
    kind: 'protest',
    sources: ['https://example.org/source'],
    notes: null,
    tags: [],
    origin: 'import',
    originFile: 'kz.csv',
    originLine: 2,
    ...over,
  };
}

function outage(entity: string, start: number, hours: number, over: Partial<Outage> = {}): Outage {
  return {
    entity,
    start,
    end: start + hours * 3600,
    kind: 'connectivity',
    severity: 'critical',
    score: 1000 * hours,
    signals: [
      { signal: 'ioda.bgp', start, end: start + hours * 3600, severity: 'critical', depth: 0.5 + hours / 100, score: 10, lost: 0.4 },
    ],
    targets: [],
    evidence: [{ label: 'IODA', url: 'https://ioda.inetintel.cc.gatech.edu/' }],
    open: false,
    ...over,
  };
}

function ref(key: string, country: string, start: number, over: Partial<ReferenceOutage> = {}): ReferenceOutage {
  return {
    list: 'stop',
    naturalKey: key,
    country,
    start,
    end: start + DAY,
    kind: 'connectivity',
    scope: 'national',
    scopeRaw: 'National',
    scopeDetail: null,
    area: null,
    cause: null,
    services: [],
    source: 'https://example.org/stop',
    originFile: 'stop.csv',
    originLine: 2,
    raw: { row: key },
    ...over,
  };
}

for (const b of BACKENDS) {
  describe.skipIf(!b.enabled)(`repositories on ${b.name}`, () => {
    let r: Repositories;
    beforeEach(async () => {
      r = await b.open();
    });
    afterEach(async () => {
      await r.close();
    });

    it('calendar: filters, Cyrillic search in titles and places, sorted pages and counts', async () => {
      const events = [
        event({ id: 'kz-2016-05-21-land', title: 'Митинг против Земельного кодекса', start: T0 + DAY, end: T0 + 2 * DAY }),
        event({ id: 'kz-2016-05-20-eve', title: 'Eve gathering', places: [{ name: 'АТЫРАУ' }], kind: 'unrest' }),
        event({ id: 'by-2020-08-09-vote', title: 'Марш', country: 'BY', start: T0 + 100 * DAY, end: T0 + 101 * DAY, tz: 'Europe/Minsk' }),
      ];
      await r.calendar.upsertEvents(events, 1000, { seed_hash: 'abc' });
      expect(await r.calendar.getMeta('seed_hash')).toBe('abc');
      expect(await r.calendar.countEvents()).toBe(3);
      expect(await r.calendar.countEvents('seed')).toBe(0);

      // start then id
      expect((await r.calendar.listEvents()).map((e) => e.id)).toEqual(['kz-2016-05-20-eve', 'kz-2016-05-21-land', 'by-2020-08-09-vote']);
      expect((await r.calendar.listEvents({ country: 'kz' })).map((e) => e.id)).toEqual(['kz-2016-05-20-eve', 'kz-2016-05-21-land']);
      // overlapping [from, until)
      expect((await r.calendar.listEvents({ from: T0 + DAY, until: T0 + 2 * DAY })).map((e) => e.id)).toEqual(['kz-2016-05-21-land']);
      expect((await r.calendar.listEvents({ kind: 'unrest' })).map((e) => e.id)).toEqual(['kz-2016-05-20-eve']);
      // Unicode lower case: 'ЗЕМЕЛЬН' matches 'Земельного', a place 'атырау' matches 'АТЫРАУ', an id part matches
      expect((await r.calendar.listEvents({ text: 'ЗЕМЕЛЬН' })).map((e) => e.id)).toEqual(['kz-2016-05-21-land']);
      expect((await r.calendar.listEvents({ text: 'атырау' })).map((e) => e.id)).toEqual(['kz-2016-05-20-eve']);
      expect((await r.calendar.listEvents({ text: '2020-08' })).map((e) => e.id)).toEqual(['by-2020-08-09-vote']);
      expect(await r.calendar.countEventsWhere({ text: 'м' })).toBe(2);

      const byTitle = await r.calendar.pageEvents({}, { sort: 'title', dir: 'asc', limit: 2, offset: 0 });
      expect(byTitle.map((e) => e.title)).toEqual(['Eve gathering', 'Марш']);
      const next = await r.calendar.pageEvents({}, { sort: 'title', dir: 'asc', limit: 2, offset: 2 });
      expect(next.map((e) => e.id)).toEqual(['kz-2016-05-21-land']);
      const desc = await r.calendar.pageEvents({ country: 'KZ' }, { sort: 'start', dir: 'desc', limit: 10, offset: 0 });
      expect(desc.map((e) => e.id)).toEqual(['kz-2016-05-21-land', 'kz-2016-05-20-eve']);
      expect((await r.calendar.listUpcoming(T0 + 1.5 * DAY)).map((e) => e.id)).toEqual(['kz-2016-05-21-land', 'by-2020-08-09-vote']);

      const got = await r.calendar.getEvent('kz-2016-05-20-eve');
      expect(got).toMatchObject({ places: [{ name: 'АТЫРАУ', admin1: null, lat: null, lon: null }], allDay: true, createdAt: 1000 });
      expect((await r.calendar.findByNaturalKey('KZ', T0, 'Eve gathering'))?.id).toBe('kz-2016-05-20-eve');
      expect(await r.calendar.findByNaturalKey('KZ', T0, 'eve gathering')).toBeNull();

      // an update keeps created_at
      await r.calendar.upsertEvent({ ...got!, notes: 'updated' }, 2000);
      expect(await r.calendar.getEvent('kz-2016-05-20-eve')).toMatchObject({ notes: 'updated', createdAt: 1000, updatedAt: 2000 });
      expect(await r.calendar.removeEvent('kz-2016-05-20-eve')).toBe(true);
      expect(await r.calendar.removeEvent('kz-2016-05-20-eve')).toBe(false);
      expect(await r.calendar.getEvent('kz-2016-05-20-eve')).toBeNull();
    });

    it('calendar import session: staged rows read back in order; its writes seen by its reads; a failing transaction writes nothing', async () => {
      await r.calendar.upsertEvent(event({ id: 'kz-old', title: 'Old title' }), 5);
      const s = await r.calendar.openImport();
      try {
        const st = s.stage;
        for (let i = 0; i < 250; i++) st.add(i % 3 === 0 ? `KZ|${i % 6}` : null, JSON.stringify({ i }));
        st.flush();
        expect(st.groups(0, 10).map((g) => g.grp)).toEqual(['KZ|0', 'KZ|3']);
        expect(st.groupEvents('KZ|3').slice(0, 2)).toEqual([JSON.stringify({ i: 3 }), JSON.stringify({ i: 9 })]);
        const first = st.events(0, 2);
        expect(first.map((x) => x.event)).toEqual([JSON.stringify({ i: 1 }), JSON.stringify({ i: 2 })]);
        expect(st.events(first[1]!.seq, 1000)).toHaveLength(250 - 84 - 2);

        await expect(
          s.transaction(async () => {
            await s.upsertEvent(event({ id: 'kz-a', title: 'A' }), 10);
            expect((await s.getEvent('kz-a'))?.title).toBe('A');
            throw new Error('bad file');
          }),
        ).rejects.toThrow('bad file');
        expect(await r.calendar.getEvent('kz-a')).toBeNull();

        await s.transaction(async () => {
          // an update moves a stored event to another title: its old natural key is free for a new event
          await s.upsertEvent(event({ id: 'kz-old', title: 'New title' }), 10);
          expect(await s.findByNaturalKey('KZ', T0, 'Old title')).toBeNull();
          expect((await s.findByNaturalKey('KZ', T0, 'New title'))?.id).toBe('kz-old');
          await s.upsertEvent(event({ id: 'kz-b', title: 'Old title' }), 10);
          expect((await s.findByNaturalKey('KZ', T0, 'Old title'))?.id).toBe('kz-b');
          for (let i = 0; i < 1500; i++) await s.upsertEvent(event({ id: `kz-many-${i}`, title: `Событие ${i}` }), 10);
        });
      } finally {
        await s.close();
      }
      expect((await r.calendar.getEvent('kz-b'))?.title).toBe('Old title');
      expect(await r.calendar.getEvent('kz-old')).toMatchObject({ title: 'New title', createdAt: 5, updatedAt: 10 });
      expect(await r.calendar.countEventsWhere({ text: 'событие 14' })).toBe(111);
    });

    it('outages: replace is idempotent per entity and range; filters, parents, sorted pages, counts', async () => {
      const a = await r.outages.replaceOutages(
        'country:KZ',
        T0,
        T0 + 10 * DAY,
        [outage('country:KZ', T0, 5), outage('country:KZ', T0 + DAY, 2)],
        500,
      );
      expect(a.map((o) => o.id)).toHaveLength(2);
      expect(a[0]).toMatchObject({ entity: 'country:KZ', parent: null, lostPercent: 40, hours: 5, synthetic: false });
      // again over the same range: replaced, not doubled
      await r.outages.replaceOutages(
        'country:KZ',
        T0,
        T0 + 10 * DAY,
        [outage('country:KZ', T0, 5), outage('country:KZ', T0 + DAY, 2)],
        501,
      );
      await r.points.ensureEntity('region:1234', { name: 'Алматы', country: 'KZ' });
      await r.outages.replaceOutages('region:1234', T0, T0 + 10 * DAY, [outage('region:1234', T0 + 2 * DAY, 10, { severity: 'warning' })]);
      await r.outages.replaceOutages('asn:9198', T0, T0 + 10 * DAY, [outage('asn:9198', T0 + 3 * DAY, 1, { kind: 'service-blocking' })]);

      const all = await r.outages.listOutages();
      expect(all.map((o) => [o.entity, o.start])).toEqual([
        ['country:KZ', T0],
        ['country:KZ', T0 + DAY],
        ['region:1234', T0 + 2 * DAY],
        ['asn:9198', T0 + 3 * DAY],
      ]);
      expect(all[2]!.parent).toBe('country:KZ');
      expect((await r.outages.listOutages({ country: 'kz' })).map((o) => o.entity)).toEqual(['country:KZ', 'country:KZ', 'region:1234']);
      expect((await r.outages.listOutages({ entity: 'region:1234' })).map((o) => o.severity)).toEqual(['warning']);
      expect((await r.outages.listOutages({ from: T0 + DAY, until: T0 + 2 * DAY })).map((o) => o.start)).toEqual([T0 + DAY]);
      expect((await r.outages.listOutages({ kind: 'service-blocking' })).map((o) => o.entity)).toEqual(['asn:9198']);

      expect(await r.outages.countOutages()).toEqual({ total: 4, subnational: 1 });
      expect(await r.outages.countOutages({ parent: null })).toEqual({ total: 3, subnational: 0 });
      expect(await r.outages.countOutages({ parent: 'country:KZ' })).toEqual({ total: 1, subnational: 1 });
      expect(await r.outages.countOutages({ severity: 'warning' })).toEqual({ total: 1, subnational: 1 });

      const byDuration = await r.outages.pageOutages({}, { sort: 'duration', dir: 'desc', limit: 3, offset: 0 });
      expect(byDuration.map((o) => o.hours)).toEqual([10, 5, 2]);
      const byEntity = await r.outages.pageOutages({}, { sort: 'entity', dir: 'asc', limit: 10, offset: 1 });
      expect(byEntity.map((o) => o.entity)).toEqual(['country:KZ', 'country:KZ', 'region:1234']);
      const byDepth = await r.outages.pageOutages({ parent: null }, { sort: 'depth', dir: 'asc', limit: 10, offset: 0 });
      expect(byDepth.map((o) => o.hours)).toEqual([1, 2, 5]);
      const byLoss = await r.outages.pageOutages({}, { sort: 'loss', dir: 'desc', limit: 1, offset: 0 });
      expect(byLoss[0]!.entity).toBe('region:1234');

      const groups = await r.outages.outageParentGroups();
      expect(groups).toEqual([
        {
          parent: 'country:KZ',
          count: 1,
          entities: 1,
          types: ['region'],
          from: T0 + 2 * DAY,
          until: T0 + 2 * DAY + 36000,
          synthetic: false,
        },
      ]);
      const one = await r.outages.getOutage(all[3]!.id!);
      expect(one).toMatchObject({ entity: 'asn:9198', signals: all[3]!.signals, evidence: all[3]!.evidence });
      expect(await r.outages.getOutage(999999)).toBeUndefined();
      await expect(r.outages.replaceOutages('country:KZ', T0, T0 + DAY, [outage('country:BY', T0, 1)])).rejects.toThrow(/country:BY/);
      expect(await r.outages.countOutages()).toEqual({ total: 4, subnational: 1 });
    });

    it('alerts: a change is recorded once; deliveries queue once, go due, succeed or fail', async () => {
      const payload = { outage: { entity: 'country:KZ', end: '2016-05-21T00:00:00.000Z' } };
      const c = await r.alerts.recordChange({
        key: 'k1',
        entity: 'country:KZ',
        change: 'started',
        at: T0,
        payload,
        announced: true,
        now: 100,
      });
      expect(c).toMatchObject({ key: 'k1', announced: true, payload });
      expect(
        await r.alerts.recordChange({ key: 'k1', entity: 'country:KZ', change: 'started', at: T0, payload, announced: true, now: 101 }),
      ).toBeNull();
      expect(await r.alerts.changeRecorded('k1')).toBe(true);
      expect(await r.alerts.changeRecorded('k2')).toBe(false);
      await r.alerts.recordChange({
        key: 'k2',
        entity: 'country:KZ',
        change: 'ended',
        at: T0 + DAY,
        payload: {},
        announced: false,
        now: 102,
      });
      expect(await r.alerts.startedChanges('country:KZ', T0, T0 + 1)).toEqual([{ at: T0, outageEnd: T0 + DAY }]);
      expect((await r.alerts.listChanges()).map((x) => x.key)).toEqual(['k2', 'k1']);
      expect((await r.alerts.listChanges({ entity: 'country:KZ', limit: 1 })).map((x) => x.key)).toEqual(['k2']);

      await r.alerts.queueDelivery(c!.id, 'https://hooks.example/a', 100);
      await r.alerts.queueDelivery(c!.id, 'https://hooks.example/a', 100);
      await r.alerts.queueDelivery(c!.id, 'https://hooks.example/b', 200);
      expect((await r.alerts.dueDeliveries(150)).map((d) => [d.url, d.payload])).toEqual([['https://hooks.example/a', payload]]);
      const [d1, d2] = await r.alerts.dueDeliveries(300);
      await r.alerts.markDelivered(d1!.id, 1, 300);
      await r.alerts.markAttemptFailed(d2!.id, 1, 'HTTP 500', 400);
      expect(await r.alerts.dueDeliveries(350)).toEqual([]);
      await r.alerts.markAttemptFailed(d2!.id, 2, 'HTTP 500', null);
      expect(await r.alerts.listDeliveries()).toMatchObject([
        { url: 'https://hooks.example/a', status: 'sent', attempts: 1, sentAt: 300, lastError: null },
        { url: 'https://hooks.example/b', status: 'failed', attempts: 2, lastError: 'HTTP 500', nextAttempt: null },
      ]);
    });

    it('reference: repeats update, lists and files summarised, Cyrillic search, scope filter, sorted pages', async () => {
      const w1 = await r.reference.upsertReferenceOutages(
        'stop',
        'accessnow-stop',
        'stop-2022.csv',
        [
          ref('a', 'KZ', T0, { cause: 'Протесты в Жанаозене', end: null }),
          ref('b', 'IR', T0 + DAY, { scope: 'regional', scopeRaw: 'Region (Khuzestan)', area: 'Khuzestan', services: ['WhatsApp'] }),
          ref('c', 'IN', T0 + 2 * DAY, { scope: 'local', area: 'Jammu and Kashmir', kind: null }),
        ],
        { rejected: 1 },
        1000,
      );
      expect(w1).toEqual({ inserted: 3, repeated: 0 });
      const w2 = await r.reference.upsertReferenceOutages(
        'stop',
        'accessnow-stop',
        'stop-2023.csv',
        [ref('a', 'KZ', T0, { end: T0 + 3 * DAY, scope: 'unknown', scopeRaw: null, services: ['Telegram'] })],
        { rejected: 0 },
        2000,
      );
      expect(w2).toEqual({ inserted: 0, repeated: 1 });
      await r.reference.upsertReferenceOutages('ioda', 'ioda', null, [ref('x', 'KZ', T0, { list: 'ioda' })], { rejected: 0 }, 3000);

      const a = (await r.reference.listReferenceOutages({ list: 'stop', country: 'kz' }))[0]!;
      // a known end over an unknown one; a known scope kept over 'unknown'; services merged
      expect(a).toMatchObject({ end: T0 + 3 * DAY, scope: 'national', scopeRaw: 'National', services: ['Telegram'], raw: { row: 'a' } });
      expect((await r.reference.listReferenceOutages({ list: 'stop' })).map((x) => x.naturalKey)).toEqual(['a', 'b', 'c']);
      expect((await r.reference.listReferenceOutages({ list: 'stop', text: 'ЖАНАОЗЕН' })).map((x) => x.naturalKey)).toEqual(['a']);
      expect((await r.reference.listReferenceOutages({ list: 'stop', text: 'whatsapp' })).map((x) => x.naturalKey)).toEqual(['b']);
      expect((await r.reference.listReferenceOutages({ list: 'stop', scope: 'local' })).map((x) => x.naturalKey)).toEqual(['c']);
      expect(await r.reference.countReferenceOutages({ list: 'stop', from: T0 + 2 * DAY + 1 })).toBe(2);
      const byKind = await r.reference.pageReferenceOutages({ list: 'stop' }, { sort: 'kind', dir: 'desc', limit: 10, offset: 0 });
      expect(byKind.map((x) => x.naturalKey)).toEqual(['a', 'b', 'c']); // nulls last either way
      const byArea = await r.reference.pageReferenceOutages({ list: 'stop' }, { sort: 'area', dir: 'asc', limit: 1, offset: 1 });
      expect(byArea.map((x) => x.naturalKey)).toEqual(['b']);

      expect(await r.reference.referenceListNames()).toEqual(['ioda', 'stop']);
      expect(await r.reference.referenceListExists('stop')).toBe(true);
      expect(await r.reference.referenceListExists('nope')).toBe(false);
      const list = await r.reference.getReferenceList('stop');
      expect(list).toMatchObject({
        name: 'stop',
        format: 'accessnow-stop',
        count: 3,
        countries: 3,
        first: T0,
        lastStart: T0 + 2 * DAY,
        createdAt: 1000,
        updatedAt: 2000,
        kinds: { connectivity: 2, unspecified: 1 },
        scopes: { national: 1, regional: 1, local: 1 },
      });
      expect(list!.files.map((f) => [f.file, f.imported, f.rejected, f.duplicates])).toEqual([
        ['stop-2022.csv', 3, 1, 0],
        ['stop-2023.csv', 0, 0, 1],
      ]);
      expect((await r.reference.listReferenceLists()).map((l) => l.name)).toEqual(['ioda', 'stop']);
    });
  });
}
