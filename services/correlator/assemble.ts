/**
 * The one place the correlator reads the database: events from the calendar, outages from the detector
 * (or a reference list), signal coverage from the store. Everything it computes is done by the pure modules
 * next to it. `correlateEvent` and `correlateCountry` return the JSON documents of `outagewatch correlate
 * --json` and of the API.
 */
import type { SqliteStore } from '../../db/store.js';
import { getEvent, listEvents } from '../../db/calendar.js';
import { listOutages } from '../../db/outages.js';
import { getReferenceList, listReferenceOutages } from '../../db/reference.js';
import type { ProtestEvent } from '../calendar/model.js';
import type { Outage } from '../detector/model.js';
import { notFound } from '../errors.js';
import { isoUtc } from '../util/time.js';
import type { Verdict } from './model.js';
import { AXES, axesOf, eventWindow, onsetSeconds, overlapping, verdictFor, type Axis, type Episode, type TimeWindow } from './episodes.js';
import { SOURCES, axisData, signalAxis, sourceCoverage, sourceOf, type CheckpointSpan, type SourceCoverage, type SourceInput } from './coverage.js';
import { DAY, dailySeries, dayIndex, dayRange, eventDays, type DayRange } from './days.js';
import { ecaWindows, type EcaRate } from './eca.js';
import { singleEventPermutation, type PermutationResult } from './permutation.js';
import { surrogateTest, type SurrogateMethod, type SurrogateStat } from './surrogate.js';
import { benjaminiHochberg } from './stats.js';

export type OutageSource = { type: 'detected' } | { type: 'reference'; list: string };

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

function episodeFromOutage(o: Outage): Episode {
  const depth = o.signals.reduce((m, s) => Math.max(m, s.depth), 0);
  return { id: o.id ?? null, entity: o.entity, kind: o.kind, start: o.start, end: o.end, score: o.score, depth: o.signals.length ? depth : 1, signals: o.signals.map((s) => s.signal), origin: 'detected' };
}

interface Reader {
  store: SqliteStore;
  input: OutageSource;
  openEnded: number;
}

function readEpisodes(r: Reader, country: string, from?: number, until?: number): Episode[] {
  if (r.input.type === 'detected') {
    return listOutages(r.store.db, { country, ...(from !== undefined ? { from } : {}), ...(until !== undefined ? { until } : {}) }).map(episodeFromOutage);
  }
  const list = r.input.list;
  return listReferenceOutages(r.store.db, { list, country, from, until, openEndedSeconds: r.openEnded }).map((o) => ({
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
  }));
}

function entitiesOf(store: SqliteStore, country: string): Set<string> {
  const out = new Set<string>([`country:${country}`]);
  for (const e of store.listEntities()) if (e.country === country) out.add(e.entity);
  return out;
}

/** Coverage of [from, until) by the four sources for the country entity (plus the reference list when used). */
function readCoverage(r: Reader, country: string, w: TimeWindow, minCoverage: number): { coverage: SourceCoverage[]; synthetic: boolean } {
  const { store } = r;
  const entity = `country:${country}`;
  const signals = store.listSignals(entity);
  const cps = store.checkpoints({ entity });
  const ents = entitiesOf(store, country);
  const events = store.listSourceEvents({ from: w.from, until: w.until }).filter((e) => e.entity !== null && ents.has(e.entity));
  let synthetic = false;
  const inputs: SourceInput[] = SOURCES.map((source) => ({ source, signals: [], checkpoints: [], events: 0 }));
  const bySource = new Map(inputs.map((i) => [i.source, i]));
  for (const s of signals) {
    const inp = bySource.get(sourceOf(s.source));
    if (!inp) continue;
    // a point covers its whole step: a daily OONI count speaks for the 24 hours of its day
    const span = Math.max(3600, s.step ?? 3600);
    const first = Math.floor(w.from / 3600) * 3600;
    const covered = new Set<number>();
    for (const h of store.readRollup(s.id, 'hourly', Math.floor((w.from - span + 1) / 3600) * 3600, w.until)) {
      if (h.n === 0) continue;
      for (let t = h.ts; t < h.ts + span; t += 3600) if (t >= first && t < w.until) covered.add(t);
    }
    const hours = [...covered].sort((a, b) => a - b);
    if (hours.length && s.synthetic) synthetic = true;
    inp.signals.push({ signal: s.name, hours });
  }
  for (const c of cps) {
    const inp = bySource.get(sourceOf(c.collector));
    if (inp) inp.checkpoints.push({ signal: c.signal, from: c.from, until: c.until, status: c.status } satisfies CheckpointSpan);
  }
  for (const e of events) {
    const inp = bySource.get(sourceOf(e.source));
    if (inp) inp.events++;
  }
  const coverage = inputs.map((i) => sourceCoverage(i, entity, w.from, w.until, minCoverage));
  if (r.input.type === 'reference') coverage.push(referenceCoverage(r, country, w));
  return { coverage, synthetic };
}

