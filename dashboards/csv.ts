import type { Request, Response } from 'express';
import { badParameter } from '../core/app-errors.js';

/**
 * CSV for every API listing. Text cells that a spreadsheet would run as a formula (starting with
 * `=`, `+`, `-`, `@`, a tab or a carriage return) are neutralised with a leading `'`; numbers are
 * written as numbers (a negative value stays a number). RFC 4180 quoting, CRLF line ends.
 */
export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = neutralise(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv<T>(rows: readonly T[], columns: ReadonlyArray<{ header: string; value: (row: T) => CsvCell }>): string {
  const lines = [columns.map((c) => csvCell(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(c.value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** `?format=csv|json` wins; otherwise `Accept: text/csv` (preferred over JSON) selects CSV. */
export function wantsCsv(req: Request): boolean {
  const f = req.query.format;
  if (f !== undefined) {
    if (f === 'csv') return true;
    if (f === 'json') return false;
    throw badParameter('format', 'must be json or csv');
  }
  return (req.get('accept') ?? '').includes('text/csv') && req.accepts(['application/json', 'text/csv']) === 'text/csv';
}

/** JSON listings answer at most this many rows unless `limit` asks for another page size (up to LISTING_MAX_LIMIT). */
export const LISTING_DEFAULT_LIMIT = 1000;
export const LISTING_MAX_LIMIT = 10000;
/** CSV rows written per chunk when a CSV export streams. */
const CSV_CHUNK_ROWS = 1000;

function pagingParam(req: Request, name: 'limit' | 'offset', max: number): number | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v) || Number(v) > max || (name === 'limit' && Number(v) < 1)) throw badParameter(name, name === 'limit' ? `a whole number from 1 to ${max}` : 'a whole number from 0');
  return Number(v);
}

/**
 * The page of a listing `?limit=&offset=` asks for (rows keep the listing's own stable order). JSON pages are at
 * most LISTING_DEFAULT_LIMIT rows by default; a CSV export without `limit` is every row.
 */
export function listingPage(req: Request, total: number, csv: boolean): { offset: number; limit: number } {
  const limit = pagingParam(req, 'limit', LISTING_MAX_LIMIT) ?? (csv ? Number.POSITIVE_INFINITY : LISTING_DEFAULT_LIMIT);
  const offset = pagingParam(req, 'offset', Number.MAX_SAFE_INTEGER) ?? 0;
  return { offset: Math.min(offset, total), limit };
}

/**
 * Rows of a listing read a page at a time (issue 21: the database pages with LIMIT/OFFSET in a stable order and
 * counts with COUNT, so a page never reads every row). `snapshot` runs the count and every page read inside one
 * read transaction, so that a streamed export neither repeats nor skips rows while the daemon writes.
 */
export interface ListingSource<T> {
  total: () => number;
  rows: (offset: number, limit: number) => readonly T[];
  snapshot?: <R>(fn: () => R) => R;
}

/** An in-memory list as a listing source (short lists, or lists assembled in JS). */
export function arraySource<T>(rows: readonly T[]): ListingSource<T> {
  return { total: () => rows.length, rows: (offset, limit) => (offset === 0 && limit >= rows.length ? rows : rows.slice(offset, offset + limit)) };
}

/**
 * Sends a listing as JSON (the array itself: one page of it) or CSV with the given columns, with the total row
 * count in `X-Total-Count` and, when more rows follow, a `Link: <…>; rel="next"` to the next page. CSV is written
 * in chunks as it is read (streamed), so an export of every row never holds every row or one large string.
 */
export function sendListing<T>(req: Request, res: Response, rows: readonly T[] | ListingSource<T>, columns: ReadonlyArray<{ header: string; value: (row: T) => CsvCell }>, filename: string): void {
  const source = Array.isArray(rows) ? arraySource(rows as readonly T[]) : (rows as ListingSource<T>);
  const run = source.snapshot ?? (<R>(fn: () => R) => fn());
  const csv = wantsCsv(req);
  run(() => {
    const total = source.total();
    const { offset, limit } = listingPage(req, total, csv);
    const end = Math.min(total, offset + limit);
    res.set('X-Total-Count', String(total));
    if (end < total) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string' && k !== 'offset' && k !== 'limit') params.set(k, v);
      params.set('limit', String(limit));
      params.set('offset', String(end));
      res.set('Link', `<${req.baseUrl}${req.path}?${params.toString()}>; rel="next"`);
    }
    if (!csv) {
      res.json(end > offset ? source.rows(offset, end - offset) : []);
      return;
    }
    res.type('text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="${filename}.csv"`);
    if (end - offset <= CSV_CHUNK_ROWS) {
      res.send(toCsv(end > offset ? source.rows(offset, end - offset) : [], columns));
      return;
    }
    res.write(`${columns.map((c) => csvCell(c.header)).join(',')}\r\n`);
    for (let i = offset; i < end; i += CSV_CHUNK_ROWS) {
      const lines: string[] = [];
      for (const row of source.rows(i, Math.min(end, i + CSV_CHUNK_ROWS) - i)) lines.push(`${columns.map((c) => csvCell(c.value(row))).join(',')}\r\n`);
      res.write(lines.join(''));
    }
    res.end();
  });
}
