/**
 * Helpers shared by the server-rendered pages: query state, times with a UTC/local toggle, links to the
 * data behind every table and chart, and sortable tables. Everything goes through the escaped `html` tag.
 */
import type { Request } from 'express';
import { DateTime } from 'luxon';
import { badParameter } from '../../core/app-errors.js';
import { parseDuration, parseTime, TimeParseError } from '../../core/time.js';
import { html, type SafeHtml } from '../html.js';
import { pageOf, pagerNav, type Page, type PageOpts } from './pager.js';

export type TimeMode = 'utc' | 'local';

/** One query parameter as a plain string ('' when absent; a repeated parameter is a 400). */
export function q(req: Request, name: string): string {
  const v = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return '';
  if (typeof v !== 'string') throw badParameter(name, 'give it once, as a plain value');
  return v.trim();
}

export function timeMode(req: Request): TimeMode {
  const v = q(req, 'tz');
  if (v === '' || v === 'utc') return 'utc';
  if (v === 'local') return 'local';
  throw badParameter('tz', 'must be utc or local');
}

/** A time query parameter (ISO 8601, date or Unix seconds); undefined when absent. */
export function timeQuery(req: Request, name: string, role: 'start' | 'end'): number | undefined {
  const v = q(req, name);
  if (v === '') return undefined;
  try {
    return parseTime(v, role);
  } catch (err) {
    if (err instanceof TimeParseError)
      throw badParameter(name, `"${v}" is not a time: use 2016-05-21, 2016-05-21T00:00:00Z or Unix seconds`);
    throw err;
  }
}

export function durationQuery(req: Request, name: string, fallback: number): number {
  const v = q(req, name);
  if (v === '') return fallback;
  try {
    const d = parseDuration(v);
    if (d <= 0 || d > 3650 * 86400) throw new TimeParseError(v, 'out of range');
    return d;
  } catch (err) {
    if (err instanceof TimeParseError) throw badParameter(name, `"${v}" is not a duration such as 7d, 36h, 90m`);
    throw err;
  }
}

/** The current path with some query parameters changed (null removes one). */
export function withQuery(req: Request, changes: Record<string, string | null>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) if (typeof v === 'string' && !(k in changes)) params.set(k, v);
  for (const [k, v] of Object.entries(changes)) if (v !== null && v !== '') params.set(k, v);
  const s = params.toString();
  return `${req.baseUrl}${req.path}${s ? `?${s}` : ''}`;
}

/** `/api/...` URL with query parameters (empty values dropped). */
export function apiUrl(path: string, params: Record<string, string | number | undefined | null> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return `${path}${s ? `?${s}` : ''}`;
}

/** "Data: JSON · CSV" links to the API request behind a table or chart. */
/** `?signals=a,b` (or repeated `signals=`): the signals a view shows; undefined = all. */
export function signalsParam(req: Request): string[] | undefined {
  const v = (req.query as Record<string, unknown>).signals;
  if (v === undefined || v === '') return undefined;
  const list = (Array.isArray(v) ? v : [v])
    .flatMap((x) => (typeof x === 'string' ? x.split(',') : []))
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length ? list : undefined;
}

export function dataLinks(path: string, params: Record<string, string | number | undefined | null> = {}, label = 'Data'): SafeHtml {
  return html`<p class="data-links">${label}: <a href="${apiUrl(path, params)}" class="data-json">JSON</a> · <a href="${apiUrl(path, { ...params, format: 'csv' })}" class="data-csv">CSV</a></p>`;
}

export function fmtUtc(ts: number): string {
  return DateTime.fromSeconds(ts, { zone: 'utc' }).toFormat("yyyy-MM-dd HH:mm 'UTC'");
}

export function fmtLocal(ts: number, tz: string): string {
  const d = DateTime.fromSeconds(ts, { zone: tz });
  if (!d.isValid) return fmtUtc(ts);
  return `${d.toFormat('yyyy-MM-dd HH:mm')} ${d.toFormat('ZZ')} (${tz})`;
}

let formattersWarm = false;

/**
 * Pays the process's one-time cost of formatting times (luxon and ICU time-zone set-up: 15–90 ms of one
 * uninterrupted stretch on this 2-core machine) while the dashboard is being set up, before it serves. Without
 * it the first page that shows a time (the cold `/countries/:cc` render) held the event loop that long while
 * other requests waited (issue 17). Once per process; what any page shows is unchanged.
 */
export function warmTimeFormatters(): void {
  if (formattersWarm) return;
  formattersWarm = true;
  time(0, 'local', 'UTC');
}