/** A reference list "has data" for a window inside the period it covers; its axes are those of its kinds. */
function referenceCoverage(r: Reader, country: string, w: TimeWindow): SourceCoverage {
  const name = (r.input as { list: string }).list;
  const meta = getReferenceList(r.store.db, name);
  const source = `reference:${name}`;
  if (!meta || meta.count === 0) return { source, hadData: false, fraction: 0, axes: [], signals: [], events: 0, reason: `reference list "${name}" is empty or was never imported` };
  // the list records shutdowns that began between its first and last start
  const lo = meta.first ?? 0;
  const hi = (meta.lastStart ?? lo) + DAY;
  const inside = Math.max(0, Math.min(hi, w.until) - Math.max(lo, w.from)) / Math.max(1, w.until - w.from);
  const axes = new Set<Axis>();
  for (const k of Object.keys(meta.kinds)) for (const a of axesOf(k === 'unspecified' ? null : k)) axes.add(a);
  const hadData = inside >= 0.5;
  const n = listReferenceOutages(r.store.db, { list: name, country, from: w.from, until: w.until, openEndedSeconds: r.openEnded }).length;
  return {
    source,
    hadData,
    fraction: round(inside, 3),
    axes: hadData ? [...axes].sort() : [],
    signals: [],
    events: n,
    reason: hadData ? null : `the list covers ${isoUtc(lo)} to ${isoUtc(hi)} only`,
  };
}

/** Days with data per axis for the country entity over a day range (from daily rollups). */
function readValidDays(r: Reader, country: string, range: DayRange, filter: (signal: string, source: string) => boolean = () => true): Record<Axis, Uint8Array> {
  const out: Record<Axis, Uint8Array> = { connectivity: new Uint8Array(range.len), services: new Uint8Array(range.len) };
  if (r.input.type === 'reference') {
    const meta = getReferenceList(r.store.db, r.input.list);
    if (meta && meta.first !== null) {
      const a = Math.max(0, dayIndex(range, meta.first));
      const b = Math.min(range.len - 1, dayIndex(range, meta.lastStart ?? meta.first));
      const axes = new Set<Axis>();
      for (const k of Object.keys(meta.kinds)) for (const x of axesOf(k === 'unspecified' ? null : k)) axes.add(x);
      for (const ax of axes) for (let d = a; d <= b; d++) out[ax][d] = 1;
    }
    return out;
  }
  const until = range.origin + range.len * DAY;
  for (const s of r.store.listSignals(`country:${country}`)) {
    if (!filter(s.name, sourceOf(s.source))) continue;
    const arr = out[signalAxis(s.name)];
    for (const row of r.store.readRollup(s.id, 'daily', range.origin, until)) {
      if (row.n <= 0) continue;
      const d = dayIndex(range, row.ts);
      if (d >= 0 && d < range.len) arr[d] = 1;
    }
  }
  return out;
}

/** The span of days with data (or of the reference list) for a country. */
function dataSpan(r: Reader, country: string): TimeWindow | null {
  if (r.input.type === 'reference') {
    const meta = getReferenceList(r.store.db, r.input.list);
    if (!meta || meta.first === null) return null;
    return { from: meta.first, until: (meta.lastStart ?? meta.first) + DAY };
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of r.store.listSignals(`country:${country}`)) {
    const rows = r.store.readRollup(s.id, 'daily', -1e12, 1e12).filter((x) => x.n > 0);
    if (!rows.length) continue;
    lo = Math.min(lo, rows[0]!.ts);
    hi = Math.max(hi, rows[rows.length - 1]!.ts + DAY);
  }
  return Number.isFinite(lo) ? { from: lo, until: hi } : null;
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
  score: number | null;
  depth: number;
  signals: string[];
  origin: string;
}

