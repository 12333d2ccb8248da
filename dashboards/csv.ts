import type { Application, Request, Response } from 'express';
import { z } from 'zod';
import { formatParam, LISTING_DEFAULT_LIMIT, pagingQuery, parseParams } from './api/schema.js';
import { csvBody, csvHeader, toCsv, type CsvColumn } from '../services/util/csv-write.js';

/* CSV for every API listing goes through the one CSV writer (services/util/csv-write.ts: quoting, formula neutralisation). */

/** Built once: a zod object schema compiles its parser on first use, which cost a cache miss of /api/signals ~0.05 ms per request. */
const formatQuery = z.object({ format: formatParam });

/** `?format=csv|json` wins (checked by the same schema as every route's `format`); otherwise `Accept: text/csv` (preferred over JSON) selects CSV. */
export function wantsCsv(req: Request): boolean {
  const f = parseParams(formatQuery, req.query).format;
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
  return {
    total: () => rows.length,
    rows: (offset, limit) => (offset === 0 && limit >= rows.length ? rows : rows.slice(offset, offset + limit)),
  };
}

/**
 * Sends a listing as JSON (the array itself: one page of it) or CSV with the given columns, with the total row
 * count in `X-Total-Count` and, when more rows follow, a `Link: <…>; rel="next"` to the next page. CSV is written
 * in chunks as it is read (streamed), so an export of every row never holds every row or one large string.
 */
export function sendListing<T>(
  req: Request,
  res: Response,
  rows: readonly T[] | ListingSource<T>,
  columns: ReadonlyArray<CsvColumn<T>>,
  filename: string,
): void {
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
    res.write(csvHeader(columns));
    for (let i = offset; i < end; i += CSV_CHUNK_ROWS) res.write(csvBody(source.rows(i, Math.min(end, i + CSV_CHUNK_ROWS) - i), columns));
    res.end();
  });
}

/** `X-Total-Count`, and `Link: <…>; rel="next"` when rows follow the page ending at `end`. */
export function setListingHeaders(req: Request, res: Response, total: number, limit: number, end: number): void {
  res.set('X-Total-Count', String(total));
  if (end < total) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string' && k !== 'offset' && k !== 'limit') params.set(k, v);
    params.set('limit', String(limit));
    params.set('offset', String(end));
    res.set('Link', `<${req.baseUrl}${req.path}?${params.toString()}>; rel="next"`);
  }
}

/**
 * A listing read through the backend-neutral listing reads (db/listings.ts, SQLite or PostgreSQL): counted with
 * COUNT and read a page at a time, asynchronously. The count and every page are read inside the app's listing
 * snapshot (`setListingSnapshot`; PostgreSQL: one read-only REPEATABLE READ transaction), so on a database being
 * written a streamed export never shows a row added after its count.
 */
export interface AsyncListingSource<T> {
  total: () => Promise<number>;
  rows: (offset: number, limit: number) => Promise<readonly T[]>;
}

/** Runs a listing's reads so that they see one snapshot of the database. */
export type ListingSnapshot = <R>(fn: () => Promise<R>) => Promise<R>;

const SNAPSHOT_KEY = 'outagewatchListingSnapshot';

/** The app's listing snapshot (createApp: `PointStore.readSnapshot`), used by `sendListingAsync`. */
export function setListingSnapshot(app: Application, snapshot: ListingSnapshot): void {
  (app.locals as Record<string, unknown>)[SNAPSHOT_KEY] = snapshot;
}

function listingSnapshot(req: Request): ListingSnapshot {
  const s = (req.app.locals as Record<string, unknown>)[SNAPSHOT_KEY];
  return typeof s === 'function' ? (s as ListingSnapshot) : (fn) => fn();
}

/** `sendListing` for an asynchronous source: the same headers, paging, JSON and streamed CSV. */
export async function sendListingAsync<T>(
  req: Request,
  res: Response,
  source: AsyncListingSource<T>,
  columns: ReadonlyArray<CsvColumn<T>>,
  filename: string,
): Promise<void> {
  const csv = wantsCsv(req);
  await listingSnapshot(req)(async () => {
    const total = await source.total();
    const { offset, limit } = listingPage(req, total, csv);
    const end = Math.min(total, offset + limit);
    setListingHeaders(req, res, total, limit, end);
    if (!csv) {
      res.json(end > offset ? await source.rows(offset, end - offset) : []);
      return;
    }
    res.type('text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="${filename}.csv"`);
    if (end - offset <= CSV_CHUNK_ROWS) {
      res.send(toCsv(end > offset ? await source.rows(offset, end - offset) : [], columns));
      return;
    }
    res.write(csvHeader(columns));
    for (let i = offset; i < end; i += CSV_CHUNK_ROWS)
      res.write(csvBody(await source.rows(i, Math.min(end, i + CSV_CHUNK_ROWS) - i), columns));
    res.end();
  });
}
