/**
 * The one place the correlator reads the database: events from the calendar, outages from the detector
 * (or a reference list), signal coverage from the store — through the asynchronous interfaces of db/ (issue 23),
 * so the same code runs on SQLite and PostgreSQL. A country's (or an event's) inputs are read ONCE into memory
 * (`prepareCountry`, `prepareEvent`); everything computed from them is done synchronously by the pure modules
 * next to it (`computeCountry`, `computeEvent`: what the worker thread runs). `correlateEvent` and
 * `correlateCountry` return the JSON documents of `outagewatch correlate --json` and of the API.
 */
import type { CheckpointRow, SignalRow, SourceEventRow } from '../../db/store.js';
import type { EntityRow, PointStore } from '../../db/repository.js';
import type { CalendarRepository, OutageRepository, ReferenceRepository } from '../../db/repositories.js';
import type { ReferenceListRow } from '../../db/reference.js';
import type { ProtestEvent } from '../../core/calendar.js';
import type { Outage } from '../../core/outage.js';
import { notFound } from '../../core/app-errors.js';
import { isoUtc } from '../../core/time.js';
import { entityScope, isNational, normalizeScope, type Scope, type Verdict } from './model.js';
import { AXES, axesOf, eventWindow, onsetSeconds, overlapping, verdictFor, type Axis, type Episode, type TimeWindow } from './episodes.js';
import {
  HISTORY_NEEDED_HOURS,
  SOURCES,
  SOURCE_NAMES,
  axisData,
  signalAxis,
  sourceCoverage,
  sourceOf,
  type CheckpointSpan,
  type SourceCoverage,
  type SourceInput,
} from './coverage.js';
import { DAY, HOUR, dailySeries, dayIndex, dayRange, eventDays, stepsPerDay, type DayRange } from './days.js';
import { ecaWindows, type EcaRate } from './eca.js';
import { singleEventPermutation, type PermutationResult, type TileCache } from './permutation.js';
import { surrogateTest, type SurrogateMethod, type SurrogateStat } from './surrogate.js';
import { benjaminiHochberg } from './stats.js';

export type OutageSource = { type: 'detected' } | { type: 'reference'; list: string };

/**
 * What the correlator reads, on either backend: `Repositories` (db/open.ts `openRepositories`,
 * db/sqlite-repositories.ts `sqliteRepositories(store)`) is one. The result caches of cache.ts are kept per `points`.
 */
export interface CorrelatorSource {
  readonly points: PointStore;
  readonly calendar: Pick<CalendarRepository, 'getEvent' | 'listEvents' | 'countEventsWhere'>;
  readonly outages: Pick<OutageRepository, 'listOutages'>;
  readonly reference: Pick<ReferenceRepository, 'getReferenceList' | 'listReferenceOutages'>;
}

export interface CorrelateOptions {
  lead?: number;
  lag?: number;
  /** `detected` (default) or `reference:NAME` */
  outages?: OutageSource;
  /** length given to open-ended reference outages (default 1 day) */
  openEndedSeconds?: number;
  B?: number;
  seed?: number;
  method?: SurrogateMethod;
  blockDays?: number;
  minCoverage?: number;
  /** significance level used to call a result significant (default 0.05) */
  alpha?: number;
  from?: number;
  until?: number;
}

export function parseOutageSource(s: string | undefined): OutageSource {
  if (!s || s === 'detected') return { type: 'detected' };
  const m = /^reference:(.+)$/.exec(s);
  if (!m) throw new Error(`--outages must be "detected" or "reference:NAME", not "${s}"`);
  return { type: 'reference', list: m[1]! };
}

const outageSourceName = (o: OutageSource) => (o.type === 'detected' ? 'detected' : `reference:${o.list}`);

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

// ---------- reading ----------

/** What the correlator knows of a country's entities: names, data steps of their signals, units per type. */
interface CountryUnits {
  names: Map<string, string>;
  /** `entity|signal` → step seconds */
  steps: Map<string, number>;
  /** sub-national entity type → number of units of the country with at least one signal */
  units: Record<string, number>;
}

function countryUnits(entities: readonly EntityRow[], allSignals: readonly SignalRow[], country: string): CountryUnits {
  const names = new Map<string, string>();
  const inCountry = new Set<string>();
  for (const e of entities) {
    if (e.country !== country && e.entity !== `country:${country}`) continue;
    inCountry.add(e.entity);
    if (e.name) names.set(e.entity, e.name);
  }
  const steps = new Map<string, number>();
  const withSignals = new Set<string>();
  for (const s of allSignals) {
    if (!inCountry.has(s.entity)) continue;
    withSignals.add(s.entity);
    if (s.step) steps.set(`${s.entity}|${s.name}`, s.step);
  }
  const units: Record<string, number> = {};
  for (const e of withSignals) {
    const type = e.split(':')[0]!;
    if (type !== 'country') units[type] = (units[type] ?? 0) + 1;
  }
  return { names, steps, units };
}