export interface EventCorrelationJson {
  event: EventRef;
  window: { from: string; until: string; leadSeconds: number; lagSeconds: number };
  outageInput: string;
  verdict: Verdict;
  outages: CorrelatedOutageJson[];
  sourceEvents: Array<{ id: number; source: string; entity: string | null; kind: string | null; title: string | null; start: string; end: string | null; onsetSeconds: number; url: string | null }>;
  coverage: SourceCoverage[];
  /** exact permutation p of the window's depth against the entity's ordinary days (null: cannot be computed) */
  p: number | null;
  significance: PermutationResult & { history: { from: string; until: string } | null; byAxis: Record<Axis, PermutationResult> | null };
  /** true when some signal with data in the window is synthetic (demo data) */
  synthetic: boolean;
}

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
    score: ep.score === null ? null : round(ep.score, 2),
    depth: round(ep.depth),
    signals: ep.signals,
    origin: ep.origin,
  };
}

interface Resolved {
  lead: number;
  lag: number;
  input: OutageSource;
  openEnded: number;
  B: number;
  seed: number;
  method: SurrogateMethod;
  blockDays: number;
  minCoverage: number;
}

function resolve(opts: CorrelateOptions): Resolved {
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
  };
}

function noResult(note: string): PermutationResult {
  return { statistic: 'max-depth', observed: null, p: null, windows: 0, atLeastAsDeep: 0, smallestAttainableP: null, note };
}

function correlateOne(r: Reader, o: Resolved, ev: ProtestEvent, calendar: readonly ProtestEvent[], history: { span: TimeWindow | null; episodes: Episode[] } | null): EventCorrelationJson {
  const w = eventWindow(ev, o.lead, o.lag);
  const episodes = overlapping(readEpisodes(r, ev.country, w.from, w.until), w);
  const { coverage, synthetic } = readCoverage(r, ev.country, w, o.minCoverage);
  const considered = r.input.type === 'reference' ? coverage.filter((c) => c.source.startsWith('reference:')) : coverage;
  const verdict = verdictFor(episodes, axisData(considered));
  const ents = entitiesOf(r.store, ev.country);
  const sourceEvents = r.store
    .listSourceEvents({ from: w.from, until: w.until })
    .filter((e) => e.entity !== null && ents.has(e.entity) && e.start < w.until && (e.end ?? e.start + 1) > w.from)
    .map((e) => ({ id: e.id, source: e.source, entity: e.entity, kind: e.kind, title: e.title, start: isoUtc(e.start), end: e.end === null ? null : isoUtc(e.end), onsetSeconds: e.start - ev.start, url: e.url }));

  // single-event significance over the history of the country's data
  let significance: EventCorrelationJson['significance'];
  const span = history ? history.span : dataSpan(r, ev.country);
  if (!span) {
    significance = { ...noResult('no data history for this country'), history: null, byAxis: null };
  } else {
    const from = Math.min(span.from, w.from);
    const until = Math.max(span.until, w.until);
    const range = dayRange(from, until);
    const all = history ? history.episodes : readEpisodes(r, ev.country, from, until);
    const valid = readValidDays(r, ev.country, range);
    const busy = new Uint8Array(range.len);
    for (const e of calendar) {
      const dw = eventDays(range, e, o.lead, o.lag);
      for (let d = Math.max(0, dw.from); d <= Math.min(range.len - 1, dw.until); d++) busy[d] = 1;
    }
    const dw = eventDays(range, ev, o.lead, o.lag);
    const anyValid = new Uint8Array(range.len);
    for (let d = 0; d < range.len; d++) anyValid[d] = valid.connectivity[d]! | valid.services[d]!;
    const combined = singleEventPermutation(dailySeries(all, range, anyValid).depth, busy, dw);
    const byAxis = {} as Record<Axis, PermutationResult>;
    for (const a of AXES) byAxis[a] = singleEventPermutation(dailySeries(all, range, valid[a], [a]).depth, busy, dw);
    significance = { ...combined, observed: combined.observed === null ? null : round(combined.observed), history: { from: isoUtc(span.from), until: isoUtc(span.until) }, byAxis };
  }
  return {
    event: eventRef(ev),
    window: { from: isoUtc(w.from), until: isoUtc(w.until), leadSeconds: o.lead, lagSeconds: o.lag },
    outageInput: outageSourceName(r.input),
    verdict,
    outages: episodes.map((e) => outageJson(e, ev)),
    sourceEvents,
    coverage,
    p: significance.p,
    significance,
    synthetic: r.input.type === 'detected' && synthetic,
  };
}

