import { describe, expect, it } from 'vitest';
import { upsertEvent } from '../../../db/calendar.js';
import { replaceOutages } from '../../../db/outages.js';
import { upsertReferenceOutages, type ReferenceOutage } from '../../../db/reference.js';
import type { Outage } from '../../../core/outage.js';
import { evaluateReference } from '../../../services/reference/assemble.js';
import { evaluateDetections, kindFamilies, matches, type RefItem } from '../../../services/reference/evaluate.js';
import { main } from '../../../services/cli.js';
import { join } from 'node:path';
import { importReference } from '../../../services/reference/import.js';
import { tempStore } from '../../helpers.js';

const D = 86400;
const t = (iso: string) => Date.parse(iso) / 1000;

describe('SIGCOMM 2023 matching rule', () => {
  const ref: RefItem = { id: 1, country: 'KZ', start: t('2022-01-05T00:00:00Z'), end: t('2022-01-05T12:00:00Z'), kind: 'connectivity' };
  const det = (start: number, country = 'KZ') => ({ id: 'd', country, start });

  it('accepts a detection exactly one day before the reference start, not a second earlier', () => {
    expect(matches(ref, det(ref.start - D))).toBe(true);
    expect(matches(ref, det(ref.start - D - 1))).toBe(false);
  });

  it('closes at the later of two days after the start or one day after the end', () => {
    // short outage: start + 2 d wins
    expect(matches(ref, det(ref.start + 2 * D))).toBe(true);
    expect(matches(ref, det(ref.start + 2 * D + 1))).toBe(false);
    // long outage (10 days): end + 1 d wins
    const long = { ...ref, end: ref.start + 10 * D };
    expect(matches(long, det(ref.start + 11 * D))).toBe(true);
    expect(matches(long, det(ref.start + 11 * D + 1))).toBe(false);
  });

  it('gives an open-ended reference outage its default length', () => {
    const open = { ...ref, end: null };
    expect(matches(open, det(ref.start + 2 * D), D)).toBe(true); // start + 2 d ≥ start + 1 d + 1 d
    expect(matches(open, det(ref.start + 5 * D), D)).toBe(false);
    expect(matches(open, det(ref.start + 5 * D), 7 * D)).toBe(true); // default 7 d: until start + 8 d
  });

  it('needs the same country', () => {
    expect(matches(ref, det(ref.start, 'KG'))).toBe(false);
  });

  it('computes precision and recall per country and overall', () => {
    const refs: RefItem[] = [
      { id: 'a', country: 'KZ', start: 0, end: D, kind: null },
      { id: 'b', country: 'KZ', start: 30 * D, end: 31 * D, kind: null },
      { id: 'c', country: 'BY', start: 0, end: D, kind: null },
    ];
    const dets = [
      { id: 1, country: 'KZ', start: 3600 },
      { id: 2, country: 'KZ', start: 2 * 3600 },
      { id: 3, country: 'KZ', start: 10 * D },
      { id: 4, country: 'BY', start: D },
    ];
    const e = evaluateDetections(refs, dets);
    expect(e.overall).toEqual({ references: 3, detections: 4, matchedReferences: 2, matchedDetections: 3, precision: 0.75, recall: 2 / 3 });
    expect(e.byCountry.find((c) => c.country === 'KZ')).toMatchObject({ precision: 2 / 3, recall: 0.5 });
    expect(e.byCountry.find((c) => c.country === 'BY')).toMatchObject({ precision: 1, recall: 1 });
  });
});