function episodeFromOutage(o: Outage, cu: CountryUnits | null): Episode {
  const depth = o.signals.reduce((m, s) => Math.max(m, s.depth), 0);
  const first = [...o.signals].sort((a, b) => a.start - b.start)[0];
  const firstSignal = first?.signal ?? null;
  const level = o.signals.filter((x) => !x.signal.startsWith('ooni.anomaly_rate'));
  return {
    id: o.id ?? null,
    entity: o.entity,
    kind: o.kind,
    start: o.start,
    end: o.end,
    score: o.score,
    depth: o.signals.length ? depth : 1,
    signals: o.signals.map((s) => s.signal),
    origin: 'detected',
    scope: entityScope(o.entity),
    area: cu?.names.get(o.entity) ?? null,
    firstSignal,
    step: firstSignal ? (cu?.steps.get(`${o.entity}|${firstSignal}`) ?? null) : null,
    // the detector's figure; for outages stored without one, the deepest level signal (rates such as OONI's do not "lose")
    lostPercent: o.lostPercent ?? (level.length ? Math.round(level.reduce((m, x) => Math.max(m, x.depth), 0) * 1000) / 10 : null),
  };
}

interface Reader {
  src: CorrelatorSource;
  input: OutageSource;
  openEnded: number;
}

/** A reference outage's scope, area and raw scope text, whichever shape the list's rows have (normalized or raw). */
function referenceScope(o: { scope?: string | null; scopeRaw?: string | null; scopeDetail?: string | null; area?: string | null }): {
  scope: Scope;
  scopeRaw: string | null;
  area: string | null;
} {
  const raw = o.scopeRaw ?? o.scope ?? null;
  return { scope: normalizeScope(o.scope ?? o.scopeRaw ?? null), scopeRaw: raw, area: o.area ?? o.scopeDetail ?? null };
}

async function readEpisodes(r: Reader, cu: CountryUnits | null, country: string, from?: number, until?: number): Promise<Episode[]> {
  if (r.input.type === 'detected') {
    const list = await r.src.outages.listOutages({
      country,
      ...(from !== undefined ? { from } : {}),
      ...(until !== undefined ? { until } : {}),
    });
    return list.map((o) => episodeFromOutage(o, cu));
  }
  const list = r.input.list;
  const rows = await r.src.reference.listReferenceOutages({ list, country, from, until, openEndedSeconds: r.openEnded });
  return rows.map((o) => ({
    id: o.id ?? null,
    entity: `country:${o.country}`,
    kind: o.kind ?? 'connectivity',
    start: o.start,
    end: o.end ?? o.start + r.openEnded,
    score: null,
    depth: 1,
    signals: [],
    origin: `reference:${list}`,
    openEnded: o.end === null,
    step: DAY,
    ...referenceScope(o),
  }));
}

function entitiesOf(entities: readonly EntityRow[], country: string): Set<string> {
  const out = new Set<string>([`country:${country}`]);
  for (const e of entities) if (e.country === country) out.add(e.entity);
  return out;
}

// ---------- one country's data, read once ----------

/**
 * Everything the correlator reads about one country, loaded ONCE per call (a country listing of 1,000 events
 * must not re-read the history per event): signals with their hours of data over the whole history, collector
 * checkpoints, source events, outages and the calendar. Per-event coverage, verdicts and statistics are then
 * computed from memory.
 */
export interface CountryData {
  cc: string;
  /** the outage input the episodes came from */
  input: OutageSource;
  /** names, steps and sub-national units of the country (detected outages only) */
  units: CountryUnits | null;
  entity: string;
  /** hourly grid over the data history and every window asked about */
  grid: DayRange;
  /** days (or the reference list's period) with data, null when there is none */
  span: TimeWindow | null;
  /** `source` is the prefix (`ioda`); `key` the coverage row (a built-in prefix, or the provenance source name of any other) */
  signals: Array<{
    name: string;
    source: string;
    key: string;
    sourceName: string;
    axis: Axis;
    synthetic: boolean;
    step: number;
    hours: Uint8Array;
  }>;
  checkpoints: CheckpointRow[];
  sourceEvents: SourceEventRow[];
  episodes: Episode[];
  calendar: ProtestEvent[];
  refMeta: ReferenceListRow | null;
}

/** The longest stretch of reading before other work on the event loop gets a turn. */
const READ_SLICE_MS = 20;

async function dataSpanOf(r: Reader, signals: readonly SignalRow[]): Promise<TimeWindow | null> {
  if (r.input.type === 'reference') {
    const meta = await r.src.reference.getReferenceList(r.input.list);
    if (!meta || meta.first === null) return null;
    return { from: meta.first, until: (meta.lastStart ?? meta.first) + DAY };
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of signals) {
    const span = await r.src.points.daySpan(s.id);
    if (!span) continue;
    if (span.first < lo) lo = span.first;
    if (span.last + DAY > hi) hi = span.last + DAY;
  }
  return Number.isFinite(lo) ? { from: lo, until: hi } : null;
}

