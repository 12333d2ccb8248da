import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { countEvents, getEvent, listEvents } from '../../../db/calendar.js';
import { onCalendarChange, type CalendarChange } from '../../../services/calendar/events.js';
import { exportEvents } from '../../../services/calendar/export.js';
import { importCalendarFile } from '../../../services/calendar/import.js';
import { parseMapSpec } from '../../../services/calendar/importers/csv.js';
import { eventToJson } from '../../../services/calendar/json.js';
import { formatRowError } from '../../../services/calendar/validate.js';
import { SqliteCalendarRepository } from '../../../db/sqlite-repositories.js';
import type { SqliteStore } from '../../../db/store.js';
import { tempStore } from '../../helpers.js';
import { fixture, iso } from './helpers.js';

const MAP = parseMapSpec('title=name,country=cc,start=date,end=until,tz=zone,kind=type,sources=link,notes=comment');
let t: ReturnType<typeof tempStore>;
const calendarOf = (store: SqliteStore) => new SqliteCalendarRepository(store.db);
afterEach(() => t?.cleanup());

describe('ACLED import', () => {
  it('turns Protests and Riots rows into one event per country and local day, with all places and notes', async () => {
    t = tempStore();
    const r = await importCalendarFile(calendarOf(t.store), fixture('acled-sample.csv'), {
      format: 'acled',
      displayName: 'acled-sample.csv',
      now: 1000,
    });
    expect([r.rows, r.skipped, r.rejected, r.inserted]).toEqual([11, 1, 3, 4]);
    const jan2 = getEvent(t.store.db, 'kz-2022-01-02-acled')!;
    // Zhanaozen and Aktau (UTC+5) outnumber Almaty: the day is read in Asia/Aqtau
    expect([jan2.tz, iso(jan2.start), iso(jan2.end), jan2.kind]).toEqual([
      'Asia/Aqtau',
      '2022-01-01T19:00:00Z',
      '2022-01-02T19:00:00Z',
      'unrest',
    ]);
    expect(jan2.places.map((p) => p.name)).toEqual(['Zhanaozen', 'Aktau', 'Almaty']);
    expect(jan2.places[0]).toMatchObject({ admin1: 'Mangystau', lat: 43.3412, lon: 52.8619 });
    expect(jan2.notes).toContain('TST1002 [Example Daily; Example Weekly]: Invented test row: drivers joined the protest.');
    expect(jan2.sources).toEqual(['https://acleddata.com/']);
    // "21 May 2016" (web style) merges with the ISO-dated row of the same day; tie → the country's main zone
    const may21 = getEvent(t.store.db, 'kz-2016-05-21-acled')!;
    expect([may21.tz, iso(may21.start), may21.places.length]).toEqual(['Asia/Almaty', '2016-05-20T18:00:00Z', 2]);
    expect(getEvent(t.store.db, 'by-2020-08-09-acled')).toMatchObject({ country: 'BY', tz: 'Europe/Minsk' });
    expect(getEvent(t.store.db, 'kz-2022-01-04-acled')!.tz).toBe('Asia/Atyrau');
  });

  it('reports each bad row as FILE:LINE: field: reason, counting physical lines (a note spans two)', async () => {
    t = tempStore();
    const r = await importCalendarFile(calendarOf(t.store), fixture('acled-sample.csv'), {
      format: 'acled',
      displayName: 'acled-sample.csv',
    });
    expect(r.errors.map(formatRowError)).toEqual([
      'acled-sample.csv:8: event_date: impossible date "2022-02-30"',
      'acled-sample.csv:9: iso: unknown ISO 3166 numeric country code "999"',
      'acled-sample.csv:10: location: missing',
    ]);
  });

  it('--no-merge keeps one event per row with a stable id from event_id_cnty', async () => {
    t = tempStore();
    const r = await importCalendarFile(calendarOf(t.store), fixture('acled-sample.csv'), { format: 'acled', merge: false });
    expect(r.inserted).toBe(7);
    const e = getEvent(t.store.db, 'kz-acled-tst1005')!;
    expect(e.title).toBe('Protest with intervention in Atyrau (ACLED TST1005)');
    expect(e.notes).toContain('notes over two lines:\npolice detained');
    expect(e.originLine).toBe(6);
  });

  it('rejects a file that lacks the ACLED columns', async () => {
    t = tempStore();
    const r = await importCalendarFile(calendarOf(t.store), fixture('mapped.csv'), { format: 'acled', displayName: 'mapped.csv' });
    expect(r.errors.map(formatRowError)[0]).toMatch(
      /^mapped\.csv:1: header: not an ACLED export: missing columns event_id_cnty, event_date/,
    );
    expect(countEvents(t.store.db)).toBe(0);
  });
});