describe('evaluateReference', () => {
  it('scores detected outages against a list and names the calendar events the list marks as disrupted', () => {
    const env = tempStore();
    try {
      const { store } = env;
      const row = (key: string, start: string, end: string | null, kind: string | null): ReferenceOutage => ({
        list: 'hand',
        naturalKey: key,
        country: 'KZ',
        start: t(start),
        end: end === null ? null : t(end),
        kind,
        scope: 'unknown',
        scopeRaw: null,
        scopeDetail: null,
        area: null,
        cause: null,
        services: [],
        source: null,
        originFile: null,
        originLine: null,
        raw: {},
      });
      upsertReferenceOutages(
        store.db,
        'hand',
        'csv',
        null,
        [
          row('jan', '2022-01-05T00:00:00Z', '2022-01-10T00:00:00Z', 'connectivity'),
          row('may', '2016-05-20T00:00:00Z', null, 'service-blocking'),
          row('x', '2019-06-09T00:00:00Z', '2019-06-10T00:00:00Z', 'connectivity'),
        ],
        { rejected: 0 },
      );
      const o = (start: string, hours: number): Outage => ({
        entity: 'country:KZ',
        start: t(start),
        end: t(start) + hours * 3600,
        kind: 'connectivity',
        severity: 'critical',
        score: 1,
        signals: [],
        targets: [],
        evidence: [],
      });
      // matches jan; matches may (open-ended, within start + 2 d); a false alarm in March 2020
      replaceOutages(store.db, 'country:KZ', t('2016-01-01T00:00:00Z'), t('2023-01-01T00:00:00Z'), [
        o('2022-01-05T04:00:00Z', 100),
        o('2016-05-20T03:00:00Z', 40),
        o('2020-03-01T00:00:00Z', 5),
      ]);
      const ev = (id: string, start: string) => ({
        id,
        title: id,
        country: 'KZ',
        places: [],
        start: t(start),
        end: t(start) + D,
        tz: 'Asia/Almaty',
        allDay: true,
        kind: 'protest' as const,
        sources: [],
        notes: null,
        tags: [],
        origin: 'manual' as const,
        originFile: null,
        originLine: null,
      });
      upsertEvent(store.db, ev('kz-2016-05-21-land-protests', '2016-05-20T18:00:00Z'), 0);
      upsertEvent(store.db, ev('kz-2018-quiet', '2018-03-01T18:00:00Z'), 0);
      // source events (IODA, Radar) are scored the same way: one matches jan, one is 3 days before may (too early)
      const se = (id: string, start: string) => ({
        source: 'ioda',
        externalId: id,
        entity: 'country:KZ',
        start: t(start),
        end: t(start) + 3600,
        raw: {},
      });
      store.writeWindow({
        collector: 'test',
        entity: 'country:KZ',
        from: t('2016-01-01T00:00:00Z'),
        until: t('2023-01-01T00:00:00Z'),
        series: [],
        sourceEvents: [se('a', '2022-01-06T00:00:00Z'), se('b', '2016-05-17T00:00:00Z')],
      });
      const r = evaluateReference(store, { reference: 'hand' });
      expect(r.sourceEvents.overall).toEqual({
        references: 3,
        detections: 2,
        matchedReferences: 1,
        matchedDetections: 1,
        precision: 1 / 2,
        recall: 1 / 3,
      });
      expect(r.detected.overall).toEqual({
        references: 3,
        detections: 3,
        matchedReferences: 2,
        matchedDetections: 2,
        precision: 2 / 3,
        recall: 2 / 3,
      });
      expect(r.disruptedEvents.map((e) => e.id)).toEqual(['kz-2016-05-21-land-protests']);
      const conn = evaluateReference(store, { reference: 'hand', kind: 'connectivity', from: t('2019-01-01T00:00:00Z') });
      expect(conn.detected.overall).toMatchObject({ references: 2, detections: 2, matchedReferences: 1, matchedDetections: 1 });
    } finally {
      env.cleanup();
    }
  });
});

describe('outagewatch evaluate', () => {
  it('--json prints precision and recall; an unknown list or a bad flag is a usage error', async () => {
    const env = tempStore();
    try {
      const row = (key: string, start: string): ReferenceOutage => ({
        list: 'hand',
        naturalKey: key,
        country: 'KZ',
        start: t(start),
        end: t(start) + D,
        kind: 'connectivity',
        scope: 'unknown',
        scopeRaw: null,
        scopeDetail: null,
        area: null,
        cause: null,
        services: [],
        source: null,
        originFile: null,
        originLine: null,
        raw: {},
      });
      upsertReferenceOutages(env.store.db, 'hand', 'csv', null, [row('a', '2022-01-05T00:00:00Z'), row('b', '2020-06-01T00:00:00Z')], {
        rejected: 0,
      });
      const o: Outage = {
        entity: 'country:KZ',
        start: t('2022-01-05T06:00:00Z'),
        end: t('2022-01-05T10:00:00Z'),
        kind: 'connectivity',
        severity: 'critical',
        score: 1,
        signals: [],
        targets: [],
        evidence: [],
      };
      replaceOutages(env.store.db, 'country:KZ', t('2016-01-01T00:00:00Z'), t('2023-01-01T00:00:00Z'), [o]);
      env.store.close();
      let out = '';
      const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: () => true } } as unknown as {
        stdout: NodeJS.WritableStream;
        stderr: NodeJS.WritableStream;
      };
      const run = async (...args: string[]) => {
        out = '';
        const code = await main(['--db', env.path, '--log-level', 'silent', 'evaluate', ...args], io);
        process.exitCode = undefined;
        return code;
      };
      expect(await run('--reference', 'hand', '--json')).toBe(0);
      const j = JSON.parse(out) as { detected: { overall: Record<string, number> } };
      expect(j.detected.overall).toMatchObject({
        references: 2,
        detections: 1,
        matchedReferences: 1,
        matchedDetections: 1,
        precision: 1,
        recall: 0.5,
      });
      expect(await run('--reference', 'hand', '--from', '2021-01-01', '--json')).toBe(0);
      expect((JSON.parse(out) as { detected: { overall: Record<string, number> } }).detected.overall).toMatchObject({
        references: 1,
        recall: 1,
      });
      expect(await run('--reference', 'nope')).toBe(2);
      expect(await run('--reference', 'hand', '--country', 'Kazakhstan')).toBe(2);
    } finally {
      env.cleanup();
    }
  });
});