async function loadCountry(
  r: Reader,
  country: string,
  extra: readonly TimeWindow[],
  given: { span?: TimeWindow; signals?: SignalRow[]; calendar?: ProtestEvent[] } = {},
): Promise<CountryData> {
  const { points } = r.src;
  const cc = country.toUpperCase();
  const entity = `country:${cc}`;
  const rows = given.signals ?? (await points.listSignals(entity));
  const span = given.span ?? (await dataSpanOf(r, rows));
  let lo = span ? span.from : Infinity;
  let hi = span ? span.until : -Infinity;
  for (const w of extra) {
    lo = Math.min(lo, w.from);
    hi = Math.max(hi, w.until);
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 0;
  }
  const grid = dayRange(lo, hi, HOUR);
  const gridUntil = grid.origin + grid.len * HOUR;
  const signals: CountryData['signals'] = [];
  // SQLite answers synchronously: a country's history (dozens of signals, years of hours) read in one go would hold
  // a server's event loop; other requests get their turn between signals every few milliseconds
  let ranSince = performance.now();
  for (const s of rows) {
    if (performance.now() - ranSince > READ_SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      ranSince = performance.now();
    }
    const hours = new Uint8Array(grid.len);
    // a point covers its whole step: a daily OONI count speaks for the 24 hours of its day
    const stepSecs = Math.max(HOUR, s.step ?? HOUR);
    const per = Math.round(stepSecs / HOUR);
    if (grid.len > 0) {
      for (const ts of await points.hoursWithData(s.id, Math.floor((grid.origin - stepSecs + 1) / HOUR) * HOUR, gridUntil)) {
        const i0 = dayIndex(grid, ts);
        for (let i = Math.max(0, i0); i < Math.min(grid.len, i0 + per); i++) hours[i] = 1;
      }
    }
    const source = sourceOf(s.source);
    const key = (SOURCES as readonly string[]).includes(source) ? source : s.provenance.sourceName;
    signals.push({
      name: s.name,
      source,
      key,
      sourceName: s.provenance.sourceName,
      axis: s.provenance.axis ?? signalAxis(s.name),
      synthetic: s.synthetic,
      step: stepSecs,
      hours,
    });
  }
  const entities = await points.listEntities();
  const units = r.input.type === 'detected' ? countryUnits(entities, await points.listSignals(), cc) : null;
  const ents = entitiesOf(entities, cc);
  const sourceEvents = grid.len
    ? (await points.listSourceEvents({ from: grid.origin, until: gridUntil })).filter((e) => e.entity !== null && ents.has(e.entity))
    : [];
  return {
    cc,
    input: r.input,
    units,
    entity,
    grid,
    span,
    signals,
    checkpoints: await points.checkpoints({ entity }),
    sourceEvents,
    episodes: grid.len ? await readEpisodes(r, units, cc, grid.origin, gridUntil) : [],
    calendar: given.calendar ?? (await r.src.calendar.listEvents({ country: cc })),
    refMeta: r.input.type === 'reference' ? await r.src.reference.getReferenceList(r.input.list) : null,
  };
}

/** Coverage of [from, until) by the four sources for the country entity (plus the reference list when used). */
function readCoverage(data: CountryData, w: TimeWindow, minCoverage: number): { coverage: SourceCoverage[]; synthetic: boolean } {
  const { entity, grid } = data;
  let synthetic = false;
  const inputs: SourceInput[] = SOURCES.map((source) => ({ source, name: SOURCE_NAMES[source], signals: [], checkpoints: [], events: 0 }));
  const bySource = new Map(inputs.map((i) => [i.source, i]));
  const a = Math.max(0, dayIndex(grid, w.from));
  const b = Math.min(grid.len, Math.ceil((w.until - grid.origin) / HOUR));
  for (const s of data.signals) {
    // a built-in source by its prefix; any other (ingest csv) by the source name it was given
    let inp = bySource.get(s.key);
    if (!inp) {
      inp = { source: s.key, name: s.sourceName, signals: [], checkpoints: [], events: 0 };
      bySource.set(s.key, inp);
      inputs.push(inp);
    }
    const hours: number[] = [];
    for (let i = a; i < b; i++) if (s.hours[i]) hours.push(grid.origin + i * HOUR);
    if (hours.length && s.synthetic) synthetic = true;
    // the history a baseline is built from: hours with data in the three days before the window (the grid may start later: that is no history)
    let historyHours = 0;
    for (let i = Math.max(0, a - HISTORY_NEEDED_HOURS.dailyCycle); i < a; i++) if (s.hours[i]) historyHours++;
    inp.signals.push({ signal: s.name, axis: s.axis, hours, historyHours });
  }
  for (const c of data.checkpoints) {
    const inp = bySource.get(sourceOf(c.collector));
    if (inp) inp.checkpoints.push({ signal: c.signal, from: c.from, until: c.until, status: c.status } satisfies CheckpointSpan);
  }
  for (const e of data.sourceEvents) {
    if (!(e.start < w.until && (e.end ?? e.start) >= w.from)) continue;
    const inp = bySource.get(sourceOf(e.source));
    if (inp) inp.events++;
  }
  // built-in sources are always listed (with why they have no data); other sources when they have data in the window
  const coverage = inputs
    .filter((i) => (SOURCES as readonly string[]).includes(i.source) || i.signals.some((x) => x.hours.length > 0))
    .map((i) => sourceCoverage(i, entity, w.from, w.until, minCoverage));
  if (data.input.type === 'reference') coverage.push(referenceCoverage(data.input.list, data, w));
  return { coverage, synthetic };
}

/** A reference list "has data" for a window inside the period it covers; its axes are those of its kinds. */
function referenceCoverage(name: string, data: CountryData, w: TimeWindow): SourceCoverage {
  const meta = data.refMeta;
  const source = `reference:${name}`;
  if (!meta || meta.count === 0)
    return {
      source,
      name: source,
      hadData: false,
      hours: 0,
      fraction: 0,
      axes: [],
      signals: [],
      events: 0,
      reason: `reference list "${name}" is empty or was never imported`,
    };
  // the list records shutdowns that began between its first and last start
  const lo = meta.first ?? 0;
  const hi = (meta.lastStart ?? lo) + DAY;
  const inside = Math.max(0, Math.min(hi, w.until) - Math.max(lo, w.from)) / Math.max(1, w.until - w.from);
  const axes = new Set<Axis>();
  for (const k of Object.keys(meta.kinds)) for (const a of axesOf(k === 'unspecified' ? null : k)) axes.add(a);
  const hadData = inside >= 0.5;
  const n = overlapping(data.episodes, w).length;
  return {
    source,
    name: source,
    hadData,
    hours: Math.round((inside * (w.until - w.from)) / 3600),
    fraction: round(inside, 3),
    axes: hadData ? [...axes].sort() : [],
    signals: [],
    events: n,
    reason: hadData ? null : `the list covers ${isoUtc(lo)} to ${isoUtc(hi)} only`,
  };
}

