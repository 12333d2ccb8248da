import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { countEvents, getEvent, listEvents, removeEvent, upsertEvent } from '../../../db/calendar.js';
import { parseSeed, readSeedText, SeedError, seedCalendarIfChanged, seedCalendarRepository } from '../../../services/calendar/seed.js';
import { sqliteRepositories } from '../../../db/sqlite-repositories.js';
import { STARTUP_TASKS } from '../../../services/startup.js';
import { DEMO_STEPS } from '../../../services/demo/steps.js';
import { loadConfig } from '../../../services/program-config.js';
import { createLogger } from '../../../core/logger.js';
import { tempStore } from '../../helpers.js';
import { ev, iso } from './helpers.js';

let t: ReturnType<typeof tempStore>;
afterEach(() => t?.cleanup());

describe('the built-in seed', () => {
  it('loads all 20 events, each with its sources, keeping the UNVERIFIED remarks', async () => {
    t = tempStore();
    const r = await seedCalendarRepository(sqliteRepositories(t.store).calendar);
    expect([r.total, r.inserted]).toEqual([20, 20]);
    const events = listEvents(t.store.db);
    expect(events).toHaveLength(20);
    expect(events.every((e) => e.sources.length > 0 && e.origin === 'seed')).toBe(true);
    const may21 = getEvent(t.store.db, 'kz-2016-05-21-land-protests')!;
    expect([iso(may21.start), iso(may21.end), may21.tz, may21.kind]).toEqual([
      '2016-05-20T18:00:00Z',
      '2016-05-21T18:00:00Z',
      'Asia/Almaty',
      'protest',
    ]);
    expect(may21.places.map((p) => p.name)).toEqual(['Almaty', 'Astana', 'Atyrau', 'Oral', 'Shymkent', 'Karaganda', 'Zhezkazgan']);
    expect(may21.notes).toContain("UNVERIFIED: the claim that Beeline, Kcell and Kazakhtelecom blamed 'technical issues'");
    expect(may21.tags).toContain('unverified');
    expect(may21.sources).toContain('https://www.rferl.org/a/kazakhstan-protests/27748591.html');
    expect([may21.originFile, may21.originLine]).toEqual(['db/seeds/calendar.json', 75]);
    // the seed file is the shared research file, verbatim
    expect(readSeedText()).toBe(readFileSync(join(import.meta.dirname, '..', '..', '..', 'db', 'seeds', 'calendar.json'), 'utf8'));
    // Mahsa Amini protests: start in Iran's summer time, end in winter time
    const ir = getEvent(t.store.db, 'ir-2022-09-mahsa-amini-protests')!;
    expect([iso(ir.start), iso(ir.end)]).toEqual(['2022-09-18T19:30:00Z', '2022-12-25T20:30:00Z']);
  });

  it('public notes speak to readers, not to the developers (no tool instructions or internal data-set names)', async () => {
    t = tempStore();
    await seedCalendarRepository(sqliteRepositories(t.store).calendar);
    const notes = listEvents(t.store.db).map((e) => `${e.id}: ${e.notes ?? ''}`);
    // the notes appear on the calendar, event pages and reports; these phrases were instructions for the code or the research
    for (const n of notes) expect(n).not.toMatch(/correlator|lookback|heldout|was not read here|in this research|>=\s*\d/i);
    expect(getEvent(t.store.db, 'kz-2016-05-21-land-protests')!.notes).toContain('Western cities (Atyrau, Oral, Aktobe) are UTC+05');
  });

  it('reloading updates seed rows and never touches the user’s own events', async () => {
    t = tempStore();
    await seedCalendarRepository(sqliteRepositories(t.store).calendar);
    const mine = ev({
      title: 'My own rally',
      country: 'KZ',
      start: '2016-05-21',
      tz: 'Asia/Almaty',
      sources: ['https://example.org/mine'],
      kind: 'protest',
    });
    upsertEvent(t.store.db, mine, 100);
    // the user took over one seed id with their own version
    const takeover = { ...getEvent(t.store.db, 'kz-2019-05-01-almaty-protest')!, origin: 'manual' as const, notes: 'my notes' };
    upsertEvent(t.store.db, takeover, 100);
    // a seed row was edited behind the seed's back
    upsertEvent(t.store.db, { ...getEvent(t.store.db, 'kz-2016-05-21-land-protests')!, title: 'tampered' }, 100);

    const r = await seedCalendarRepository(sqliteRepositories(t.store).calendar);
    expect([r.inserted, r.updated, r.unchanged, r.keptUser]).toEqual([0, 1, 18, ['kz-2019-05-01-almaty-protest']]);
    expect(getEvent(t.store.db, 'kz-2016-05-21-land-protests')!.title).toBe('Nationwide anti-land-reform protest day; mass detentions');
    expect(getEvent(t.store.db, 'kz-2019-05-01-almaty-protest')!.notes).toBe('my notes');
    expect(getEvent(t.store.db, mine.id)).toMatchObject({ title: 'My own rally', updatedAt: 100 });
    expect(countEvents(t.store.db)).toBe(21);
  });

  it('on daemon start loads only when never loaded or when the seed changed: a removed seed event stays removed', async () => {
    t = tempStore();
    expect((await seedCalendarIfChanged(sqliteRepositories(t.store).calendar))?.inserted).toBe(20);
    removeEvent(t.store.db, 'mm-2021-02-01-coup');
    expect(await seedCalendarIfChanged(sqliteRepositories(t.store).calendar)).toBeNull();
    expect(getEvent(t.store.db, 'mm-2021-02-01-coup')).toBeNull();
    // `calendar seed` (explicit) brings it back
    expect((await seedCalendarRepository(sqliteRepositories(t.store).calendar)).inserted).toBe(1);
  });

  it('is registered as a startup task and as the first demo step', async () => {
    t = tempStore();
    const config = loadConfig({ flags: { db: t.path, logLevel: 'silent' } });
    const log = createLogger('silent');
    const task = STARTUP_TASKS.find((s) => s.name === 'calendar-seed')!;
    await task.run({ db: sqliteRepositories(t.store), config, log });
    expect(countEvents(t.store.db, 'seed')).toBe(20);
    expect(DEMO_STEPS[0]!.name).toBe('calendar seed');
    expect(await DEMO_STEPS[0]!.run({ repos: sqliteRepositories(t.store), config, log, root: '.' })).toMatch(
      /^calendar: 20 seed events \(0 new, 0 updated, 20 unchanged\)/,
    );
    // loaded once: a seed event the user removed stays removed at the next start
    removeEvent(t.store.db, 'mm-2021-02-01-coup');
    await task.run({ db: sqliteRepositories(t.store), config, log });
    expect(countEvents(t.store.db, 'seed')).toBe(19);
  });

  it('a broken seed is refused whole, naming the entry line and field', () => {
    const text = JSON.stringify(
      [
        {
          id: 'kz-x',
          title: 'X',
          country: 'KZ',
          start: '2016-05-21',
          end: '2016-05-21',
          timezone: 'Asia/Almaty',
          kind: 'protest',
          sources: [],
        },
      ],
      null,
      2,
    );
    expect(() => parseSeed(text)).toThrow(SeedError);
    expect(() => parseSeed(text)).toThrow('db/seeds/calendar.json:2: sources: every seed event needs a source URL');
  });
});
