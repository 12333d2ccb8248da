/**
 * Parsers for published outage lists (pure: text in, rows and rejections out).
 * - `stop`: Access Now #KeepItOn STOP, three yearly layouts (2016–18; 2019 with trailing spaces in header names;
 *   2020–22), ISO or m/d/Y days, `Ongoing`/`Unknown`/blank ends (open-ended).
 * - `ioda-investigated`: IODA's manually investigated outages (SIGCOMM 2023), UTC times in long English form.
 * - `csv`: `country,start,end[,kind,scope,area,cause,source]`.
 * Every rejected row is reported as FILE:LINE: field: reason, LINE being the record's first physical line.
 */
import type { ReferenceOutage } from '../../db/reference.js';
import { readCsvText, type BrokenRecord } from '../util/csv-records.js';
import { normalizeScope } from './scope.js';
import { resolveCountry, unknownCountryReason, type CountryMatch } from './countries.js';
import { DateFormatError, parseDay, parseInstant, parseIodaTime, parseMonth } from './dates.js';

export const FORMATS = ['stop', 'ioda-investigated', 'csv'] as const;
export type ReferenceFormat = (typeof FORMATS)[number];
export const KINDS = ['connectivity', 'service-blocking', 'throttling', 'both'] as const;

export interface Rejection {
  file: string;
  line: number;
  field: string;
  reason: string;
}

export interface ParseResult {
  rows: ReferenceOutage[];
  rejected: Rejection[];
  /** rows that repeat an earlier row of the same file (kept once) */
  repeated: number;
  layout: string;
}

interface Rec {
  line: number;
  get(name: string): string;
  has(name: string): boolean;
  raw: Record<string, string>;
}

const DAY = 86400;

/** A column name folded for lookup: `end_date `, `End Date` and `end-date` are one column. */
export function columnKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

/**
 * Records with their first physical line; header names trimmed (the 2019 STOP sheet pads them with spaces).
 * A record csv-parse cannot read (a stray or unclosed quote) is reported at its first line, naming the column where
 * the parser stopped, and reading resumes at the next physical line: one bad quote costs that row, not the file
 * (the shared reader in services/util/csv-records.ts, also used by the calendar importers).
 */
function records(text: string): { header: string[]; recs: Rec[]; broken: Array<{ line: number; field: string; reason: string }> } {
  const got: Array<{ record: string[]; line: number }> = [];
  const broken: BrokenRecord[] = [];
  readCsvText(
    text,
    (record, line) => void got.push({ record, line }),
    (b) => broken.push(b),
  );
  if (got.length === 0 || broken[0]?.line === 1 || (got[0]!.line > 1 && broken.some((b) => b.line < got[0]!.line))) {
    return { header: [], recs: [], broken: broken.map(({ line, reason }) => ({ line, field: line === 1 ? 'header' : 'csv', reason })) };
  }
  const header = got[0]!.record.map((h) => h.trim());
  // columns are found whatever their case, spacing and punctuation: a sheet not seen before may write
  // "Full or Service-based", "full_or_service_based" or "phone_call_affected" for "phonecall_affected"
  const byName = new Map<string, string>();
  for (const h of header) if (h && !byName.has(columnKey(h))) byName.set(columnKey(h), h);
  const recs: Rec[] = got.slice(1).map(({ record, line }) => {
    const raw: Record<string, string> = {};
    header.forEach((h, i) => {
      if (h && raw[h] === undefined) raw[h] = record[i] ?? '';
    });
    const col = (n: string) => byName.get(columnKey(n)) ?? n;
    return { line, raw, has: (n) => byName.has(columnKey(n)), get: (n) => (raw[col(n)] ?? '').trim() };
  });
  return {
    header,
    recs,
    broken: broken.map(({ line, reason, column }) => ({
      line,
      field: (column !== null && header[column]) || 'csv',
      reason: `${reason} (the row is skipped; reading goes on at the next line)`,
    })),
  };
}

class Reject extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(reason);
  }
}

const OPEN = /^(ongoing|unknown|unkown|n\/?a|tbd|-)?$/i;

/** Occurrence counters for natural keys: the n-th shutdown of a country starting on a day. */
function keyer() {
  const seen = new Map<string, number>();
  return (base: string) => {
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return `${base}#${n}`;
  };
}