/** Hours with data per axis for the country entity over the grid (optionally one source's signals only). */
function validHours(data: CountryData, source: string | null = null): Record<Axis, Uint8Array> {
  const { grid } = data;
  const out: Record<Axis, Uint8Array> = { connectivity: new Uint8Array(grid.len), services: new Uint8Array(grid.len) };
  if (data.input.type === 'reference') {
    const meta = data.refMeta;
    if (meta && meta.first !== null) {
      const a = Math.max(0, dayIndex(grid, meta.first));
      const b = Math.min(grid.len - 1, dayIndex(grid, (meta.lastStart ?? meta.first) + DAY - 1));
      const axes = new Set<Axis>();
      for (const k of Object.keys(meta.kinds)) for (const x of axesOf(k === 'unspecified' ? null : k)) axes.add(x);
      for (const ax of axes) for (let d = a; d <= b; d++) out[ax][d] = 1;
    }
    return out;
  }
  for (const s of data.signals) {
    if (source !== null && s.source !== source) continue;
    const arr = out[s.axis];
    for (let i = 0; i < grid.len; i++) if (s.hours[i]) arr[i] = 1;
  }
  return out;
}

// ---------- JSON shapes ----------

export interface EventRef {
  id: string;
  title: string;
  country: string;
  start: string;
  end: string;
  tz: string;
}

export interface CorrelatedOutageJson {
  id: number | string | null;
  entity: string;
  kind: string;
  start: string;
  end: string;
  openEnded: boolean;
  /** seconds from the event start to the outage start; negative = before */
  onsetSeconds: number;
  /** how much of the country it covers (national, regional, local, asn, unknown) */
  scope: Scope;
  /** the scope as the reference list wrote it (null for detected outages) */
  scopeRaw: string | null;
  /** the country entity a sub-national unit belongs to (null for the country itself) */
  parent: string | null;
  /** the unit's name or the area a reference outage names */
  area: string | null;
  /** share of normal lost, percent (null for a reference outage, or when only rates such as OONI anomaly rates rose) */
  lostPercent: number | null;
  /** how long, hours */
  hours: number;
  score: number | null;
  depth: number;
  signals: string[];
  origin: string;
}

export interface SignificanceJson extends PermutationResult {
  /** in words: what was tested */
  method: string;
  /** the window the statistic is taken over: the verdict's window, to the hour */
  window: { from: string; until: string } | null;
  history: { from: string; until: string } | null;
  byAxis: Record<Axis, PermutationResult> | null;
}

export interface EventCorrelationJson {
  event: EventRef;
  window: { from: string; until: string; leadSeconds: number; lagSeconds: number };
  outageInput: string;
  verdict: Verdict;
  outages: CorrelatedOutageJson[];
  sourceEvents: Array<{
    id: number;
    source: string;
    entity: string | null;
    kind: string | null;
    title: string | null;
    start: string;
    end: string | null;
    onsetSeconds: number;
    url: string | null;
  }>;
  coverage: SourceCoverage[];
  /** the headline p: permutation p of the window's depth against the entity's ordinary windows (null: cannot be computed, see significance.note) */
  p: number | null;
  significance: SignificanceJson;
  /** true when some signal with data in the window is synthetic (demo data) */
  synthetic: boolean;
}

export const SINGLE_EVENT_METHOD =
  'permutation test: the deepest loss inside the event window ranked among non-overlapping windows of the same length (same time of day) on the same country’s ordinary time — with data and no calendar event';

function eventRef(e: ProtestEvent): EventRef {
  return { id: e.id, title: e.title, country: e.country, start: isoUtc(e.start), end: isoUtc(e.end), tz: e.tz };
}

function outageJson(ep: Episode, ev: ProtestEvent): CorrelatedOutageJson {
  return {
    id: ep.id,
    entity: ep.entity,
    kind: ep.kind ?? 'connectivity',
    start: isoUtc(ep.start),
    end: isoUtc(ep.end),
    openEnded: ep.openEnded ?? false,
    onsetSeconds: onsetSeconds(ep, ev),
    scope: ep.scope ?? 'national',
    scopeRaw: ep.scopeRaw ?? null,
    parent: ep.entity.startsWith('country:') ? null : `country:${ev.country}`,
    area: ep.area ?? null,
    lostPercent: ep.lostPercent === undefined || ep.lostPercent === null ? null : round(ep.lostPercent, 1),
    hours: round((ep.end - ep.start) / 3600, 2),
    score: ep.score === null ? null : round(ep.score, 2),
    depth: round(ep.depth),
    signals: ep.signals,
    origin: ep.origin,
  };
}

/** The options with every default filled in (what the worker thread is sent). */
export interface Resolved {
  lead: number;
  lag: number;
  input: OutageSource;
  openEnded: number;
  B: number;
  seed: number;
  method: SurrogateMethod;
  blockDays: number;
  minCoverage: number;
  alpha: number;
}

