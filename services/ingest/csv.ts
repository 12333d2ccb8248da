import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { DateTime } from 'luxon';
import { parseEntity, formatEntity, parseSignalName } from '../../db/entities.js';
import type { PointTuple, WindowResult, WindowWrite } from '../../db/store.js';
import { UsageError } from '../../core/app-errors.js';
import { readCsvText } from '../util/csv-records.js';
import { isoUtc } from '../../core/time.js';

/**
 * Generic CSV ingest: a user's own time series (`custom.connectivity`...) from any CSV with a time column
 * and a value column. Times are ISO 8601, text in a luxon format read in `tz`, or Unix seconds (UTC, or
 * local wall-clock seconds in `tz` with `epochLocal`). With a group column each group becomes its own
 * entity (`county:<cc>-<slug>` / `region:<cc>-<slug>`) and the main entity gets the mean of the groups.
 */
export interface CsvIngestOptions {
  /** The entity the series is about (with groups: the entity that gets their mean), e.g. country:IR. */
  entity: string;
  /** `source.metric[:target]`, e.g. custom.connectivity. */
  signal: string;
  timeColumn: string;
  valueColumn: string;
  /** `iso`, `epoch`, or a luxon format such as `dd-LLL-yyyy HH:mm:ss`. Default: epoch when all digits, ISO otherwise. */
  timeFormat?: string;
  /** IANA zone for times without an offset (default UTC). */
  tz?: string;
  /** Unix-like seconds that count local wall-clock time in `tz` (not UTC). */
  epochLocal?: boolean;
  groupColumn?: string;
  groupEntityType?: 'region' | 'county';
  /** Collector name the checkpoints are kept under (default `csv`). */
  collector?: string;
  /** Provenance stored with the signal (`--source-name`, `--licence`, `--citation`, `--unit`, `--label`, `--axis`, `--target`). */
  provenance?: CsvProvenance;
}

export interface CsvProvenance {
  sourceName?: string;
  licence?: string;
  citation?: string;
  unit?: string;
  label?: string;
  axis?: 'connectivity' | 'services';
  target?: string;
}

export interface RejectedRow {
  /** 1-based physical line, the header being line 1. */
  line: number;
  field: string;
  reason: string;
}

export interface ParsedSeries {
  entity: string;
  /** The original group name (null for an ungrouped series). */
  name: string | null;
  /** True for the mean over groups. */
  aggregate: boolean;
  groups?: number;
  points: PointTuple[];
}

export interface ParsedCsv {
  /** Data rows read (header excluded), rejected ones included. */
  rows: number;
  accepted: number;
  series: ParsedSeries[];
  rejected: RejectedRow[];
  /** The most common spacing between points, seconds (null with fewer than two). */
  step: number | null;
}

export interface CsvIngestResult {
  file: string;
  signal: string;
  rows: number;
  accepted: number;
  points: number;
  step: number | null;
  entities: Array<{ entity: string; name: string | null; points: number; from: string | null; until: string | null }>;
  rejected: Array<RejectedRow & { file: string }>;
}

const NO_DATA = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '-']);
const TIME_FORMATS = ['iso', 'epoch'] as const;

/** A code for an entity from a free-text name: ASCII letters, digits, `.`, `_`, `-` only. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
}

function validZone(tz: string): boolean {
  return DateTime.now().setZone(tz).isValid;
}

/** Checks the options that do not depend on the file; a bad one is a UsageError naming the flag. */
export function checkOptions(opts: CsvIngestOptions): void {
  try {
    parseEntity(opts.entity);
  } catch (err) {
    throw new UsageError(`--entity: ${(err as Error).message}`);
  }
  try {
    parseSignalName(opts.signal);
  } catch (err) {
    throw new UsageError(`--signal: ${(err as Error).message}`);
  }
  if (opts.tz !== undefined && !validZone(opts.tz)) throw new UsageError(`--tz: "${opts.tz}" is not an IANA time zone (e.g. Asia/Tehran)`);
  if (opts.epochLocal && !opts.tz) throw new UsageError('--epoch-local needs --tz: the zone whose wall-clock time the epoch counts');
  if (opts.epochLocal && opts.timeFormat && opts.timeFormat !== 'epoch')
    throw new UsageError('--epoch-local applies to Unix-second times only; drop --time-format or use --time-format epoch');
  if (opts.groupColumn && !opts.groupEntityType) throw new UsageError('--group-column needs --group-entity-type region|county');
  if (opts.groupEntityType && !opts.groupColumn) throw new UsageError('--group-entity-type needs --group-column');
  if (opts.groupEntityType && opts.groupEntityType !== 'region' && opts.groupEntityType !== 'county')
    throw new UsageError('--group-entity-type: must be region or county');
  if (opts.timeFormat !== undefined && opts.timeFormat.trim() === '') throw new UsageError('--time-format: must not be empty');
  const p = opts.provenance;
  if (p) {
    if (p.axis !== undefined && p.axis !== 'connectivity' && p.axis !== 'services')
      throw new UsageError(`--axis: must be connectivity or services, not "${String(p.axis)}"`);
    if (p.target !== undefined && p.axis !== 'services')
      throw new UsageError('--target names what a services signal measures: give it with --axis services');
    for (const [flag, v] of [
      ['--source-name', p.sourceName],
      ['--licence', p.licence],
      ['--citation', p.citation],
      ['--unit', p.unit],
      ['--label', p.label],
      ['--target', p.target],
    ] as const) {
      if (v !== undefined && v.trim() === '') throw new UsageError(`${flag}: must not be empty`);
    }
  }
}