/**
 * A `<time>` that shows UTC or local time by the page's mode; both texts ride along in data attributes
 * so that the toggle (public/page.js) switches without a reload.
 */
export function time(ts: number | null | undefined, mode: TimeMode, tz: string | null): SafeHtml | string {
  if (ts === null || ts === undefined) return '—';
  const utc = fmtUtc(ts);
  const local = tz ? fmtLocal(ts, tz) : utc;
  const iso = new Date(ts * 1000).toISOString().replace('.000Z', 'Z');
  return html`<time datetime="${iso}" data-utc="${utc}" data-local="${local}">${mode === 'local' ? local : utc}</time>`;
}

/** The UTC / local-time toggle: plain links without JS, switched in place with it. */
export function tzToggle(req: Request, mode: TimeMode, tzLabel: string): SafeHtml {
  return html`<div class="tz-toggle" role="group" aria-label="Show times in">
<span class="muted">Times:</span>
<a href="${withQuery(req, { tz: null })}" data-tz-mode="utc" class="${mode === 'utc' ? 'active' : ''}" aria-pressed="${mode === 'utc' ? 'true' : 'false'}">UTC</a>
<a href="${withQuery(req, { tz: 'local' })}" data-tz-mode="local" class="${mode === 'local' ? 'active' : ''}" aria-pressed="${mode === 'local' ? 'true' : 'false'}">${tzLabel}</a>
</div>`;
}