/** Correlation of one calendar event (`outagewatch correlate --event ID`). Throws AppError NOT_FOUND. */
export function correlateEvent(store: SqliteStore, eventId: string, opts: CorrelateOptions = {}): EventCorrelationJson {
  const ev = getEvent(store.db, eventId);
  if (!ev) throw notFound(`event "${eventId}"`);
  const o = resolve(opts);
  const r: Reader = { store, input: o.input, openEnded: o.openEnded };
  const calendar = listEvents(store.db, { country: ev.country });
  return correlateOne(r, o, ev, calendar, null);
}

// ---------- sets ----------

export interface SetTestJson {
  /** what was tested: `all`, `connectivity`, `services`, or one source (`ioda`, `ooni`, `ripestat`) */
  name: string;
  country: string;
  days: number;
  eventsAssessable: number;
  outageDays: number;
  outageOnsets: number;
  trigger: EcaRate & { surrogateP: number | null; surrogateMean: number | null; q: number | null };
  precursor: EcaRate & { surrogateP: number | null; surrogateMean: number | null; q: number | null };
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
  /** surrogates drawn (for an exhaustive circular shift: the number of distinct shifts) */
  B: number;
  seed: number;
  exhaustive: boolean;
  smallestAttainableP: number;
  tests: SetTestJson[];
  note: string | null;
}

export interface CountryCorrelationJson {
  country: string;
  range: { from: string; until: string } | null;
  outageInput: string;
  events: Array<{ id: string; title: string; start: string; end: string; tz: string; verdict: Verdict; outages: number; firstOnsetSeconds: number | null; p: number | null }>;
  stats: SetStatsJson;
}

function rateJson(e: EcaRate, s: SurrogateStat | null): SetTestJson['trigger'] {
  return { k: e.k, n: e.n, rate: e.rate === null ? null : round(e.rate), expected: e.expected === null ? null : round(e.expected), p: e.p === null ? null : round(e.p, 6), surrogateP: s?.p ?? null, surrogateMean: s?.nullMean === null || s?.nullMean === undefined ? null : round(s.nullMean), q: null };
}