function isoDay(ts: number): string {
  return new Date(ts * 1000).toISOString().slice(0, 10);
}

function country(v: string, field: string): CountryMatch {
  if (!v) throw new Reject(field, 'empty');
  const m = resolveCountry(v);
  if (!m) throw new Reject(field, unknownCountryReason(v));
  return m;
}

/** A file whose header is not the format's: the header line, or the lines csv-parse could not read. */
function headerRejection(
  file: string,
  broken: ReadonlyArray<{ line: number; field: string; reason: string }>,
  reason: string,
): Rejection[] {
  return broken.some((b) => b.line === 1) ? brokenRows(file, broken) : [{ file, line: 1, field: 'header', reason }];
}

/** Rows csv-parse could not read, as rejections. */
function brokenRows(file: string, broken: ReadonlyArray<{ line: number; field: string; reason: string }>): Rejection[] {
  return broken.map((b) => ({ file, line: b.line, field: b.field, reason: b.reason }));
}

function split(v: string): string[] {
  return v
    .split(/[,;&]|\n/)
    .map((s) => s.trim())
    .filter((s) => s && !/^(n\/?a|none|no|unknown)$/i.test(s));
}

// ---------- STOP ----------

type StopLayout = '2016-2018' | '2019' | '2020-2022';

function stopLayout(header: string[]): StopLayout | null {
  const cols = new Set(header.map(columnKey));
  if (cols.has('shutdowntypegroup')) return '2016-2018';
  if (cols.has('fullorservicebased')) return '2019';
  if (cols.has('shutdownextent')) return '2020-2022';
  return null;
}

function stopKind(layout: StopLayout, r: Rec): string | null {
  const has = (s: string, re: RegExp) => re.test(s);
  if (layout === '2016-2018') {
    const g = `${r.get('shutdown_type_group')} ${r.get('shutdown_type')}`.toLowerCase();
    const group = r.get('shutdown_type_group').toLowerCase();
    if (group === 'throttling') return 'throttling';
    if (group === 'service-based') return 'service-blocking';
    if (group) return has(g, /service-based/) ? 'both' : 'connectivity';
    return null;
  }
  const extent = (layout === '2019' ? r.get('full or service-based') : r.get('shutdown_extent')).toLowerCase();
  const type = (layout === '2019' ? r.get('shutdown_type_new') : r.get('shutdown_type')).toLowerCase();
  if (/^throttl/.test(type)) return 'throttling';
  const full = /full/.test(extent);
  const service = /service/.test(extent);
  if (full && service) return 'both';
  if (full) return 'connectivity';
  if (service) return 'service-blocking';
  return /throttl/.test(type) ? 'throttling' : null;
}

const STOP_APPS = ['facebook', 'twitter', 'whatsapp', 'instagram', 'telegram'];

function stopServices(layout: StopLayout, r: Rec): string[] {
  const out: string[] = [];
  if (layout === '2016-2018') {
    for (const item of [...split(r.get('services_affected')), ...split(r.get('service_details'))]) out.push(item);
  } else {
    for (const [k, v] of Object.entries(r.raw)) {
      const m = /^([a-z]+)_affected$/i.exec(k.trim());
      if (m && STOP_APPS.includes(m[1]!.toLowerCase()) && /^(yes|true)/i.test(v.trim()))
        out.push(m[1]![0]!.toUpperCase() + m[1]!.slice(1).toLowerCase());
    }
    for (const item of split(layout === '2019' ? r.get('other_service_details (specify)') : r.get('other_affected'))) out.push(item);
    if (/^(yes|true)/i.test(r.get('SMS_and_phone_call_affected') || r.get('sms_affected'))) out.push('SMS');
    if (/^(yes|true)/i.test(r.get('phonecall_affected'))) out.push('Phone calls'); // also "phone_call_affected" (2020)
  }
  return [...new Set(out)];
}

