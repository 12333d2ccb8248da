import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { csvCell, csvRows, neutralise, toCsv, unneutralise } from '../../../services/util/csv-write.js';
import { readCsvText } from '../../../services/util/csv-records.js';

/** The one CSV writer behind API listings, calendar export and reports (formula neutralisation in one place). */
describe('CSV writer', () => {
  it('neutralises formula starts in text cells only, and the reader side undoes it', () => {
    for (const s of ['=1+1', '+1', '-2', '@SUM(A1)', '\tx', '\rx']) {
      expect(neutralise(s)).toBe(`'${s}`);
      expect(unneutralise(neutralise(s))).toBe(s);
    }
    expect(neutralise('3-2')).toBe('3-2');
    expect(unneutralise("'plain")).toBe("'plain");
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(undefined)).toBe('');
  });

  it('writes rows without csv-stringify when no cell needs quoting, the same text as csv-stringify gives', () => {
    // the writer's own options, spelled out: the reference the fast path must match for any row
    const reference = (rows: Array<Array<string | number | boolean | null | undefined>>, lineEnd: '\r\n' | '\n') =>
      stringify(rows, {
        record_delimiter: lineEnd === '\r\n' ? 'windows' : 'unix',
        quoted_match: /[\r\n]/,
        cast: {
          string: (x: string) => neutralise(x),
          number: (n: number) => (Number.isFinite(n) ? String(n) : ''),
          boolean: (b: boolean) => (b ? 'true' : 'false'),
        },
      });
    const cell = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\r', '\n', '\t', '=', '+', '-', '@', "'", 'é', '1', '.') }),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { maxLength: 8 }),
        fc.constantFrom('\r\n' as const, '\n' as const),
        (rows, lineEnd) => {
          expect(csvRows(rows, lineEnd)).toBe(rows.length === 0 ? '' : reference(rows, lineEnd));
        },
      ),
      { seed: 21, numRuns: 500 },
    );
    // a point row of the --full-csv export takes the fast path and stays what it was
    expect(
      csvRows([
        ['ioda.bgp', '2016-05-19T00:00:00Z', 1463616000, 1198.5, false],
        ['ioda.bgp', '2016-05-19T00:05:00Z', 1463616300, null, true],
      ]),
    ).toBe('ioda.bgp,2016-05-19T00:00:00Z,1463616000,1198.5,false\r\nioda.bgp,2016-05-19T00:05:00Z,1463616300,,true\r\n');
  });

  it('quotes commas, quotes and lone line breaks, and ends lines as asked', () => {
    expect(csvRows([['a,b', 'x"y', 'l\nm', 'r\rs']])).toBe('"a,b","x""y","l\nm","r\rs"\r\n');
    expect(csvRows([['a'], ['b']], '\n')).toBe('a\nb\n');
    expect(csvRows([])).toBe('');
  });

  it('writes what the one CSV reader reads back cell for cell', () => {
    const rows = [
      { name: 'ioda.bgp', note: 'line one\r\nline two, "quoted"', v: 1.5 },
      { name: '=HYPERLINK("http://x")', note: '', v: null },
    ];
    const text = toCsv(rows, [
      { header: 'name', value: (r) => r.name },
      { header: 'note', value: (r) => r.note },
      { header: 'v', value: (r) => r.v },
    ]);
    const back: string[][] = [];
    readCsvText(
      text,
      (r) => void back.push(r.map(unneutralise)),
      (b) => {
        throw new Error(b.reason);
      },
    );
    expect(back).toEqual([
      ['name', 'note', 'v'],
      ['ioda.bgp', 'line one\r\nline two, "quoted"', '1.5'],
      ['=HYPERLINK("http://x")', '', ''],
    ]);
  });
});