describe('breakdowns by scope, kind and year', () => {
  // stands for STOP against IODA's list: a national shutdown IODA saw, a regional and a local one it did not,
  // a throttling episode the detector called degradation, and a service block seen only as a connectivity drop
  const refs: RefItem[] = [
    { id: 'nat', country: 'IR', start: t('2019-11-16T00:00:00Z'), end: t('2019-11-24T00:00:00Z'), kind: 'connectivity', scope: 'national' },
    { id: 'reg', country: 'IN', start: t('2019-08-05T00:00:00Z'), end: null, kind: 'connectivity', scope: 'regional' },
    { id: 'loc', country: 'IN', start: t('2020-01-10T00:00:00Z'), end: t('2020-01-11T00:00:00Z'), kind: 'connectivity', scope: 'local' },
    { id: 'thr', country: 'TR', start: t('2020-03-01T00:00:00Z'), end: t('2020-03-05T00:00:00Z'), kind: 'throttling', scope: 'national' },
    { id: 'svc', country: 'KZ', start: t('2020-06-01T00:00:00Z'), end: t('2020-06-02T00:00:00Z'), kind: 'service-blocking' },
  ];
  const dets = [
    { id: 1, country: 'IR', start: t('2019-11-16T12:00:00Z'), kind: 'connectivity', scope: 'national' },
    { id: 2, country: 'IR', start: t('2019-11-17T00:00:00Z'), kind: 'connectivity', scope: 'regional' },
    { id: 3, country: 'TR', start: t('2020-03-02T00:00:00Z'), kind: 'degradation', scope: 'national' },
    { id: 4, country: 'KZ', start: t('2020-06-01T06:00:00Z'), kind: 'connectivity', scope: 'national' },
    { id: 5, country: 'IN', start: t('2021-02-01T00:00:00Z'), kind: 'connectivity', scope: 'asn' },
  ];
  const e = evaluateDetections(refs, dets);

  it('by scope: references by theirs, detections by theirs, the same matches as overall', () => {
    expect(e.overall).toMatchObject({ references: 5, matchedReferences: 3, detections: 5, matchedDetections: 4 });
    expect(e.byScope.map((s) => [s.scope, s.references, s.matchedReferences, s.recall, s.detections, s.matchedDetections])).toEqual([
      ['national', 2, 2, 1, 3, 3],
      ['regional', 1, 0, 0, 1, 1],
      ['local', 1, 0, 0, 0, 0],
      ['asn', 0, 0, null, 1, 0],
      ['unknown', 1, 1, 1, 0, 0],
    ]);
  });

  it('by kind: throttling and degradation are one family; a service block is not found by a connectivity drop', () => {
    expect(e.byKind.map((k) => [k.kind, k.references, k.matchedReferences, k.detections, k.matchedDetections])).toEqual([
      ['connectivity', 3, 1, 4, 2],
      ['service-blocking', 1, 0, 0, 0],
      ['throttling', 1, 1, 1, 1],
    ]);
    expect(kindFamilies('both')).toEqual(['connectivity', 'service-blocking']);
    expect(kindFamilies(null)).toEqual(['connectivity']);
  });

  it('by year of the start, UTC', () => {
    expect(e.byYear.map((y) => [y.year, y.references, y.matchedReferences, y.detections])).toEqual([
      [2019, 2, 1, 2],
      [2020, 3, 2, 2],
      [2021, 0, 0, 1],
    ]);
  });

  it('`evaluate --by scope` prints a table per block; --json holds byScope in each block and in against', async () => {
    const env = tempStore();
    try {
      const row = (
        key: string,
        list: string,
        start: string,
        scope: ReferenceOutage['scope'],
        scopeRaw: string,
        kind: string | null = 'connectivity',
      ): ReferenceOutage => ({
        list,
        naturalKey: key,
        country: 'IR',
        start: t(start),
        end: t(start) + D,
        kind,
        scope,
        scopeRaw,
        scopeDetail: null,
        area: null,
        cause: null,
        services: [],
        source: null,
        originFile: null,
        originLine: null,
        raw: {},
      });
      upsertReferenceOutages(
        env.store.db,
        'stop',
        'stop',
        null,
        [
          row('a', 'stop', '2019-11-16T00:00:00Z', 'national', 'Level 3'),
          row('b', 'stop', '2019-06-01T00:00:00Z', 'regional', 'Level  2'),
          row('c', 'stop', '2019-07-01T00:00:00Z', 'local', 'Level 1'),
        ],
        { rejected: 0 },
      );
      upsertReferenceOutages(
        env.store.db,
        'ioda',
        'ioda-investigated',
        null,
        [
          row('x', 'ioda', '2019-11-16T06:00:00Z', 'national', 'Country', null),
          row('y', 'ioda', '2019-06-02T06:00:00Z', 'asn', 'AS (12880)', null),
        ],
        { rejected: 0 },
      );
      env.store.close();
      let out = '';
      const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: () => true } } as unknown as {
        stdout: NodeJS.WritableStream;
        stderr: NodeJS.WritableStream;
      };
      const run = async (...args: string[]) => {
        out = '';
        const code = await main(
          ['--db', env.path, '--log-level', 'silent', 'evaluate', '--reference', 'stop', '--against', 'ioda', ...args],
          io,
        );
        process.exitCode = undefined;
        return code;
      };
      expect(await run('--by', 'scope', '--json')).toBe(0);
      type Block = {
        byScope: Array<{ scope: string; references: number; matchedReferences: number; recall: number | null }>;
        byKind: unknown[];
        byYear: unknown[];
        byCountry: unknown[];
      };
      const j = JSON.parse(out) as { detected: Block; against: Block & { list: string } };
      expect(j.detected.byScope.map((s) => [s.scope, s.references, s.matchedReferences])).toEqual([
        ['national', 1, 0],
        ['regional', 1, 0],
        ['local', 1, 0],
      ]);
      expect(j.against.byScope.map((s) => [s.scope, s.references, s.matchedReferences, s.recall])).toEqual([
        ['national', 1, 1, 1],
        ['regional', 1, 1, 1],
        ['local', 1, 0, 0],
        ['asn', 0, 0, null],
      ]);
      expect(j.against.byKind).toBeInstanceOf(Array);
      expect(j.against.byYear).toBeInstanceOf(Array);
      expect(await run('--by', 'scope')).toBe(0);
      const text = out.slice(out.indexOf('list "ioda"'));
      expect(text).toMatch(/by scope:\n\s*scope\s+references\s+matched\s+recall/);
      expect(text).toMatch(/\nnational\s+1\s+1\s+100%/);
      expect(text).toMatch(/\nlocal\s+1\s+0\s+0%/);
      expect(await run('--scope', 'national,regional', '--json')).toBe(0);
      expect((JSON.parse(out) as { against: Block }).against.byScope.map((s) => [s.scope, s.references])).toEqual([
        ['national', 1],
        ['regional', 1],
        ['asn', 0],
      ]);
      expect(await run('--by', 'size')).toBe(2);
      expect(await run('--scope', 'planet')).toBe(2);
    } finally {
      env.cleanup();
    }
  });
});