export function parseStop(text: string, file: string, list: string): ParseResult {
  const { header, recs, broken } = records(text);
  const layout = stopLayout(header);
  if (!layout) {
    return {
      rows: [],
      rejected: headerRejection(
        file,
        broken,
        'not a STOP sheet: expected shutdown_type_group (2016–18), "full or service-based" (2019) or shutdown_extent (2020–22)',
      ),
      repeated: 0,
      layout: 'unknown',
    };
  }
  const key = keyer();
  const rows: ReferenceOutage[] = [];
  const rejected: Rejection[] = brokenRows(file, broken);
  for (const r of recs) {
    try {
      const { code: cc, area: place } = country(r.get('country'), 'country');
      const sRaw = r.get('start_date');
      if (!sRaw) throw new Reject('start_date', 'empty');
      const start = parseDay(sRaw);
      if (start === null) throw new Reject('start_date', `"${sRaw}" is not a date (ISO or m/d/Y)`);
      const eRaw = r.get('end_date');
      let end: number | null = null;
      if (!OPEN.test(eRaw)) {
        const day = parseDay(eRaw);
        const month = day === null ? parseMonth(eRaw) : null;
        if (day === null && month === null) throw new Reject('end_date', `"${eRaw}" is not a date (ISO or m/d/Y), Ongoing or Unknown`);
        end = day !== null ? day + DAY : month![1]; // the end day is inclusive; a month alone ends with the month
        if (end <= start) throw new Reject('end_date', `ends before it starts (${eRaw} < ${sRaw})`);
      }
      const geo = r.get('geo_scope');
      const areaName = r.get('area_name').replace(/\s+/g, ' ');
      rows.push({
        list,
        naturalKey: key(`${cc}|${isoDay(start)}`),
        country: cc,
        start,
        end,
        kind: stopKind(layout, r),
        scope: normalizeScope(geo),
        scopeRaw: geo || null,
        scopeDetail: areaName || null,
        area: place ?? (areaName || null),
        cause: r.get('actual_cause').replace(/\s+/g, ' ') || null,
        services: stopServices(layout, r),
        source: (r.get('news_link') || r.get('info_source_link') || r.get('an_link')).split(/\s+/)[0] || null,
        originFile: file,
        originLine: r.line,
        raw: r.raw,
      });
    } catch (err) {
      if (err instanceof Reject) rejected.push({ file, line: r.line, field: err.field, reason: err.message });
      else if (err instanceof DateFormatError) rejected.push({ file, line: r.line, field: 'date', reason: err.message });
      else throw err;
    }
  }
  return { rows, rejected, repeated: 0, layout };
}

// ---------- IODA investigated ----------

export function parseIodaInvestigated(text: string, file: string, list: string): ParseResult {
  const { header, recs, broken } = records(text);
  const cols = new Set(header.map(columnKey));
  if (!cols.has('begintime') || !cols.has('endtime') || !cols.has('country')) {
    return {
      rows: [],
      rejected: headerRejection(file, broken, 'not IODA\'s investigated-outages list: expected "Begin time", "End time", "Country"'),
      repeated: 0,
      layout: 'unknown',
    };
  }
  const scopeCol = header.find((h) => /^scope\b/i.test(h)) ?? 'Scope';
  const key = keyer();
  const rows: ReferenceOutage[] = [];
  const rejected: Rejection[] = brokenRows(file, broken);
  const time = (r: Rec, field: string) => {
    try {
      return parseIodaTime(r.get(field));
    } catch (err) {
      if (err instanceof DateFormatError)
        throw new Reject(field, `${err.message === 'N/A' || err.message === 'empty' ? err.message : `"${r.get(field)}": ${err.message}`}`);
      throw err;
    }
  };
  for (const r of recs) {
    if (Object.values(r.raw).every((v) => !v.trim())) continue;
    try {
      const { code: cc, area: place } = country(r.get('Country'), 'Country');
      const start = time(r, 'Begin time');
      const end = time(r, 'End time');
      if (end < start) throw new Reject('End time', `ends before it starts (${r.get('End time')} < ${r.get('Begin time')})`);
      const scopeRaw = r.get(scopeCol);
      const scope = normalizeScope(scopeRaw);
      // "Region (Central Equitoria)", "AS (10091)": the detail in the parenthesis, else the Region / AS column
      const paren = (/\(([^)]*)\)/.exec(scopeRaw)?.[1] ?? '').trim();
      const detail = paren || (scope === 'asn' ? r.get('AS') : r.get('Region')) || r.get('Region') || r.get('AS') || null;
      const id = r.get('ID');
      rows.push({
        list,
        naturalKey: key(id || `${cc}|${start}`),
        country: cc,
        start,
        end,
        kind: null,
        scope,
        scopeRaw: scopeRaw || null,
        scopeDetail: detail,
        area: place ?? (scope === 'asn' ? null : detail),
        cause: r.get('Cause') || null,
        services: [],
        source: r.get('Grafana URLs').split(/\s+/)[0] || null,
        originFile: file,
        originLine: r.line,
        raw: Object.fromEntries(Object.entries(r.raw).filter(([k]) => k)),
      });
    } catch (err) {
      if (err instanceof Reject) rejected.push({ file, line: r.line, field: err.field, reason: err.message });
      else throw err;
    }
  }
  return { rows, rejected, repeated: 0, layout: 'ioda-investigated' };
}