type TimeParser = (raw: string) => { ts: number } | { error: string };

/** Memoizes a time parser by its input text (grouped files repeat each time once per group). */
function memo(parse: TimeParser): TimeParser {
  const cache = new Map<string, ReturnType<TimeParser>>();
  return (raw) => {
    let r = cache.get(raw);
    if (r === undefined) {
      r = parse(raw);
      if (cache.size > 100_000) cache.clear();
      cache.set(raw, r);
    }
    return r;
  };
}

function timeParser(opts: CsvIngestOptions): TimeParser {
  return memo(rawTimeParser(opts));
}

function rawTimeParser(opts: CsvIngestOptions): TimeParser {
  const zone = opts.tz ?? 'UTC';
  const fmt = opts.timeFormat;
  const offsets = new Map<number, number | { error: string }>();
  const epoch = (s: string): { ts: number } | { error: string } => {
    const n = Number(s);
    if (!Number.isFinite(n)) return { error: `"${s}" is not Unix seconds` };
    if (Math.abs(n) >= 1e11) return { error: `"${s}" looks like milliseconds; Unix seconds expected` };
    const secs = Math.floor(n);
    if (!opts.epochLocal) return { ts: secs };
    // zone offsets change only on quarter hours of local time: one conversion per quarter hour
    const bucket = Math.floor(secs / 900) * 900;
    let off = offsets.get(bucket);
    if (off === undefined) {
      const r = localToUtc(bucket, s);
      off = 'error' in r ? r : bucket - r.ts;
      offsets.set(bucket, off);
    }
    if (typeof off !== 'number') return localToUtc(secs, s);
    return { ts: secs - off };
  };
  const localToUtc = (secs: number, s: string): { ts: number } | { error: string } => {
    // the epoch counts wall-clock seconds in `zone`: read its UTC fields as local fields
    const wall = DateTime.fromSeconds(secs, { zone: 'UTC' });
    const local = DateTime.fromObject(
      { year: wall.year, month: wall.month, day: wall.day, hour: wall.hour, minute: wall.minute, second: wall.second },
      { zone },
    );
    if (!local.isValid) return { error: `"${s}": ${local.invalidExplanation ?? 'invalid local time'}` };
    if (local.hour !== wall.hour || local.minute !== wall.minute)
      return {
        error: `"${s}" is ${wall.toFormat('yyyy-LL-dd HH:mm:ss')} local, a time that does not exist in ${zone} (clocks moved forward)`,
      };
    return { ts: Math.floor(local.toSeconds()) };
  };
  const iso = (s: string): { ts: number } | { error: string } => {
    let d = DateTime.fromISO(s, { zone });
    if (!d.isValid) d = DateTime.fromSQL(s, { zone });
    if (!d.isValid) return { error: `"${s}" is not an ISO 8601 time` };
    return { ts: Math.floor(d.toSeconds()) };
  };
  if (fmt === 'epoch') return epoch;
  if (fmt === 'iso') return iso;
  if (fmt !== undefined) {
    return (s) => {
      const d = DateTime.fromFormat(s, fmt, { zone, locale: 'en-US' });
      if (!d.isValid) return { error: `"${s}" does not match the format "${fmt}"` };
      return { ts: Math.floor(d.toSeconds()) };
    };
  }
  return (s) => (/^-?\d+(\.\d+)?$/.test(s) ? epoch(s) : iso(s));
}

