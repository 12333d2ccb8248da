import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../../db/connection.js';
import { loadMigrations, migrate } from '../../db/migrate.js';
import { listReferenceOutages, getReferenceList, upsertReferenceOutages, type ReferenceOutage } from '../../db/reference.js';
import { normalizeScope } from '../../services/reference/scope.js';
import { parseIodaInvestigated, parseStop } from '../../services/reference/parse.js';
import { tempDir } from '../helpers.js';

const FIX = join(import.meta.dirname, '../fixtures/reference');
const IODA_SCOPE = 'Scope (based on granularity at which the outage appears in IODA)';

describe('migration 0065: one scope vocabulary for reference outages already in a database', () => {
  let t: ReturnType<typeof tempDir>;
  afterEach(() => t?.cleanup());

  it('maps the raw scope text stored before 0065 by the same table as new imports, keeps the text, and fills the area', () => {
    t = tempDir();
    const db = openDb(join(t.dir, 'old.db'));
    const all = loadMigrations();
    migrate(
      db,
      all.filter((m) => m.version < 65),
    );
    // what the importer stored before 0065: STOP's own words in `scope`, IODA's scope pre-mapped with the text in raw
    const stopWords = new Set<string>();
    for (const f of ['stop_2016_2018.csv', 'stop_2019.csv', 'stop_2021.csv'])
      for (const r of parseStop(readFileSync(join(FIX, f), 'utf8'), f, 'x').rows) stopWords.add(r.scopeRaw ?? '');
    const ioda = parseIodaInvestigated(readFileSync(join(FIX, 'ioda-investigated-outages-2018-2022.csv'), 'utf8'), 'ioda.csv', 'x').rows;
    const iodaWords = [...new Set(ioda.map((r) => r.scopeRaw ?? ''))];
    const ins = db.prepare(
      'INSERT INTO reference_outages (list, natural_key, country, start, "end", kind, scope, scope_detail, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    let n = 0;
    const expected = new Map<string, { scope: string; scopeRaw: string | null; area: string | null }>();
    // words a user CSV may carry, spelled loosely (case, doubled spaces, hyphens)
    for (const w of [...stopWords, 'NATIONAL', 'multi-regional', ' Level  3 ', 'level 1', 'Not sure', 'somewhere', '']) {
      const key = `s${n++}`;
      ins.run('stop', key, 'IN', 1500000000 + n, null, 'connectivity', w || null, 'Kashmir', JSON.stringify({ geo_scope: w }));
      expected.set(key, { scope: normalizeScope(w), scopeRaw: w.trim() || null, area: normalizeScope(w) === 'asn' ? null : 'Kashmir' });
    }
    for (const w of iodaWords) {
      const key = `i${n++}`;
      const old = /^Region/i.test(w) ? 'region' : /^AS/i.test(w) ? 'asn' : /^Country/i.test(w) ? 'country' : w || null;
      ins.run(
        'ioda',
        key,
        'SS',
        1500000000 + n,
        1500003600 + n,
        null,
        old,
        /^AS/.test(w) ? '10091' : 'Central Equitoria',
        JSON.stringify({ [IODA_SCOPE]: w }),
      );
      expected.set(key, { scope: normalizeScope(w), scopeRaw: w || null, area: normalizeScope(w) === 'asn' ? null : 'Central Equitoria' });
    }
    expect(stopWords.size).toBeGreaterThanOrEqual(12);
    expect(migrate(db)).toContain('0065-reference-scope.sql');
    const got = [...listReferenceOutages(db, { list: 'stop' }), ...listReferenceOutages(db, { list: 'ioda' })];
    expect(got).toHaveLength(expected.size);
    for (const r of got)
      expect({ key: r.naturalKey, scope: r.scope, scopeRaw: r.scopeRaw, area: r.area }).toEqual({
        key: r.naturalKey,
        ...expected.get(r.naturalKey),
      });
    // the sheets' vocabularies all land on a known scope, except STOP's "Not sure" and empty cells
    expect(got.filter((r) => r.scope === 'unknown').map((r) => r.scopeRaw)).toEqual(
      expect.arrayContaining(['Not sure', null, 'somewhere']),
    );
    expect(got.filter((r) => r.scope === 'unknown' && r.scopeRaw !== null && !/not sure|somewhere/i.test(r.scopeRaw))).toEqual([]);
    db.close();
  });
});

describe('reference outages: scope and area', () => {
  let t: ReturnType<typeof tempDir>;
  afterEach(() => t?.cleanup());

  const row = (key: string, scope: ReferenceOutage['scope'], scopeRaw: string | null, area: string | null): ReferenceOutage => ({
    list: 'l',
    naturalKey: key,
    country: 'SO',
    start: 1600000000,
    end: null,
    kind: 'connectivity',
    scope,
    scopeRaw,
    scopeDetail: null,
    area,
    cause: null,
    services: [],
    source: null,
    originFile: null,
    originLine: null,
    raw: {},
  });

  it('stores and lists them, counts scopes per list, and a repeat saying "not sure" keeps the known scope', () => {
    t = tempDir();
    const db = openDb(join(t.dir, 'new.db'));
    migrate(db);
    upsertReferenceOutages(
      db,
      'l',
      'stop',
      'a.csv',
      [row('a', 'regional', 'Level 2', 'Somaliland'), row('b', 'national', 'Level 3', null), row('c', 'unknown', null, null)],
      { rejected: 0 },
    );
    upsertReferenceOutages(db, 'l', 'stop', 'b.csv', [row('a', 'unknown', 'Not sure', null), row('c', 'local', 'Level 1', null)], {
      rejected: 0,
    });
    const got = listReferenceOutages(db, { list: 'l' }).map((r) => [r.naturalKey, r.scope, r.scopeRaw, r.area]);
    expect(got).toEqual([
      ['a', 'regional', 'Level 2', 'Somaliland'],
      ['b', 'national', 'Level 3', null],
      ['c', 'local', 'Level 1', null],
    ]);
    expect(getReferenceList(db, 'l')!.scopes).toEqual({ national: 1, regional: 1, local: 1 });
    db.close();
  });
});