// ---------- plain CSV ----------

export function parsePlainCsv(text: string, file: string, list: string): ParseResult {
  const { header, recs, broken } = records(text);
  const h = header.map((x) => x.toLowerCase());
  const missing = ['country', 'start', 'end'].filter((c) => !h.includes(c));
  if (missing.length)
    return {
      rows: [],
      rejected: headerRejection(
        file,
        broken,
        `missing column(s) ${missing.join(', ')} (expected country,start,end[,kind,scope,area,cause,source])`,
      ),
      repeated: 0,
      layout: 'unknown',
    };
  const col = (r: Rec, name: string) => {
    const idx = h.indexOf(name);
    return idx < 0 ? '' : (r.raw[header[idx]!] ?? '').trim();
  };
  const key = keyer();
  const rows: ReferenceOutage[] = [];
  const rejected: Rejection[] = brokenRows(file, broken);
  for (const r of recs) {
    try {
      const { code: cc, area: place } = country(col(r, 'country'), 'country');
      const sRaw = col(r, 'start');
      if (!sRaw) throw new Reject('start', 'empty');
      const start = parseInstant(sRaw);
      if (start === null) throw new Reject('start', `"${sRaw}" is not a date or ISO 8601 instant`);
      const eRaw = col(r, 'end');
      let end: number | null = null;
      if (!OPEN.test(eRaw)) {
        const e = parseInstant(eRaw);
        if (e === null) throw new Reject('end', `"${eRaw}" is not a date or ISO 8601 instant (or empty / Ongoing / Unknown)`);
        // a date alone ends at the end of that day
        end = /^\d{4}-\d{1,2}-\d{1,2}$|^\d{1,2}\/\d{1,2}\/\d{4}$/.test(eRaw) ? e + DAY : e;
        if (end <= start) throw new Reject('end', `ends before it starts (${eRaw} < ${sRaw})`);
      }
      const kindRaw = col(r, 'kind').toLowerCase();
      if (kindRaw && !(KINDS as readonly string[]).includes(kindRaw))
        throw new Reject('kind', `must be one of ${KINDS.join(', ')} or empty`);
      rows.push({
        list,
        naturalKey: key(`${cc}|${start}`),
        country: cc,
        start,
        end,
        kind: kindRaw || null,
        scope: normalizeScope(col(r, 'scope')),
        scopeRaw: col(r, 'scope') || null,
        scopeDetail: col(r, 'area') || null,
        area: place ?? (col(r, 'area') || null),
        cause: col(r, 'cause') || null,
        services: [],
        source: col(r, 'source') || null,
        originFile: file,
        originLine: r.line,
        raw: r.raw,
      });
    } catch (err) {
      if (err instanceof Reject) rejected.push({ file, line: r.line, field: err.field, reason: err.message });
      else if (err instanceof DateFormatError) rejected.push({ file, line: r.line, field: 'date', reason: err.message });
      else throw err;
    }
  }
  return { rows, rejected, repeated: 0, layout: 'csv' };
}

export function parseReference(format: ReferenceFormat, text: string, file: string, list: string): ParseResult {
  if (format === 'stop') return parseStop(text, file, list);
  if (format === 'ioda-investigated') return parseIodaInvestigated(text, file, list);
  return parsePlainCsv(text, file, list);
}
