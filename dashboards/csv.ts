import type { Request, Response } from 'express';
import { badParameter } from '../services/errors.js';

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

/** Sends a listing as JSON (the array itself) or CSV with the given columns. */
export function sendListing<T>(req: Request, res: Response, rows: readonly T[], columns: ReadonlyArray<{ header: string; value: (row: T) => CsvCell }>, filename: string): void {
  if (wantsCsv(req)) {
    res.type('text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="${filename}.csv"`);
    res.send(toCsv(rows, columns));
    return;
  }
  res.json(rows);
}