export function resolve(opts: CorrelateOptions): Resolved {
  return {
    lead: opts.lead ?? DAY,
    lag: opts.lag ?? 2 * DAY,
    input: opts.outages ?? { type: 'detected' },
    openEnded: opts.openEndedSeconds ?? DAY,
    B: opts.B ?? 9999,
    seed: opts.seed ?? 1,
    method: opts.method ?? 'circular-shift',
    blockDays: opts.blockDays ?? 14,
    minCoverage: opts.minCoverage ?? 0.5,
    alpha: opts.alpha ?? 0.05,
  };
}

function noResult(note: string): PermutationResult {
  return { statistic: 'max-depth', observed: null, p: null, windows: 0, atLeastAsDeep: 0, smallestAttainableP: null, note };
}

/** The per-country series the single-event test ranks against, built once and shared by every event. */
interface SignificanceContext {
  busy: Uint8Array;
  combined: Float64Array;
  byAxis: Record<Axis, Float64Array>;
  caches: { combined: TileCache; connectivity: TileCache; services: TileCache };
}

function significanceContext(o: Resolved, data: CountryData): SignificanceContext {
  const { grid } = data;
  const valid = validHours(data);
  const busy = new Uint8Array(grid.len);
  for (const e of data.calendar) {
    const dw = eventDays(grid, e, o.lead, o.lag);
    for (let d = Math.max(0, dw.from); d <= Math.min(grid.len - 1, dw.until); d++) busy[d] = 1;
  }
  const anyValid = new Uint8Array(grid.len);
  for (let d = 0; d < grid.len; d++) anyValid[d] = valid.connectivity[d]! | valid.services[d]!;
  // the same evidence the verdict stands on: national episodes only (a county blip is no national outage, in the
  // event window or on the ordinary days it is ranked against)
  const national = data.episodes.filter((e) => isNational(e.scope ?? 'national'));
  return {
    busy,
    combined: dailySeries(national, grid, anyValid).depth,
    byAxis: {
      connectivity: dailySeries(national, grid, valid.connectivity, ['connectivity']).depth,
      services: dailySeries(national, grid, valid.services, ['services']).depth,
    },
    caches: { combined: new Map(), connectivity: new Map(), services: new Map() },
  };
}

function correlateOne(o: Resolved, ev: ProtestEvent, data: CountryData, ctx: SignificanceContext | null): EventCorrelationJson {
  const w = eventWindow(ev, o.lead, o.lag);
  const episodes = overlapping(data.episodes, w);
  const { coverage, synthetic } = readCoverage(data, w, o.minCoverage);
  const considered = o.input.type === 'reference' ? coverage.filter((c) => c.source.startsWith('reference:')) : coverage;
  const verdict = verdictFor(episodes, axisData(considered), {
    eventStart: ev.start,
    country: ev.country,
    units: data.units?.units ?? {},
  });
  const sourceEvents = data.sourceEvents
    .filter((e) => e.start < w.until && (e.end ?? e.start + 1) > w.from)
    .map((e) => ({
      id: e.id,
      source: e.source,
      entity: e.entity,
      kind: e.kind,
      title: e.title,
      start: isoUtc(e.start),
      end: e.end === null ? null : isoUtc(e.end),
      onsetSeconds: e.start - ev.start,
      url: e.url,
    }));

  // single-event significance over the history of the country's data, on the verdict's window to the hour
  let significance: SignificanceJson;
  const span = data.span;
  if (!span || !ctx) {
    significance = {
      ...noResult('no data history for this country'),
      method: SINGLE_EVENT_METHOD,
      window: null,
      history: null,
      byAxis: null,
    };
  } else {
    const grid = data.grid;
    const dw = eventDays(grid, ev, o.lead, o.lag);
    const opt = { minValid: o.minCoverage };
    const combined = singleEventPermutation(ctx.combined, ctx.busy, dw, { ...opt, cache: ctx.caches.combined });
    const byAxis = {} as Record<Axis, PermutationResult>;
    for (const a of AXES) byAxis[a] = singleEventPermutation(ctx.byAxis[a], ctx.busy, dw, { ...opt, cache: ctx.caches[a] });
    significance = {
      ...combined,
      observed: combined.observed === null ? null : round(combined.observed),
      method: SINGLE_EVENT_METHOD,
      window: { from: isoUtc(grid.origin + dw.from * HOUR), until: isoUtc(grid.origin + (dw.until + 1) * HOUR) },
      history: { from: isoUtc(span.from), until: isoUtc(span.until) },
      byAxis,
    };
  }
  return {
    event: eventRef(ev),
    window: { from: isoUtc(w.from), until: isoUtc(w.until), leadSeconds: o.lead, lagSeconds: o.lag },
    outageInput: outageSourceName(o.input),
    verdict,
    outages: episodes.map((e) => outageJson(e, ev)),
    sourceEvents,
    coverage,
    p: significance.p,
    significance,
    synthetic: o.input.type === 'detected' && synthetic,
  };
}

/** Everything one event's correlation is computed from (read by `prepareEvent`; plain data a worker thread can take). */
export interface EventJob {
  kind: 'event';
  o: Resolved;
  ev: ProtestEvent;
  data: CountryData;
}

