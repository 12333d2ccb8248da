import type { Request, Response } from 'express';
import { z } from 'zod';
import { formatParam, LISTING_DEFAULT_LIMIT, pagingQuery, parseParams } from './api/schema.js';
import { csvBody, csvHeader, toCsv, type CsvColumn } from '../services/util/csv-write.js';

/* CSV for every API listing goes through the one CSV writer (services/util/csv-write.ts: quoting, formula neutralisation). */

/** `?format=csv|json` wins (checked by the same schema as every route's `format`); otherwise `Accept: text/csv` (preferred over JSON) selects CSV. */
export function wantsCsv(req: Request): boolean {
  const f = parseParams(z.object({ format: formatParam }), req.query).format;
  if (f !== undefined) return f === 'csv';
  return (req.get('accept') ?? '').includes('text/csv') && req.accepts(['application/json', 'text/csv']) === 'text/csv';
}

/** CSV rows written per chunk when a CSV export streams. */
const CSV_CHUNK_ROWS = 1000;

/**
 * The page of a listing `?limit=&offset=` asks for (rows keep the listing's own stable order; the paging schema of
 * dashboards/api/schema.ts). JSON pages are at most LISTING_DEFAULT_LIMIT rows by default; a CSV export without
 * `limit` is every row.
 */
export function listingPage(req: Request, total: number, csv: boolean): { offset: number; limit: number } {
  const p = parseParams(pagingQuery, req.query);
  const limit = p.limit ?? (csv ? Number.POSITIVE_INFINITY : LISTING_DEFAULT_LIMIT);
  return { offset: Math.min(p.offset ?? 0, total), limit };
}

/**
 * Sends a listing as JSON (the array itself: one page of it) or CSV with the given columns, with the total row
 * count in `X-Total-Count` and, when more rows follow, a `Link: <…>; rel="next"` to the next page. CSV is written
 * in chunks as it is made (streamed), so an export of every row never builds one large string.
 */
export function sendListing<T>(req: Request, res: Response, rows: readonly T[], columns: ReadonlyArray<CsvColumn<T>>, filename: string): void {
  const csv = wantsCsv(req);
  const { offset, limit } = listingPage(req, rows.length, csv);
  const end = Math.min(rows.length, offset + limit);
  res.set('X-Total-Count', String(rows.length));
  if (end < rows.length) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string' && k !== 'offset' && k !== 'limit') params.set(k, v);
    params.set('limit', String(limit));
    params.set('offset', String(end));
    res.set('Link', `<${req.baseUrl}${req.path}?${params.toString()}>; rel="next"`);
  }
  if (csv) {
    res.type('text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="${filename}.csv"`);
    if (end - offset <= CSV_CHUNK_ROWS) {
      res.send(toCsv(rows.slice(offset, end), columns));
      return;
    }
    res.write(csvHeader(columns));
    for (let i = offset; i < end; i += CSV_CHUNK_ROWS) res.write(csvBody(rows, columns, i, Math.min(end, i + CSV_CHUNK_ROWS)));
    res.end();
    return;
  }
  res.json(offset === 0 && end === rows.length ? rows : rows.slice(offset, end));
}