function commonStep(tss: number[]): number | null {
  const sorted = [...new Set(tss)].sort((a, b) => a - b);
  const counts = new Map<number, number>();
  for (let i = 1; i < sorted.length; i++) {
    const d = sorted[i]! - sorted[i - 1]!;
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best: number | null = null;
  let n = 0;
  for (const [d, c] of counts) if (c > n || (c === n && best !== null && d < best)) [best, n] = [d, c];
  return best;
}

/**
 * The CSV records with the 1-based physical line each starts on, read by the one CSV reader
 * (services/util/csv-records.ts over csv-parse): quoted fields may hold commas, doubled quotes and line breaks;
 * CRLF or LF; blank lines are skipped. A record that cannot be read (a stray or unclosed quote) is reported at
 * its first line and reading goes on at the next line.
 */
export function readRecords(text: string, reject: (line: number, reason: string) => void): Array<{ record: string[]; line: number }> {
  const out: Array<{ record: string[]; line: number }> = [];
  readCsvText(
    text,
    (record, line) => {
      out.push({ record, line });
    },
    (b) => reject(b.line, b.reason),
  );
  return out;
}

/** Parses the CSV text into series; never throws for a bad row (it is rejected), only for bad usage. */
export function parseCsvSeries(text: string, opts: CsvIngestOptions): ParsedCsv {
  checkOptions(opts);
  const main = parseEntity(opts.entity);
  const country = main.type === 'country' ? main.code : null;
  const rejected: RejectedRow[] = [];
  const records = readRecords(text, (line, reason) => rejected.push({ line, field: '(row)', reason }));
  const headerRec = records.shift();
  if (!headerRec) throw new UsageError('the file is empty: a header line naming the columns is needed');
  const header = headerRec.record.map((h) => h.trim());
  const col = (flag: string, name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new UsageError(`${flag}: no column "${name}" in the header (columns: ${header.join(', ')})`);
    return i;
  };
  const ti = col('--time-column', opts.timeColumn);
  const vi = col('--value-column', opts.valueColumn);
  const gi = opts.groupColumn ? col('--group-column', opts.groupColumn) : -1;
  const parseT = timeParser(opts);

  type Acc = { name: string | null; points: Map<number, { value: number | null; line: number }> };
  const groups = new Map<string, Acc>();
  const slugs = new Map<string, string>(); // slug → original name
  const groupEntity = new Map<string, string>(); // original name → entity
  const entityFor = (name: string): string => {
    const known = groupEntity.get(name);
    if (known) return known;
    const base = [country?.toLowerCase(), slugify(name)].filter(Boolean).join('-') || 'group';
    let slug = base.slice(0, 64);
    for (let k = 2; slugs.has(slug) && slugs.get(slug) !== name; k++) slug = `${base.slice(0, 60)}-${k}`;
    slugs.set(slug, name);
    const e = formatEntity(parseEntity(`${opts.groupEntityType}:${slug}`));
    groupEntity.set(name, e);
    return e;
  };

  let rows = 0;
  for (const { record, line } of records) {
    rows++;
    const cell = (i: number) => (record[i] ?? '').trim();
    if (record.length < header.length && record.length <= Math.max(ti, vi, gi)) {
      rejected.push({ line, field: '(row)', reason: `expected ${header.length} columns, found ${record.length}` });
      continue;
    }
    const rawT = cell(ti);
    if (rawT === '') {
      rejected.push({ line, field: opts.timeColumn, reason: 'empty' });
      continue;
    }
    const t = parseT(rawT);
    if ('error' in t) {
      rejected.push({ line, field: opts.timeColumn, reason: t.error });
      continue;
    }
    const rawV = cell(vi);
    let value: number | null = null;
    if (!NO_DATA.has(rawV.toLowerCase())) {
      const n = Number(rawV);
      if (!Number.isFinite(n)) {
        rejected.push({ line, field: opts.valueColumn, reason: `"${rawV}" is not a number` });
        continue;
      }
      value = n === 0 ? 0 : n; // -0 → 0
    }
    let key = formatEntity(main);
    let name: string | null = null;
    if (gi >= 0) {
      name = cell(gi);
      if (name === '') {
        rejected.push({ line, field: opts.groupColumn!, reason: 'empty group name' });
        continue;
      }
      key = entityFor(name);
    }
    let acc = groups.get(key);
    if (!acc) {
      acc = { name, points: new Map() };
      groups.set(key, acc);
    }
    const prev = acc.points.get(t.ts);
    if (prev) {
      rejected.push({ line, field: opts.timeColumn, reason: `${isoUtc(t.ts)} repeats line ${prev.line}${name ? ` for ${name}` : ''}` });
      continue;
    }
    acc.points.set(t.ts, { value, line });
  }

  const toPoints = (m: Map<number, { value: number | null }>): PointTuple[] =>
    [...m.entries()].sort((a, b) => a[0] - b[0]).map(([ts, p]) => [ts, p.value] as const);
  const series: ParsedSeries[] = [];
  if (gi < 0) {
    const acc = groups.get(formatEntity(main));
    if (acc) series.push({ entity: formatEntity(main), name: null, aggregate: false, points: toPoints(acc.points) });
  } else {
    const sum = new Map<number, { s: number; n: number }>();
    for (const [entity, acc] of [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      series.push({ entity, name: acc.name, aggregate: false, points: toPoints(acc.points) });
      for (const [ts, p] of acc.points) {
        const cur = sum.get(ts) ?? { s: 0, n: 0 };
        if (p.value !== null) {
          cur.s += p.value;
          cur.n++;
        }
        sum.set(ts, cur);
      }
    }
    if (sum.size > 0) {
      const points = [...sum.entries()].sort((a, b) => a[0] - b[0]).map(([ts, { s, n }]) => [ts, n > 0 ? s / n : null] as const);
      series.unshift({ entity: formatEntity(main), name: null, aggregate: true, groups: groups.size, points });
    }
  }
  rows += rejected.filter((r) => r.field === '(row)').length;
  rejected.sort((a, b) => a.line - b.line);
  const step = commonStep(series[0]?.points.map((p) => p[0]) ?? []);
  return { rows, accepted: rows - rejected.length, series, rejected, step };
}

/**
 * Where the series go: the async `PointStore` of either backend (SQLite or PostgreSQL), or a `SqliteStore` as it is
 * (its synchronous calls).
 */
export interface CsvTarget {
  writeWindow(w: WindowWrite): WindowResult | Promise<WindowResult>;
  ensureEntity(ref: string, extra?: { name?: string | null; country?: string | null }): number | Promise<number>;
}

/** Reads FILE, parses it and writes every series through `store.writeWindow` (one transaction per entity). */
export async function ingestCsv(store: CsvTarget, file: string, opts: CsvIngestOptions): Promise<CsvIngestResult> {
  checkOptions(opts);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const parsed = parseCsvSeries(text, opts);
  const collector = opts.collector ?? 'csv';
  const main = parseEntity(opts.entity);
  const country = main.type === 'country' ? main.code : null;
  const entities: CsvIngestResult['entities'] = [];
  let points = 0;
  for (const s of parsed.series) {
    if (s.points.length === 0) continue;
    if (s.name !== null) await store.ensureEntity(s.entity, { name: s.name, country });
    const from = s.points[0]![0];
    const last = s.points[s.points.length - 1]![0];
    const until = last + (parsed.step ?? 1);
    const meta: Record<string, unknown> = { source: 'csv', file: basename(file), column: opts.valueColumn };
    if (s.aggregate) Object.assign(meta, { aggregate: 'mean', groups: s.groups, groupColumn: opts.groupColumn });
    if (s.name !== null) Object.assign(meta, { group: s.name });
    const p = opts.provenance ?? {};
    const provenance = {
      sourceName: p.sourceName,
      licence: p.licence,
      citation: p.citation,
      label: p.label,
      axis: p.axis,
      target: p.target,
    };
    const wr = await store.writeWindow({
      collector,
      entity: s.entity,
      from,
      until,
      series: [{ signal: { name: opts.signal, step: parsed.step, unit: p.unit ?? null, meta, provenance }, points: s.points }],
    });
    points += wr.points;
    entities.push({ entity: s.entity, name: s.name, points: wr.points, from: isoUtc(from), until: isoUtc(until) });
  }
  return {
    file,
    signal: opts.signal,
    rows: parsed.rows,
    accepted: parsed.accepted,
    points,
    step: parsed.step,
    entities,
    rejected: parsed.rejected.map((r) => ({ file, ...r })),
  };
}

export { TIME_FORMATS };
