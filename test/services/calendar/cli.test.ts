import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../services/cli.js';
import { tempDir } from '../../helpers.js';
import { capture, fixture } from './helpers.js';

let t: ReturnType<typeof tempDir>;
let db: string;
beforeEach(() => {
  t = tempDir();
  db = join(t.dir, 'cli.db');
  process.exitCode = undefined;
});
afterEach(() => {
  process.exitCode = undefined;
  t.cleanup();
});

async function run(...args: string[]) {
  const c = capture();
  process.exitCode = undefined;
  const code = await main(['--db', db, '--log-level', 'silent', 'calendar', ...args], c.io);
  process.exitCode = undefined;
  return { code, out: c.out(), err: c.err() };
}

describe('outagewatch calendar', () => {
  it('list --json prints the documented shape, identical from one run to the next', async () => {
    expect((await run('seed')).out).toBe('calendar seed: 20 events: 20 new, 0 updated, 0 unchanged\n');
    const a = await run('list', '--json', '--country', 'kz', '--from', '2016-05-21', '--until', '2016-05-21');
    const b = await run('list', '--json', '--country', 'KZ', '--from', '2016-05-21', '--until', '2016-05-21');
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    const doc = JSON.parse(a.out) as Array<Record<string, unknown>>;
    expect(doc.map((e) => e.id)).toEqual(['kz-2016-05-21-land-protests']);
    const e = doc[0]!;
    expect(Object.keys(e)).toEqual([
      'id',
      'title',
      'country',
      'places',
      'start',
      'end',
      'tz',
      'allDay',
      'localStart',
      'localEnd',
      'localDays',
      'kind',
      'sources',
      'notes',
      'tags',
      'origin',
    ]);
    expect(e).toMatchObject({
      start: '2016-05-20T18:00:00Z',
      end: '2016-05-21T18:00:00Z',
      tz: 'Asia/Almaty',
      allDay: true,
      localStart: '2016-05-21T00:00:00+06:00',
      localEnd: '2016-05-22T00:00:00+06:00',
      localDays: { first: '2016-05-21', last: '2016-05-21' },
      kind: 'protest',
      origin: { type: 'seed', file: 'db/seeds/calendar.json', line: 75 },
    });
    expect((e.places as unknown[])[0]).toEqual({ name: 'Almaty', admin1: null, lat: null, lon: null });
  });

  it('add, list, remove; a bad add is a usage error naming the flags', async () => {
    const added = await run(
      'add',
      '--title',
      'Vigil',
      '--country',
      'KZ',
      '--start',
      '2030-12-16',
      '--tz',
      'Asia/Almaty',
      '--kind',
      'anniversary',
      '--source',
      'https://example.org/v',
      '--place',
      'Almaty',
    );
    expect(added).toMatchObject({
      code: 0,
      out: 'added kz-2030-12-16-vigil: 2030-12-16 Asia/Almaty (2030-12-15T19:00:00Z .. 2030-12-16T19:00:00Z)\n',
    });
    const again = await run(
      'add',
      '--title',
      'Vigil',
      '--country',
      'KZ',
      '--start',
      '2030-12-16',
      '--tz',
      'Asia/Almaty',
      '--kind',
      'anniversary',
      '--source',
      'https://example.org/other',
    );
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exists/);
    const upcoming = await run('list', '--upcoming');
    expect(upcoming.out).toMatch(/kz-2030-12-16-vigil\s+2030-12-16\s+Asia\/Almaty\s+KZ\s+anniversary\s+Vigil/);
    const bad = await run(
      'add',
      '--title',
      '',
      '--country',
      'XX',
      '--start',
      '2016-05-21',
      '--end',
      '2016-05-20',
      '--source',
      'https://example.org/x',
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--title: missing');
    expect(bad.err).toContain('--country: unknown country "XX"');
    expect((await run('remove', 'kz-2030-12-16-vigil')).out).toBe('removed kz-2030-12-16-vigil\n');
    // an unknown id is bad usage (exit 2), with the command that lists the ids
    const gone = await run('remove', 'kz-2030-12-16-vigil');
    expect(gone.code).toBe(2);
    expect(gone.err).toContain('`outagewatch calendar list`');
  });

  it('import reports rejected rows and a summary, exits 1; --dry-run writes nothing; a second import changes nothing', async () => {
    const dry = await run('import', fixture('acled-sample.csv'), '--format', 'acled', '--dry-run');
    expect(dry.code).toBe(1);
    expect(dry.out).toContain(
      'would insert kz-2016-05-21-acled  2016-05-21 Asia/Almaty  Protests in Kazakhstan: Atyrau, Almaty (ACLED, 2 events)',
    );
    expect(dry.out).toMatch(/acled-sample\.csv:8: event_date: impossible date "2022-02-30"\n/);
    expect(dry.out.trimEnd().split('\n').at(-1)).toMatch(
      /11 row\(s\) read, 1 skipped \(not protests or riots\), 3 rejected; would import 4 event\(s\): 4 new, 0 updated, 0 unchanged \(dry run: nothing written\)$/,
    );
    expect(JSON.parse((await run('list', '--json')).out)).toEqual([]);

    const first = await run('import', fixture('acled-sample.csv'), '--format', 'acled', '--json');
    expect(JSON.parse(first.out)).toMatchObject({ inserted: 4, rejected: 3 });
    const second = await run('import', fixture('acled-sample.csv'), '--format', 'acled', '--json');
    expect(JSON.parse(second.out)).toMatchObject({ inserted: 0, updated: 0, unchanged: 4 });

    const ok = await run(
      'import',
      fixture('mapped.csv'),
      '--format',
      'csv',
      '--map',
      'title=name,country=cc,start=date,end=until,tz=zone,kind=type,sources=link,notes=comment',
    );
    expect(ok.code).toBe(1);
    expect((await run('import', fixture('mapped.csv'), '--format', 'csv', '--map', 'bogus=x')).code).toBe(2);
    expect((await run('import', fixture('nope.csv'), '--format', 'csv')).code).toBe(2);
  });

  it('export writes JSON, formula-safe CSV and .ics, to stdout or --out', async () => {
    await run('seed');
    await run(
      'add',
      '--title',
      '=HYPERLINK("http://evil.example")',
      '--country',
      'KZ',
      '--start',
      '2016-05-22',
      '--source',
      'https://example.org/x',
    );
    const csv = await run('export', '--format', 'csv');
    expect(csv.out.split('\n')[0]).toBe('id,title,country,places,start,end,tz,allDay,localStart,localEnd,kind,sources,notes,tags,origin');
    expect(csv.out).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    const out = join(t.dir, 'cal.ics');
    expect((await run('export', '--format', 'ics', '--out', out)).err).toBe(`wrote 21 event(s) to ${out}\n`);
    const ics = readFileSync(out, 'utf8');
    expect(ics.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(ics.match(/BEGIN:VEVENT/g)).toHaveLength(21);
    expect(ics).toContain('UID:kz-2016-05-21-land-protests@outagewatch');
    const json = JSON.parse((await run('export', '--format', 'json', '--country', 'EG')).out) as Array<{ id: string }>;
    expect(json.map((e) => e.id)).toEqual(['eg-2011-01-28-day-of-rage']);
  });
});