/** Correlation of a country's calendar (`outagewatch correlate --country KZ`). */
export function correlateCountry(store: SqliteStore, country: string, opts: CorrelateOptions = {}): CountryCorrelationJson {
  const cc = country.toUpperCase();
  const o = resolve(opts);
  const r: Reader = { store, input: o.input, openEnded: o.openEnded };
  const span = dataSpan(r, cc);
  const from = opts.from ?? span?.from;
  const until = opts.until ?? span?.until;
  const calendarAll = listEvents(store.db, { country: cc });
  const calendar = calendarAll.filter((e) => (from === undefined || e.end > from) && (until === undefined || e.start < until));
  const statsBase = {
    method: {
      coincidence: 'event coincidence analysis on UTC days: trigger = share of events whose window [start − lead, end + lag] holds an outage day; precursor = share of outage onsets inside some event window',
      analytic: 'Poisson null (CoinCalc conventions, Poisson-binomial over unequal windows)',
      surrogate: o.method,
      blockDays: o.method === 'block-permutation' ? o.blockDays : null,
      multipleTesting: 'Benjamini–Hochberg over the tests listed (q)',
    },
    leadSeconds: o.lead,
    lagSeconds: o.lag,
    seed: o.seed,
  };
  if (from === undefined || until === undefined || until <= from) {
    return {
      country: cc,
      range: null,
      outageInput: outageSourceName(r.input),
      events: [],
      stats: { ...statsBase, B: 0, exhaustive: false, smallestAttainableP: 1, tests: [], note: `no data for ${cc}: nothing to test` },
    };
  }
  const range = dayRange(from, until);
  const episodes = readEpisodes(r, cc, range.origin, range.origin + range.len * DAY);
  const history = { span: { from, until }, episodes };
  const events = calendar.map((ev) => {
    const c = correlateOne(r, o, ev, calendarAll, history);
    const firstOnset = c.outages.length ? c.outages.reduce((m, x) => Math.min(m, x.onsetSeconds), Infinity) : null;
    return { id: ev.id, title: ev.title, start: isoUtc(ev.start), end: isoUtc(ev.end), tz: ev.tz, verdict: c.verdict, outages: c.outages.length, firstOnsetSeconds: firstOnset, p: c.p };
  });
  const windows = calendar.map((ev) => eventDays(range, ev, o.lead, o.lag));
  // tests: everything, each axis, and each source that has signals
  type Spec = { name: string; axes: Axis[]; source: string | null };
  const specs: Spec[] = [
    { name: 'all', axes: ['connectivity', 'services'], source: null },
    { name: 'connectivity', axes: ['connectivity'], source: null },
    { name: 'services', axes: ['services'], source: null },
  ];
  if (r.input.type === 'detected') {
    const sources = new Set(store.listSignals(`country:${cc}`).map((s) => sourceOf(s.source)));
    for (const s of SOURCES) if (sources.has(s)) specs.push({ name: s, axes: ['connectivity', 'services'], source: s });
  }
  let B = 0;
  let exhaustive = false;
  const tests: SetTestJson[] = [];
  for (const spec of specs) {
    const valid = readValidDays(r, cc, range, spec.source ? (_sig, src) => src === spec.source : undefined);
    const v = new Uint8Array(range.len);
    for (let d = 0; d < range.len; d++) for (const a of spec.axes) v[d] = v[d]! | valid[a][d]!;
    const eps = spec.source ? episodes.filter((e) => e.signals.some((s) => sourceOf(s) === spec.source)) : episodes;
    const series = dailySeries(eps, range, v, spec.axes);
    const days = series.valid.reduce((a, b) => a + b, 0);
    if (days === 0) continue;
    const eca = ecaWindows(series, windows);
    const sur = eca.assessable.length ? surrogateTest(series, windows, { method: o.method, B: o.B, seed: o.seed, blockDays: o.blockDays }) : null;
    if (sur) {
      B = Math.max(B, sur.B);
      exhaustive = sur.exhaustive;
    }
    tests.push({
      name: spec.name,
      country: cc,
      days,
      eventsAssessable: eca.assessable.length,
      outageDays: eca.nActiveDays,
      outageOnsets: eca.nOnsets,
      trigger: rateJson(eca.trigger, sur?.trigger ?? null),
      precursor: rateJson(eca.precursor, sur?.precursor ?? null),
    });
  }
  applyBH(tests);
  const few = calendar.length < 5 ? `only ${calendar.length} event(s): set statistics need more protest dates to say anything` : null;
  return {
    country: cc,
    range: { from: isoUtc(range.origin), until: isoUtc(range.origin + range.len * DAY) },
    outageInput: outageSourceName(r.input),
    events,
    stats: { ...statsBase, B, exhaustive, smallestAttainableP: B > 0 ? 1 / (B + 1) : 1, tests, note: few },
  };
}

/** Benjamini–Hochberg over the surrogate p-values of the tests (trigger and precursor together), in place. */
export function applyBH(tests: SetTestJson[]): void {
  const ps: number[] = [];
  const slots: Array<SetTestJson['trigger']> = [];
  for (const t of tests) {
    for (const x of [t.trigger, t.precursor]) {
      if (x.surrogateP !== null) {
        ps.push(x.surrogateP);
        slots.push(x);
      }
    }
  }
  benjaminiHochberg(ps).forEach((q, i) => (slots[i]!.q = round(q, 6)));
}

/** Several countries at once, with Benjamini–Hochberg across all of their tests. */
export function correlateCountries(store: SqliteStore, countries: readonly string[], opts: CorrelateOptions = {}): CountryCorrelationJson[] {
  const out = countries.map((c) => correlateCountry(store, c, opts));
  if (out.length > 1) {
    applyBH(out.flatMap((c) => c.stats.tests));
    for (const c of out) c.stats.method.multipleTesting = `Benjamini–Hochberg over all tests of ${out.length} countries (q)`;
  }
  return out;
}

/** Verdict, overlapping outages and coverage for an arbitrary range of a country (country reports, pages). */
export function correlateRange(store: SqliteStore, country: string, from: number, until: number, opts: CorrelateOptions = {}): { verdict: Verdict; episodes: Episode[]; coverage: SourceCoverage[]; synthetic: boolean } {
  const o = resolve(opts);
  const r: Reader = { store, input: o.input, openEnded: o.openEnded };
  const cc = country.toUpperCase();
  const w: TimeWindow = { from, until };
  const episodes = overlapping(readEpisodes(r, cc, from, until), w);
  const { coverage, synthetic } = readCoverage(r, cc, w, o.minCoverage);
  return { verdict: verdictFor(episodes, axisData(coverage)), episodes, coverage, synthetic };
}
