/**
 * Paging for the server-rendered tables (issue 21): a long table shows one page of rows (`?page=N`, 1-based; a
 * page of its own per table when a page holds several, e.g. `?runs-page=2`), after sorting the whole list, with
 * "Rows a–b of N" and links to the previous and next page that keep every other query parameter (filters, sort,
 * time zone). Without JavaScript, like the rest of the dashboard.
 */
import type { Request } from 'express';
import { badParameter } from '../../core/app-errors.js';
import { html, type SafeHtml } from '../html.js';

export interface PageOpts {
  /** rows per page */
  size: number;
  /** query parameter naming the page (default `page`) */
  param?: string;
  /** id of the element the previous/next links jump to (the table's section on a long page) */
  anchor?: string;
  /** what the rows are, for the pager's accessible name ("Pages of calendar events") */
  label?: string;
}

export interface Page {
  /** 1-based page shown */
  page: number;
  pages: number;
  offset: number;
  size: number;
  total: number;
  param: string;
  anchor?: string;
}

/** The page `?page=` asks for, clamped to the pages there are (a page past the end shows the last). */
export function pageOf(req: Request, total: number, opts: PageOpts): Page {
  const param = opts.param ?? 'page';
  const raw = (req.query as Record<string, unknown>)[param];
  let page = 1;
  if (raw !== undefined) {
    if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw.trim()) || Number(raw) < 1) throw badParameter(param, 'a page number from 1');
    page = Number(raw);
  }
  const pages = Math.max(1, Math.ceil(total / opts.size));
  page = Math.min(page, pages);
  return { page, pages, offset: (page - 1) * opts.size, size: opts.size, total, param, ...(opts.anchor ? { anchor: opts.anchor } : {}) };
}

/** The URL of page `page` (every other query parameter kept); exported for `Link` headers. */
export function pageLink(req: Request, p: Pick<Page, 'param' | 'anchor'>, page: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) if (typeof v === 'string' && k !== p.param) params.set(k, v);
  if (page > 1) params.set(p.param, String(page));
  const s = params.toString();
  return `${req.baseUrl}${req.path}${s ? `?${s}` : ''}${p.anchor ? `#${p.anchor}` : ''}`;
}

const n = (x: number) => x.toLocaleString('en-US');

/** "Rows 101–200 of 1,872 · ‹ Previous · Next ›" (nothing when everything fits on one page). */
export function pagerNav(req: Request, p: Page, label: string): SafeHtml | string {
  if (p.pages <= 1) return '';
  const last = Math.min(p.total, p.offset + p.size);
  return html`<nav class="pager" aria-label="Pages of ${label}"><span>Rows ${n(p.offset + 1)}–${n(last)} of ${n(p.total)} (page ${n(p.page)} of ${n(p.pages)})</span>${
    p.page > 1 ? html` <a rel="prev" href="${pageLink(req, p, p.page - 1)}">‹ Previous</a>` : ''
  }${p.page < p.pages ? html` <a rel="next" href="${pageLink(req, p, p.page + 1)}">Next ›</a>` : ''}</nav>`;
}
