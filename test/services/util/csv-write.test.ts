import { describe, expect, it } from 'vitest';
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