export function duration(seconds: number): string {
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${(seconds / 3600).toFixed(seconds % 3600 === 0 ? 0 : 1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

export function pct(x: number | null | undefined, digits = 0): string {
  return x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)} %`;
}

export function num(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 1e6) return x.toExponential(2);
  return String(Math.round(x * 10 ** digits) / 10 ** digits);
}

export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined) return '—';
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

// ---------- sortable tables ----------

export interface Column<T> {
  key: string;
  label: string;
  /** Value sorted on; without it the column is not sortable. */
  sort?: (row: T) => string | number | null;
  cell: (row: T) => unknown;
  className?: string;
}

/** The sort `?sort=KEY&dir=asc|desc` asks for, among the sortable columns (the default when it names none). */
export function sortState<T>(
  req: Request,
  cols: ReadonlyArray<Column<T>>,
  def: { key: string; dir: 'asc' | 'desc' },
): { key: string; dir: 'asc' | 'desc' } {
  const want = q(req, 'sort');
  const col = cols.find((c) => c.key === want && c.sort) ?? cols.find((c) => c.key === def.key)!;
  const d = q(req, 'dir');
  const dir: 'asc' | 'desc' = d === 'asc' || d === 'desc' ? d : col.key === def.key ? def.dir : 'asc';
  return { key: col.key, dir };
}

/** Sorts by `?sort=KEY&dir=asc|desc` (server-side, so the URL carries the state). */
export function sortRows<T>(
  req: Request,
  rows: readonly T[],
  cols: ReadonlyArray<Column<T>>,
  def: { key: string; dir: 'asc' | 'desc' },
): { rows: T[]; key: string; dir: 'asc' | 'desc' } {
  const { key, dir } = sortState(req, cols, def);
  const f = cols.find((c) => c.key === key)!.sort!;
  const sorted = [...rows].sort((a, b) => {
    const x = f(a);
    const y = f(b);
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return dir === 'asc' ? c : -c;
  });
  return { rows: sorted, key, dir };
}

type TableOpts = { caption?: string; id?: string; empty?: string };

function renderTable<T>(
  req: Request,
  rows: readonly T[],
  cols: ReadonlyArray<Column<T>>,
  s: { key: string; dir: 'asc' | 'desc' },
  p: Page | null,
  opts: TableOpts & { page?: PageOpts },
): SafeHtml {
  const head = cols.map((c) => {
    if (!c.sort) return html`<th scope="col">${c.label}</th>`;
    const active = c.key === s.key;
    const next = active && s.dir === 'asc' ? 'desc' : 'asc';
    const ariaSort = active ? (s.dir === 'asc' ? 'ascending' : 'descending') : 'none';
    // a new order starts again at its first page
    const href = withQuery(req, p ? { sort: c.key, dir: next, [p.param]: null } : { sort: c.key, dir: next });
    return html`<th scope="col" aria-sort="${ariaSort}"><a href="${href}${p?.anchor ? `#${p.anchor}` : ''}">${c.label}${active ? (s.dir === 'asc' ? ' ▲' : ' ▼') : ''}</a></th>`;
  });
  const body = rows.map(
    (r) => html`<tr>${cols.map((c) => html`<td${c.className ? html` class="${c.className}"` : ''}>${c.cell(r)}</td>`)}</tr>`,
  );
  const nav = p ? pagerNav(req, p, opts.page?.label ?? opts.caption ?? opts.id ?? 'this table') : '';
  return html`<div class="table-wrap"><table${opts.id ? html` id="${opts.id}"` : ''} class="sortable">${opts.caption ? html`<caption>${opts.caption}</caption>` : ''}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>${nav}`;
}

/** A sortable table; with `page`, one page of the sorted rows and a pager (`pager.ts`). */
export function table<T>(
  req: Request,
  rows: readonly T[],
  cols: ReadonlyArray<Column<T>>,
  def: { key: string; dir: 'asc' | 'desc' },
  opts: TableOpts & { page?: PageOpts } = {},
): SafeHtml {
  if (rows.length === 0) return html`<p class="muted empty">${opts.empty ?? 'Nothing to show.'}</p>`;
  const s = sortRows(req, rows, cols, def);
  const p = opts.page ? pageOf(req, s.rows.length, opts.page) : null;
  if (p) s.rows = s.rows.slice(p.offset, p.offset + p.size);
  return renderTable(req, s.rows, cols, s, p, opts);
}

/**
 * A sortable table whose rows were sorted and paged by the database (issue 21: a long listing reads one page):
 * `load(sort, page)` returns the rows of the page `?page=` asks for (clamped to the last page) in the order the
 * sort state asks for; `total` is the count of every row. Same markup, sort links and pager as `table`.
 */
export function pagedTable<T>(
  req: Request,
  total: number,
  load: (sort: { key: string; dir: 'asc' | 'desc' }, page: Page) => readonly T[],
  cols: ReadonlyArray<Column<T>>,
  def: { key: string; dir: 'asc' | 'desc' },
  opts: TableOpts & { page: PageOpts },
): SafeHtml {
  if (total === 0) return html`<p class="muted empty">${opts.empty ?? 'Nothing to show.'}</p>`;
  const s = sortState(req, cols, def);
  const p = pageOf(req, total, opts.page);
  return renderTable(req, load(s, p), cols, s, p, opts);
}

/** `pagedTable` whose page is read asynchronously (the backend-neutral listing reads, db/listings.ts). */
export async function pagedTableAsync<T>(
  req: Request,
  total: number,
  load: (sort: { key: string; dir: 'asc' | 'desc' }, page: Page) => Promise<readonly T[]>,
  cols: ReadonlyArray<Column<T>>,
  def: { key: string; dir: 'asc' | 'desc' },
  opts: TableOpts & { page: PageOpts },
): Promise<SafeHtml> {
  if (total === 0) return html`<p class="muted empty">${opts.empty ?? 'Nothing to show.'}</p>`;
  const s = sortState(req, cols, def);
  const p = pageOf(req, total, opts.page);
  return renderTable(req, await load(s, p), cols, s, p, opts);
}

/** A label + input pair for filter forms. */
export function field(
  name: string,
  label: string,
  value: string,
  opts: { type?: string; placeholder?: string; list?: string } = {},
): SafeHtml {
  const id = `f-${name}`;
  return html`<label for="${id}">${label}</label> <input id="${id}" name="${name}" type="${opts.type ?? 'text'}" value="${value}"${opts.placeholder ? html` placeholder="${opts.placeholder}"` : ''}${opts.list ? html` list="${opts.list}"` : ''}>`;
}

export function select(name: string, label: string, value: string, options: ReadonlyArray<string | [string, string]>): SafeHtml {
  const id = `f-${name}`;
  return html`<label for="${id}">${label}</label> <select id="${id}" name="${name}">${options.map((o) => {
    const [v, text] = typeof o === 'string' ? [o, o || 'any'] : o;
    return html`<option value="${v}"${v === value ? html` selected` : ''}>${text}</option>`;
  })}</select>`;
}

/** Hidden inputs that keep other state (tz, sort) when a filter form is submitted. */
export function keep(req: Request, names: string[]): SafeHtml {
  return html`${names.map((n) => (q(req, n) ? html`<input type="hidden" name="${n}" value="${q(req, n)}">` : ''))}`;
}

export const VERDICT_TEXT: Record<string, string> = {
  'connectivity-outage': 'connectivity outage',
  'service-blocking': 'service blocking',
  both: 'connectivity outage and service blocking',
  'regional-outage': 'regional outage only',
  'nothing-unusual': 'nothing unusual',
  'insufficient-data': 'insufficient data',
};

export function verdictBadge(label: string): SafeHtml {
  return html`<span class="verdict verdict-${label}">${VERDICT_TEXT[label] ?? label}</span>`;
}