describe('a bad CSV quote costs only its row', () => {
  // The real ACLED sample (a note spanning two lines included) with one row broken the two ways a hand-edited
  // export breaks: a stray quote inside an unquoted field, and a quoted note that is never closed. Rows before
  // AND after the broken one must be imported.
  const sample = () => readFileSync(fixture('acled-sample.csv'), 'utf8').split('\n');
  const write = (lines: string[]) => {
    const path = join(t.dir, 'acled-broken.csv');
    writeFileSync(path, lines.join('\n'));
    return path;
  };

  it('ACLED: a stray quote in a location (line 3) is reported; the other rows are imported', async () => {
    t = tempStore();
    const lines = sample();
    lines[2] = lines[2]!.replace(',Aktau,,Aktau,', ',Aktau,,Ak"tau,');
    const r = await importCalendarFile(calendarOf(t.store), write(lines), {
      format: 'acled',
      displayName: 'acled-broken.csv',
      merge: false,
    });
    const errs = r.errors.map(formatRowError);
    expect(errs[0]).toMatch(/^acled-broken\.csv:3: location: bad CSV quote: a quote inside an unquoted field/);
    expect(errs.slice(1)).toEqual([
      'acled-broken.csv:8: event_date: impossible date "2022-02-30"',
      'acled-broken.csv:9: iso: unknown ISO 3166 numeric country code "999"',
      'acled-broken.csv:10: location: missing',
    ]);
    expect(r.rows).toBe(11);
    expect(getEvent(t.store.db, 'kz-acled-tst1001')).not.toBeNull(); // before
    expect(getEvent(t.store.db, 'kz-acled-tst1002')).toBeNull(); // the broken row
    expect(getEvent(t.store.db, 'kz-acled-tst1005')!.originLine).toBe(6); // after, spanning two lines
    expect(getEvent(t.store.db, 'by-acled-tst2001')).not.toBeNull(); // the last row
    expect(r.inserted).toBe(6);
  });

  it('ACLED: a quoted note never closed (line 4) costs that row only', async () => {
    t = tempStore();
    const lines = sample();
    lines[3] = lines[3]!.replace(',National,Invented test row: a cr', ',National,"Invented test row: a cr');
    expect(lines[3]).toContain('"Invented');
    const r = await importCalendarFile(calendarOf(t.store), write(lines), {
      format: 'acled',
      displayName: 'acled-broken.csv',
      merge: false,
    });
    expect(r.errors.map(formatRowError)[0]).toMatch(/^acled-broken\.csv:4: (notes|row): bad CSV quote/);
    expect(r.errors.filter((e) => e.line !== 4).map((e) => e.line)).toEqual([8, 9, 10]);
    expect(getEvent(t.store.db, 'kz-acled-tst1003')).toBeNull();
    expect(['tst1001', 'tst1002', 'tst1005', 'tst1009', 'tst1010'].map((id) => getEvent(t.store.db, `kz-acled-${id}`) !== null)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(getEvent(t.store.db, 'by-acled-tst2001')).not.toBeNull();
  });

  it('plain CSV: a stray quote after a closing quote (line 3) is reported; rows 2, 4 and 5 are read', async () => {
    t = tempStore();
    const path = join(t.dir, 'broken.csv');
    writeFileSync(
      path,
      'title,country,start,tz\nRally A,KZ,2016-05-21,Asia/Almaty\n"Rally "B" x,KZ,2016-05-22,Asia/Almaty\nRally C,KZ,2016-05-23,Asia/Almaty\nRally D,KZ,2016-05-24,Asia/Almaty\n',
    );
    const r = await importCalendarFile(calendarOf(t.store), path, { format: 'csv', displayName: 'broken.csv' });
    expect(r.errors.map(formatRowError)).toEqual([
      expect.stringMatching(/^broken\.csv:3: title: bad CSV quote: a closing quote is followed by text/),
    ]);
    expect(
      listEvents(t.store.db)
        .map((e) => e.title)
        .sort(),
    ).toEqual(['Rally A', 'Rally C', 'Rally D']);
  });
});

describe('importing the same file twice changes nothing', () => {
  for (const [format, file, extra] of [
    ['acled', 'acled-sample.csv', {}],
    ['csv', 'mapped.csv', { map: MAP }],
    ['json', 'events.json', {}],
    ['ics', 'events.ics', { country: 'KZ' }],
  ] as const) {
    it(format, async () => {
      t = tempStore();
      const first = await importCalendarFile(calendarOf(t.store), fixture(file), { format, now: 1000, ...extra });
      expect(first.inserted).toBeGreaterThan(0);
      const before = listEvents(t.store.db);
      const again = await importCalendarFile(calendarOf(t.store), fixture(file), { format, now: 2000, ...extra });
      expect([again.inserted, again.updated, again.unchanged]).toEqual([0, 0, first.inserted]);
      expect(listEvents(t.store.db)).toEqual(before); // updated_at untouched too
    });
  }
});

describe('plain CSV, JSON and iCalendar', () => {
  it('CSV with --map: good rows in, every bad kind reported by the column the user named', async () => {
    t = tempStore();
    const r = await importCalendarFile(calendarOf(t.store), fixture('mapped.csv'), { format: 'csv', map: MAP, displayName: 'mapped.csv' });
    expect(r.errors.map(formatRowError)).toEqual([
      'mapped.csv:4: name: missing',
      'mapped.csv:5: cc: unknown country "XX" (expected an ISO 3166-1 alpha-2 code such as KZ)',
      'mapped.csv:6: until: ends before it starts (2016-05-20 is before 2016-05-22)',
      'mapped.csv:7: zone: unknown time zone "Asia/Nowhere" (expected an IANA zone such as Asia/Almaty)',
      'mapped.csv:8: date: impossible date "2016-02-30"',
    ]);
    expect(listEvents(t.store.db).map((e) => e.title)).toEqual(['Rally A', 'Evening vigil']);
    const vigil = listEvents(t.store.db, { country: 'IR' })[0]!;
    // 23:30 on 21 Sep 2022 was still UTC+4:30; 01:00 on the 22nd is UTC+3:30 (the repeated hour lies between)
    expect([iso(vigil.start), iso(vigil.end)]).toEqual(['2022-09-21T19:00:00Z', '2022-09-21T21:30:00Z']);
  });

  it('CSV without a title column says how to map one', async () => {
    t = tempStore();
    const r = await importCalendarFile(calendarOf(t.store), fixture('mapped.csv'), { format: 'csv', displayName: 'mapped.csv' });
    expect(r.errors.map(formatRowError)).toContain('mapped.csv:1: header: no column for title (name one with --map title=COLUMN)');
  });

  it('JSON: every element validated, errors at the line the element starts', async () => {
    t = tempStore();
    const r = await importCalendarFile(calendarOf(t.store), fixture('events.json'), { format: 'json', displayName: 'events.json' });
    expect(r.errors.map(formatRowError)).toEqual([
      'events.json:23: kind: unknown kind "march" (expected protest, election, unrest, anniversary, other)',
      'events.json:23: end: ends before it starts (2016-05-19 is before 2016-05-21)',
      'events.json:30: row: expected an object',
    ]);
    const blocking = getEvent(t.store.db, 'kz-2016-05-20-blocking-starts')!;
    expect([blocking.country, blocking.tz, iso(blocking.start), iso(blocking.end), blocking.allDay]).toEqual([
      'KZ',
      'Asia/Almaty',
      '2016-05-19T21:00:00Z',
      '2016-05-21T18:00:00Z',
      false,
    ]);
    // future dates are allowed: an upcoming anniversary
    expect(getEvent(t.store.db, 'kz-2026-05-21-anniversary-land-protests')).toMatchObject({ kind: 'anniversary' });
  });

  it('iCalendar: TZID, DATE (DTEND exclusive) and UTC+DURATION events; unknown TZID and missing country reported', async () => {
    t = tempStore();
    const none = await importCalendarFile(calendarOf(t.store), fixture('events.ics'), {
      format: 'ics',
      displayName: 'events.ics',
      dryRun: true,
    });
    expect(none.errors.map(formatRowError)[0]).toBe('events.ics:4: X-OUTAGEWATCH-COUNTRY (or --country): missing');
    const r = await importCalendarFile(calendarOf(t.store), fixture('events.ics'), {
      format: 'ics',
      displayName: 'events.ics',
      country: 'KZ',
    });
    expect(r.errors.map(formatRowError)).toEqual([
      'events.ics:28: TZID: unknown time zone "Asia/Nowhere" (expected an IANA zone such as Asia/Almaty)',
    ]);
    const [ny, rally, shutdown] = [listEvents(t.store.db)[1]!, listEvents(t.store.db)[0]!, listEvents(t.store.db)[2]!];
    expect([iso(rally.start), iso(rally.end), rally.tz, rally.sources]).toEqual([
      '2016-05-21T05:00:00Z',
      '2016-05-21T09:00:00Z',
      'Asia/Almaty',
      ['https://example.org/astana'],
    ]);
    expect([iso(ny.start), iso(ny.end), ny.kind, ny.tags]).toEqual([
      '2021-12-30T18:00:00Z',
      '2022-01-01T18:00:00Z',
      'unrest',
      ['unrest', 'watch'],
    ]);
    expect([iso(shutdown.start), iso(shutdown.end)]).toEqual(['2022-01-05T10:30:00Z', '2022-01-05T14:30:00Z']);
  });

  it('two rows of one file naming the same event: the later one is reported as a duplicate', async () => {
    t = tempStore();
    const path = join(t.dir, 'dup.csv');
    writeFileSync(path, 'title,country,start,tz\nRally,KZ,2016-05-21,Asia/Almaty\nRally,KZ,2016-05-21,Asia/Almaty\n');
    const r = await importCalendarFile(calendarOf(t.store), path, { format: 'csv', displayName: 'dup.csv' });
    expect(r.errors.map(formatRowError)).toEqual(['dup.csv:3: id: duplicate of the event on line 2 (same id kz-2016-05-21-rally)']);
    expect(r.inserted).toBe(1);
  });
});

describe('writes', () => {
  it('--dry-run reports the plan and errors but writes nothing', async () => {
    t = tempStore();
    const r = await importCalendarFile(calendarOf(t.store), fixture('acled-sample.csv'), { format: 'acled', dryRun: true });
    expect([r.inserted, r.errors.length]).toEqual([4, 3]);
    expect(countEvents(t.store.db)).toBe(0);
  });

  it('never half-writes: when the database fails mid-import, none of the good rows stay', async () => {
    t = tempStore();
    t.store.db.exec(
      `CREATE TRIGGER boom BEFORE INSERT ON protest_events WHEN NEW.country = 'BY' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`,
    );
    await expect(importCalendarFile(calendarOf(t.store), fixture('acled-sample.csv'), { format: 'acled' })).rejects.toThrow('disk on fire');
    expect(countEvents(t.store.db)).toBe(0);
  });

  it('a large file is staged, not held: the report lists the first 1,000 changes with exact counts, a mid-file failure still writes nothing, and no scratch table stays', async () => {
    // stands for a multi-year ACLED or user CSV export (issue 19: 1,000,000 rows held in memory before writing)
    t = tempStore();
    const path = join(t.dir, 'many.csv');
    const lines = ['title,country,start,tz'];
    for (let i = 0; i < 2500; i++)
      lines.push(`Rally ${i},KZ,${new Date(Date.UTC(2016, 0, 1) + i * 86_400_000).toISOString().slice(0, 10)},Asia/Almaty`);
    lines.push('Rally 5,KZ,2016-01-06,Asia/Almaty'); // a duplicate of line 7, found after 2,500 staged rows
    writeFileSync(path, `${lines.join('\n')}\n`);
    const scratch = () => t.store.db.prepare("SELECT count(*) AS n FROM sqlite_temp_master WHERE type = 'table'").get() as { n: number };
    t.store.db.exec(
      `CREATE TRIGGER boom BEFORE INSERT ON protest_events WHEN NEW.title = 'Rally 2400' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`,
    );
    await expect(importCalendarFile(calendarOf(t.store), path, { format: 'csv', displayName: 'many.csv' })).rejects.toThrow('disk on fire');
    expect(countEvents(t.store.db)).toBe(0);
    expect(scratch().n).toBe(0);
    t.store.db.exec('DROP TRIGGER boom');
    const r = await importCalendarFile(calendarOf(t.store), path, { format: 'csv', displayName: 'many.csv' });
    expect([r.rows, r.inserted, r.events, r.rejected]).toEqual([2501, 2500, 2500, 1]);
    expect(r.changes).toHaveLength(1000);
    expect(r.changesOmitted).toBe(1500);
    expect(r.changes[0]!.event.title).toBe('Rally 0');
    expect(r.errors.map(formatRowError)).toEqual(['many.csv:2502: id: duplicate of the event on line 7 (same id kz-2016-01-06-rally-5)']);
    expect(countEvents(t.store.db)).toBe(2500);
    expect(scratch().n).toBe(0);
  });

  it('tells in-process listeners what was added, then updated', async () => {
    t = tempStore();
    const seen: CalendarChange[] = [];
    const off = onCalendarChange((c) => seen.push(c));
    try {
      await importCalendarFile(calendarOf(t.store), fixture('events.json'), { format: 'json' });
      const path = join(t.dir, 'edit.json');
      writeFileSync(
        path,
        JSON.stringify([
          {
            id: 'kz-2016-05-20-blocking-starts',
            title: 'Social networks unreachable',
            country: 'KZ',
            start: '2016-05-20T03:00',
            end: '2016-05-21T18:00:00Z',
            tz: 'Asia/Almaty',
            allDay: false,
            kind: 'other',
            notes: 'edited',
          },
        ]),
      );
      await importCalendarFile(calendarOf(t.store), path, { format: 'json' });
    } finally {
      off();
    }
    expect(seen.map((c) => [c.cause, c.added.length, c.updated])).toEqual([
      ['import', 2, []],
      ['import', 0, ['kz-2016-05-20-blocking-starts']],
    ]);
    expect(getEvent(t.store.db, 'kz-2016-05-20-blocking-starts')!.updatedAt).toBeGreaterThan(0);
  });
});

describe('export', () => {
  it('CSV cells that start with = + - @ are neutralised, and the export imports back unchanged', async () => {
    t = tempStore();
    await importCalendarFile(calendarOf(t.store), fixture('mapped.csv'), { format: 'csv', map: MAP });
    const path = join(t.dir, 'x.csv');
    writeFileSync(path, 'title,country,start,tz,notes,tags\n-1 dead at rally,KZ,2016-05-22,Asia/Almaty,@admin +7 =2+2,"=cmd,ok"\n');
    await importCalendarFile(calendarOf(t.store), path, { format: 'csv' });
    const csv = await exportEvents(listEvents(t.store.db), 'csv', { generatedAt: 0 });
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(csv).toContain(`'-1 dead at rally`);
    expect(csv).toContain(`'@admin +7 =2+2`);
    expect(csv).toContain(`'=cmd, ok`);
    expect(csv.split('\n').every((line) => !/(^|,)[=+\-@]/.test(line))).toBe(true);

    const out = join(t.dir, 'export.csv');
    writeFileSync(out, csv);
    const before = listEvents(t.store.db).map(eventToJson);
    const t2 = tempStore();
    try {
      const r = await importCalendarFile(calendarOf(t2.store), out, { format: 'csv' });
      expect(r.errors).toEqual([]);
      const after = listEvents(t2.store.db).map(eventToJson);
      const strip = (j: ReturnType<typeof eventToJson>) => ({ ...j, origin: null, places: j.places.map((p) => p.name) });
      expect(after.map(strip)).toEqual(before.map(strip));
    } finally {
      t2.cleanup();
    }
  });

  it('ICS round trip: export then import gives the same events (zones, places, sources, times)', async () => {
    t = tempStore();
    await importCalendarFile(calendarOf(t.store), fixture('events.json'), { format: 'json' });
    await importCalendarFile(calendarOf(t.store), fixture('events.ics'), { format: 'ics', country: 'KZ' });
    await importCalendarFile(calendarOf(t.store), fixture('acled-sample.csv'), { format: 'acled' });
    const before = listEvents(t.store.db);
    const ics = await exportEvents(before, 'ics', { generatedAt: 1_700_000_000 });
    expect(ics.split('\r\n').every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
    const path = join(t.dir, 'cal.ics');
    writeFileSync(path, ics);
    const t2 = tempStore();
    try {
      const r = await importCalendarFile(calendarOf(t2.store), path, { format: 'ics' });
      expect(r.errors).toEqual([]);
      const strip = (e: (typeof before)[number]) => ({ ...eventToJson(e), origin: null });
      expect(listEvents(t2.store.db).map(strip)).toEqual(before.map(strip));
    } finally {
      t2.cleanup();
    }
  });
});

describe('hostile and mis-encoded calendar files', () => {
  const ics = (vevents: string) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', vevents, 'END:VCALENDAR', ''].join('\r\n');
  const vevent = (uid: string, summary: string, extra = '') =>
    [
      'BEGIN:VEVENT',
      `UID:${uid}`,
      'DTSTAMP:20160501T000000Z',
      'DTSTART;VALUE=DATE:20160521',
      `SUMMARY:${summary}`,
      'X-OUTAGEWATCH-COUNTRY:KZ',
      ...(extra ? [extra] : []),
      'END:VEVENT',
    ].join('\r\n');

  it('an iCalendar row reported as rejected is not imported', async () => {
    t = tempStore();
    const path = join(t.dir, 'bad-places.ics');
    writeFileSync(path, ics([vevent('a@x', 'Rally', 'X-OUTAGEWATCH-PLACES:[{"name": "Almaty"'), vevent('b@x', 'March')].join('\r\n')));
    const r = await importCalendarFile(calendarOf(t.store), path, { format: 'ics', displayName: 'bad-places.ics' });
    expect(r.errors.map(formatRowError)).toEqual(['bad-places.ics:4: X-OUTAGEWATCH-PLACES: not valid JSON']);
    expect(r.inserted).toBe(1);
    expect(listEvents(t.store.db).map((e) => e.title)).toEqual(['March']);
  });

  it('an iCalendar parse error names its line, not a JS exception', async () => {
    t = tempStore();
    const path = join(t.dir, 'broken.ics');
    writeFileSync(path, ics([vevent('a@x', 'Rally'), 'THIS LINE IS GARBAGE'].join('\r\n')));
    const r = await importCalendarFile(calendarOf(t.store), path, { format: 'ics', displayName: 'broken.ics' });
    expect(r.errors).toHaveLength(1);
    expect(formatRowError(r.errors[0]!)).toMatch(/^broken\.ics:11: file: not valid iCalendar: line .*THIS LINE IS GARBAGE/);
    expect(countEvents(t.store.db)).toBe(0);
  });

  it('a windows-1251 file is refused with a message naming the encoding, never imported as U+FFFD', async () => {
    // a Russian-language protest list saved from Excel as "CSV (Windows)": cp1251 bytes for "Митинг" (rally)
    t = tempStore();
    const cp1251 = Buffer.from([0xcc, 0xe8, 0xf2, 0xe8, 0xed, 0xe3]);
    for (const [format, name, body] of [
      [
        'csv',
        'cp1251.csv',
        Buffer.concat([Buffer.from('title,country,start\nRally,KZ,2016-05-20\n'), cp1251, Buffer.from(',KZ,2016-05-21\n')]),
      ],
      [
        'ics',
        'cp1251.ics',
        Buffer.concat([
          Buffer.from(ics(vevent('a@x', 'XX')).split('XX')[0]!),
          cp1251,
          Buffer.from(ics(vevent('a@x', 'XX')).split('XX')[1]!),
        ]),
      ],
      [
        'json',
        'cp1251.json',
        Buffer.concat([Buffer.from('[{"title": "'), cp1251, Buffer.from('", "country": "KZ", "start": "2016-05-21"}]')]),
      ],
    ] as const) {
      const path = join(t.dir, name);
      writeFileSync(path, body);
      const r = await importCalendarFile(calendarOf(t.store), path, { format, displayName: name });
      expect(r.errors, name).toHaveLength(1);
      expect(formatRowError(r.errors[0]!)).toMatch(
        new RegExp(`^${name.replace('.', '\\.')}:\\d+: file: not UTF-8 text .*windows-1251.*nothing was imported`),
      );
      expect(r.inserted).toBe(0);
    }
    expect(listEvents(t.store.db).some((e) => e.title.includes('\uFFFD'))).toBe(false);
    expect(countEvents(t.store.db)).toBe(0);
  });

  it('ANSI escapes and control characters in titles and notes are stripped before they are stored or printed', async () => {
    t = tempStore();
    const path = join(t.dir, 'ansi.json');
    writeFileSync(
      path,
      JSON.stringify([
        {
          title: 'Rally\u001b[2J\u001b[31m in red\u0007\u0000',
          country: 'KZ',
          start: '2016-05-21',
          notes: 'a\u001b]0;pwned\u0007b\u0008c',
        },
      ]),
    );
    const r = await importCalendarFile(calendarOf(t.store), path, { format: 'json', displayName: 'ansi.json' });
    expect(r.inserted).toBe(1);
    const [e] = listEvents(t.store.db);
    expect(e!.title).toBe('Rally in red');
    expect(e!.notes).toBe('abc');
  });
});
