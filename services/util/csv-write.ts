/**
 * The one CSV writer: API listings, calendar export, report CSV and the `--full-csv` point export all write
 * through it (csv-stringify, the writer of the csv-parse family whose reader is services/util/csv-records.ts).
 *
 * Formula neutralisation lives here and nowhere else: a text cell a spreadsheet would run as a formula
 * (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, so it shows as text (OWASP
 * "CSV injection"); `unneutralise` undoes it when outagewatch reads its own export back. Numbers are written as
 * numbers (a negative value stays a number, not neutralised); null, undefined and non-finite numbers are empty
 * cells; booleans are `true`/`false`. RFC 4180 quoting; CRLF line ends unless `lineEnd` says otherwise.
 */
import { stringify, type Options } from 'csv-stringify/sync';

export type CsvCell = string | number | boolean | null | undefined;
export interface CsvColumn<T> {
  header: string;
  value: (row: T) => CsvCell;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const NEUTRALISED = /^'[=+\-@\t\r]/;

export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Undoes `neutralise` on a cell read back: `'=SUM(A1)` → `=SUM(A1)`. */
export function unneutralise(cell: string): string {
  return NEUTRALISED.test(cell) ? cell.slice(1) : cell;
}

export type LineEnd = '\r\n' | '\n';

const optionsFor = (lineEnd: LineEnd): Options => ({
  record_delimiter: lineEnd === '\r\n' ? 'windows' : 'unix',
  // a lone CR or LF inside a cell is quoted too, whatever the line end
  quoted_match: /[\r\n]/,
  cast: {
    string: (s: string) => neutralise(s),
    number: (n: number) => (Number.isFinite(n) ? String(n) : ''),
    boolean: (b: boolean) => (b ? 'true' : 'false'),
  },
});
const CRLF = optionsFor('\r\n');
const LF = optionsFor('\n');

/** What makes csv-stringify quote a cell here: the delimiter, the quote, a CR or an LF. */
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One row as csv-stringify writes it with the options above, when no cell needs quoting (the common case: numbers,
 * times, plain names); null when one does, so the row goes through csv-stringify itself. Going through the library
 * for every row cost about 16 µs a row, which made a 2.8 M-point `--full-csv` export twice as slow; this gives the
 * same text (test/services/util/csv-write.test.ts compares both on random rows).
 */
function plainLine(row: readonly CsvCell[]): string | null {
  let line = '';
  for (let i = 0; i < row.length; i++) {
    const c = row[i];
    let s: string;
    if (typeof c === 'number') s = Number.isFinite(c) ? String(c) : '';
    else if (typeof c === 'string') {
      s = neutralise(c);
      if (NEEDS_QUOTES.test(s)) return null;
    } else if (typeof c === 'boolean') s = c ? 'true' : 'false';
    else s = '';
    line = i === 0 ? s : `${line},${s}`;
  }
  return line;
}

/** Rows of cells as CSV text, each row ended by the line end. */
export function csvRows(rows: readonly (readonly CsvCell[])[], lineEnd: LineEnd = '\r\n'): string {
  if (rows.length === 0) return '';
  const options = lineEnd === '\r\n' ? CRLF : LF;
  let out = '';
  for (const row of rows) {
    const line = row.length === 0 ? null : plainLine(row);
    out += line === null ? stringify([row as CsvCell[]], options) : line + lineEnd;
  }
  return out;
}

/** One CSV cell as written (quoted and neutralised as needed). */
export function csvCell(value: CsvCell): string {
  return csvRows([[value]]).slice(0, -2);
}

/** The header line of `columns`. */
export function csvHeader<T>(columns: ReadonlyArray<CsvColumn<T>>, lineEnd: LineEnd = '\r\n'): string {
  return csvRows([columns.map((c) => c.header)], lineEnd);
}

/** The body lines (no header) of `rows[from, to)`. */
export function csvBody<T>(
  rows: readonly T[],
  columns: ReadonlyArray<CsvColumn<T>>,
  from = 0,
  to = rows.length,
  lineEnd: LineEnd = '\r\n',
): string {
  const cells: CsvCell[][] = [];
  for (let i = from; i < to; i++) cells.push(columns.map((c) => c.value(rows[i]!)));
  return csvRows(cells, lineEnd);
}

/** A whole CSV document: the header line, then one line per row. */
export function toCsv<T>(rows: readonly T[], columns: ReadonlyArray<CsvColumn<T>>, lineEnd: LineEnd = '\r\n'): string {
  return csvHeader(columns, lineEnd) + csvBody(rows, columns, 0, rows.length, lineEnd);
}