/** Reads one calendar event's inputs once. Throws AppError NOT_FOUND. */
export async function prepareEvent(src: CorrelatorSource, eventId: string, opts: CorrelateOptions = {}): Promise<EventJob> {
  const ev = await src.calendar.getEvent(eventId);
  if (!ev) throw notFound(`event "${eventId}"`);
  const o = resolve(opts);
  const r: Reader = { src, input: o.input, openEnded: o.openEnded };
  const data = await loadCountry(r, ev.country, [eventWindow(ev, o.lead, o.lag)]);
  return { kind: 'event', o, ev, data };
}

/** The event's correlation from its inputs (pure, synchronous). */
export function computeEvent(job: EventJob): EventCorrelationJson {
  const { o, ev, data } = job;
  return correlateOne(o, ev, data, data.span ? significanceContext(o, data) : null);
}

/** Correlation of one calendar event (`outagewatch correlate --event ID`), on either backend. Throws AppError NOT_FOUND. */
export async function correlateEvent(src: CorrelatorSource, eventId: string, opts: CorrelateOptions = {}): Promise<EventCorrelationJson> {
  return computeEvent(await prepareEvent(src, eventId, opts));
}

// ---------- sets ----------

export interface RateJson {
  k: number;
  n: number;
  rate: number | null;
  /** rate expected under the analytic (Poisson) null */
  expected: number | null;
  /** the headline, calibrated p: the surrogate test's (circular shift or block permutation) */
  p: number | null;
  /** the analytic approximation (Poisson null, CoinCalc conventions): ignores clustering, shown for reference only */
  analyticP: number | null;
  /** mean rate of the surrogates: what the outage process gives by itself */
  surrogateMean: number | null;
  /** Benjamini–Hochberg q-value over the family named in `stats.method.multipleTesting` */
  q: number | null;
}

export interface SetTestJson {
  /** what was tested: `all`, `connectivity`, `services`, or one source (`ioda`, `ooni`, `ripestat`) */
  name: string;
  country: string;
  days: number;
  eventsAssessable: number;
  outageDays: number;
  outageOnsets: number;
  /** surrogates drawn for this test (for an exhaustive circular shift: the number of distinct shifts) */
  B: number;
  /** true when every distinct circular shift was used once */
  exhaustive: boolean;
  smallestAttainableP: number | null;
  trigger: RateJson;
  precursor: RateJson;
}

export interface SetStatsJson {
  method: {
    coincidence: string;
    analytic: string;
    surrogate: SurrogateMethod;
    blockDays: number | null;
    multipleTesting: string;
  };
  leadSeconds: number;
  lagSeconds: number;
  /** the largest B of the tests (each test states its own) */
  B: number;
  seed: number;
  /** true only when every test was exhaustive (each test states its own) */
  exhaustive: boolean;
  /** the smallest attainable p of the test with the largest B */
  smallestAttainableP: number;
  alpha: number;
  tests: SetTestJson[];
  note: string | null;
}

export interface CountryEventJson {
  id: string;
  title: string;
  start: string;
  end: string;
  tz: string;
  verdict: Verdict;
  outages: number;
  /** sub-national episodes beside the verdict (counted, not listed) */
  subnational: number;
  /** the verdict's national onset, seconds from the event start (null when there is none) */
  firstOnsetSeconds: number | null;
  /** the event's own (single-event permutation) p; null when it cannot be assessed */
  p: number | null;
  /** Benjamini–Hochberg q over the assessable events of this listing (`eventsFamily`) */
  q: number | null;
  /** why p is null */
  reason: string | null;
  synthetic: boolean;
}

export interface CountryCorrelationJson {
  country: string;
  range: { from: string; until: string } | null;
  outageInput: string;
  /** every calendar event of the range; `p: null` with a reason where it cannot be assessed */
  events: CountryEventJson[];
  /** the multiple-testing family of `events[].q` */
  eventsFamily: { correction: string; size: number; description: string };
  stats: SetStatsJson;
  /** true when some signal behind the result is synthetic (demo data) */
  synthetic: boolean;
}

function rateJson(e: EcaRate, s: SurrogateStat | null): RateJson {
  return {
    k: e.k,
    n: e.n,
    rate: e.rate === null ? null : round(e.rate),
    expected: e.expected === null ? null : round(e.expected),
    p: s?.p ?? null,
    analyticP: e.p === null ? null : round(e.p, 6),
    surrogateMean: s?.nullMean === null || s?.nullMean === undefined ? null : round(s.nullMean),
    q: null,
  };
}

/** Benjamini–Hochberg over the listing's assessable events, in place; returns the family size. */
export function applyEventBH(events: Array<{ p: number | null; q: number | null }>): number {
  const idx = events.map((e, i) => (e.p === null ? -1 : i)).filter((i) => i >= 0);
  benjaminiHochberg(idx.map((i) => events[i]!.p!)).forEach((q, k) => (events[idx[k]!]!.q = round(q, 6)));
  return idx.length;
}

const eventsFamily = (size: number) => ({
  correction: 'Benjamini–Hochberg',
  size,
  description: `q-values over the ${size} assessable event(s) of this listing (events without a p are left out of the family)`,
});

/**
 * Everything a country's correlation is computed from (read by `prepareCountry`; plain data a worker thread can
 * take). `data` is null when the country has no data (or the range is empty): `calendar` then holds the events
 * listed as not assessable.
 */
export interface CountryJob {
  kind: 'country';
  o: Resolved;
  cc: string;
  from: number | undefined;
  until: number | undefined;
  calendar: ProtestEvent[];
  data: CountryData | null;
}