describe('the SIGCOMM 2023 table on the real sheets (docs/reference.md)', () => {
  it('KeepItOn full-network shutdowns from 2018-01-01 to 2021-08-01 against IODA investigated outages, by scope', async () => {
    const env = tempStore();
    try {
      const FIX = join(import.meta.dirname, '../../fixtures/reference');
      await importReference(
        env.store,
        ['stop_2016_2018.csv', 'stop_2019.csv', 'stop_2021.csv'].map((f) => join(FIX, f)),
        'stop',
      );
      await importReference(env.store, [join(FIX, 'ioda-investigated-outages-2018-2022.csv')], 'ioda-investigated');
      env.store.close();
      let out = '';
      const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: () => true } } as unknown as {
        stdout: NodeJS.WritableStream;
        stderr: NodeJS.WritableStream;
      };
      const args = [
        '--db',
        env.path,
        '--log-level',
        'silent',
        'evaluate',
        '--reference',
        'stop',
        '--kind',
        'connectivity',
        '--from',
        '2018-01-01',
        '--until',
        '2021-08-01',
        '--against',
        'ioda-investigated',
        '--by',
        'scope',
        '--json',
      ];
      expect(await main(args, io)).toBe(0);
      const j = JSON.parse(out) as {
        against: {
          overall: { references: number; matchedReferences: number };
          byScope: Array<{ scope: string; references: number; matchedReferences: number }>;
        };
      };
      // the published table is 55/544: national 46/89, regional 7/132, local 2/315 (the 2020 sheet is not here)
      expect(j.against.overall).toMatchObject({ references: 410, matchedReferences: 47 });
      expect(
        Object.fromEntries(j.against.byScope.filter((s) => s.references).map((s) => [s.scope, `${s.matchedReferences}/${s.references}`])),
      ).toEqual({ national: '41/73', regional: '4/96', local: '2/233', unknown: '0/8' });
    } finally {
      env.cleanup();
    }
  });
});