/** Reads a country's inputs once (signals' hours with data over the history, outages, calendar, coverage facts). */
export async function prepareCountry(src: CorrelatorSource, country: string, opts: CorrelateOptions = {}): Promise<CountryJob> {
  const cc = country.toUpperCase();
  const o = resolve(opts);
  const r: Reader = { src, input: o.input, openEnded: o.openEnded };
  const signals = r.input.type === 'detected' ? await src.points.listSignals(`country:${cc}`) : undefined;
  const span = await dataSpanOf(r, signals ?? []);
  const from = opts.from ?? span?.from;
  const until = opts.until ?? span?.until;
  if (from === undefined || until === undefined || until <= from) {
    const calendar = await src.calendar.listEvents({
      country: cc,
      ...(from !== undefined ? { from } : {}),
      ...(until !== undefined ? { until } : {}),
    });
    return { kind: 'country', o, cc, from, until, calendar, data: null };
  }
  const calendarAll = await src.calendar.listEvents({ country: cc });
  const calendar = calendarAll.filter((e) => e.end > from && e.start < until);
  const data = await loadCountry(r, cc, [{ from, until }, ...calendar.map((ev) => eventWindow(ev, o.lead, o.lag))], {
    span: span ?? { from, until },
    ...(signals ? { signals } : {}),
    calendar: calendarAll,
  });
  return { kind: 'country', o, cc, from, until, calendar, data };
}

/** Correlation of a country's calendar (`outagewatch correlate --country KZ`), on either backend. */
export async function correlateCountry(
  src: CorrelatorSource,
  country: string,
  opts: CorrelateOptions = {},
): Promise<CountryCorrelationJson> {
  return computeCountry(await prepareCountry(src, country, opts));
}

/** The country's correlation from its inputs (pure, synchronous). */
export function computeCountry(job: CountryJob): CountryCorrelationJson {
  const { o, cc, from, until } = job;
  const statsBase = {
    method: {
      coincidence:
        'event coincidence analysis on hours: trigger = share of events whose window [start − lead, end + lag) holds an outage; precursor = share of outage onsets inside some event window',
      analytic: 'analytic approximation: Poisson null (CoinCalc conventions, Poisson-binomial over unequal windows); ignores clustering',
      surrogate: o.method,
      blockDays: o.method === 'block-permutation' ? o.blockDays : null,
      multipleTesting: 'Benjamini–Hochberg over the surrogate p-values of the tests listed (trigger and precursor of each)',
    },
    leadSeconds: o.lead,
    lagSeconds: o.lag,
    seed: o.seed,
    alpha: o.alpha,
  };
  if (job.data === null || from === undefined || until === undefined) {
    return {
      country: cc,
      range: null,
      outageInput: outageSourceName(o.input),
      events: job.calendar.map((ev) => ({
        id: ev.id,
        title: ev.title,
        start: isoUtc(ev.start),
        end: isoUtc(ev.end),
        tz: ev.tz,
        verdict: {
          connectivity: 'no-data',
          services: 'no-data',
          label: 'insufficient-data',
          onset: null,
          depth: null,
          subnational: [],
          subnationalSummary: null,
        },
        outages: 0,
        subnational: 0,
        firstOnsetSeconds: null,
        p: null,
        q: null,
        reason: `no data for ${cc}`,
        synthetic: false,
      })),
      eventsFamily: eventsFamily(0),
      stats: { ...statsBase, B: 0, exhaustive: false, smallestAttainableP: 1, tests: [], note: `no data for ${cc}: nothing to test` },
      synthetic: false,
    };
  }
  const { calendar, data } = job;
  const ctx = significanceContext(o, data);
  let synthetic = false;
  const events: CountryEventJson[] = calendar.map((ev) => {
    const c = correlateOne(o, ev, data, ctx);
    if (c.synthetic) synthetic = true;
    const firstOnset = c.verdict.onset ? c.verdict.onset.seconds : null;
    return {
      id: ev.id,
      title: ev.title,
      start: isoUtc(ev.start),
      end: isoUtc(ev.end),
      tz: ev.tz,
      verdict: c.verdict,
      outages: c.outages.length,
      subnational: c.verdict.subnational.length,
      firstOnsetSeconds: firstOnset,
      p: c.p,
      q: null,
      reason: c.p === null ? (c.significance.note ?? 'cannot be assessed') : null,
      synthetic: c.synthetic,
    };
  });
  const familySize = applyEventBH(events);
  // the set tests run over the requested range, on the same hourly grid and windows as the verdicts
  const grid = data.grid;
  const a = Math.max(0, dayIndex(grid, from));
  const b = Math.min(grid.len, Math.ceil((until - grid.origin) / HOUR));
  const range: DayRange = { origin: grid.origin + a * HOUR, len: Math.max(0, b - a), step: HOUR };
  const windows = calendar.map((ev) => eventDays(range, ev, o.lead, o.lag));
  // tests: everything, each axis, and each source that has signals
  type Spec = { name: string; axes: Axis[]; source: string | null };
  const specs: Spec[] = [
    { name: 'all', axes: ['connectivity', 'services'], source: null },
    { name: 'connectivity', axes: ['connectivity'], source: null },
    { name: 'services', axes: ['services'], source: null },
  ];
  if (o.input.type === 'detected') {
    const sources = new Set(data.signals.map((s) => s.source));
    for (const s of SOURCES) if (sources.has(s)) specs.push({ name: s, axes: ['connectivity', 'services'], source: s });
  }
  const rangeUntil = range.origin + range.len * HOUR;
  const inRange = data.episodes.filter((e) => e.start < rangeUntil && e.end > range.origin);
  const tests: SetTestJson[] = [];
  for (const spec of specs) {
    const valid = validHours(data, spec.source);
    const v = new Uint8Array(range.len);
    for (let d = 0; d < range.len; d++) for (const ax of spec.axes) v[d] = v[d]! | valid[ax][d + a]!;
    const eps = spec.source ? inRange.filter((e) => e.signals.some((s) => sourceOf(s) === spec.source)) : inRange;
    const series = dailySeries(eps, range, v, spec.axes);
    let steps = 0;
    for (let d = 0; d < range.len; d++) steps += series.valid[d]!;
    if (steps === 0) continue;
    const eca = ecaWindows(series, windows, { minValid: o.minCoverage });
    const sur = eca.assessable.length
      ? surrogateTest(series, windows, {
          method: o.method,
          B: o.B,
          seed: o.seed,
          blockDays: o.blockDays,
          stepsPerDay: stepsPerDay(range),
          minValid: o.minCoverage,
        })
      : null;
    tests.push({
      name: spec.name,
      country: cc,
      days: round(steps / 24, 2),
      eventsAssessable: eca.assessable.length,
      outageDays: round(eca.nActiveDays / 24, 2),
      outageOnsets: eca.nOnsets,
      B: sur?.B ?? 0,
      exhaustive: sur?.exhaustive ?? false,
      smallestAttainableP: sur ? sur.smallestAttainableP : null,
      trigger: rateJson(eca.trigger, sur?.trigger ?? null),
      precursor: rateJson(eca.precursor, sur?.precursor ?? null),
    });
  }
  applyBH(tests);
  const run = tests.filter((t) => t.B > 0);
  const B = run.reduce((m, t) => Math.max(m, t.B), 0);
  const few = calendar.length < 5 ? `only ${calendar.length} event(s): set statistics need more protest dates to say anything` : null;
  return {
    country: cc,
    range: { from: isoUtc(range.origin), until: isoUtc(rangeUntil) },
    outageInput: outageSourceName(o.input),
    events,
    eventsFamily: eventsFamily(familySize),
    stats: {
      ...statsBase,
      B,
      exhaustive: run.length > 0 && run.every((t) => t.exhaustive),
      smallestAttainableP: B > 0 ? 1 / (B + 1) : 1,
      tests,
      note: few,
    },
    synthetic: o.input.type === 'detected' && (synthetic || data.signals.some((s) => s.synthetic && s.hours.some((x) => x === 1))),
  };
}

/** Benjamini–Hochberg over the surrogate (headline) p-values of the tests (trigger and precursor together), in place. */
export function applyBH(tests: SetTestJson[]): void {
  const ps: number[] = [];
  const slots: RateJson[] = [];
  for (const t of tests) {
    for (const x of [t.trigger, t.precursor]) {
      if (x.p !== null) {
        ps.push(x.p);
        slots.push(x);
      }
    }
  }
  benjaminiHochberg(ps).forEach((q, i) => (slots[i]!.q = round(q, 6)));
}

/** Several countries at once, with Benjamini–Hochberg across all of their tests and all of their events. */
export async function correlateCountries(
  src: CorrelatorSource,
  countries: readonly string[],
  opts: CorrelateOptions = {},
): Promise<CountryCorrelationJson[]> {
  const out: CountryCorrelationJson[] = [];
  for (const c of countries) out.push(await correlateCountry(src, c, opts));
  if (out.length > 1) {
    applyBH(out.flatMap((c) => c.stats.tests));
    const size = applyEventBH(out.flatMap((c) => c.events));
    for (const c of out) {
      c.stats.method.multipleTesting = `Benjamini–Hochberg over all tests of ${out.length} countries (q)`;
      c.eventsFamily = {
        ...eventsFamily(size),
        description: `q-values over the ${size} assessable event(s) of all ${out.length} countries listed`,
      };
    }
  }
  return out;
}

/** Verdict, overlapping outages and coverage for an arbitrary range of a country (country reports, pages). */
export async function correlateRange(
  src: CorrelatorSource,
  country: string,
  from: number,
  until: number,
  opts: CorrelateOptions = {},
): Promise<{ verdict: Verdict; episodes: Episode[]; coverage: SourceCoverage[]; synthetic: boolean }> {
  const o = resolve(opts);
  const r: Reader = { src, input: o.input, openEnded: o.openEnded };
  const cc = country.toUpperCase();
  const w: TimeWindow = { from, until };
  const data = await loadCountry(r, cc, [w], { span: w });
  const episodes = overlapping(data.episodes, w);
  const { coverage, synthetic } = readCoverage(data, w, o.minCoverage);
  const considered = o.input.type === 'reference' ? coverage.filter((c) => c.source.startsWith('reference:')) : coverage;
  return {
    verdict: verdictFor(episodes, axisData(considered), { country: cc, units: data.units?.units ?? {} }),
    episodes,
    coverage,
    synthetic,
  };
}

/** How many calendar events of a country (every country when none is given) overlap [from, until) (all of them without bounds): what a correlation would load. */
export function countCountryEvents(
  src: Pick<CorrelatorSource, 'calendar'>,
  country: string | undefined,
  range: { from?: number; until?: number } = {},
): Promise<number> {
  return src.calendar.countEventsWhere({
    ...(country ? { country: country.toUpperCase() } : {}),
    ...(range.from !== undefined ? { from: range.from } : {}),
    ...(range.until !== undefined ? { until: range.until } : {}),
  });
}
