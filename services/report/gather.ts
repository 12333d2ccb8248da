import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Repositories } from '../../db/repositories.js';
import type { SignalRow } from '../../db/store.js';
import { correlateEvent, correlateCountry, correlateRange, type CorrelateOptions } from '../correlator/assemble.js';
import { correlateOptions } from '../correlator/options.js';
import { SOURCE_NAMES, type SourceCoverage } from '../correlator/coverage.js';
import { entityScope } from '../correlator/model.js';
import type { Verdict } from '../correlator/model.js';
import type { ProtestEvent } from '../../core/calendar.js';
import type { Outage } from '../../core/outage.js';
import { notFound } from '../../core/app-errors.js';
import { evidenceLinks } from '../evidence/links.js';
import { isoUtc } from '../../core/time.js';
import { duration, lostText, onsetText, pValue, rateText, relativeOnset } from './format.js';
import type { ReportData } from './model.js';
import { bucketRollup, chartPlan, type ChartPlan } from './series.js';

const DAY = 86400;
const HOUR = 3600;

export interface ReportRequest {
  eventId?: string;
  country?: string;
  from?: number;
  until?: number;
  lead?: number;
  lag?: number;
  /** surrogates for the set statistics of a country report */
  B?: number;
  seed?: number;
  /**
   * The correlator's options, from the one options builder (`correlateOptions(config, overrides)`), so that a
   * report and `outagewatch correlate` give the same p. Without it: the configuration defaults.
   */
  correlate?: CorrelateOptions;
}

/** The report's correlate options: the builder's, with the request's lead/lag/B/seed on top. */
function reportOptions(req: ReportRequest): CorrelateOptions {
  const base = req.correlate ?? correlateOptions(undefined);
  return {
    ...base,
    ...(req.lead !== undefined ? { lead: req.lead } : {}),
    ...(req.lag !== undefined ? { lag: req.lag } : {}),
    ...(req.B !== undefined ? { B: req.B } : {}),
    ...(req.seed !== undefined ? { seed: req.seed } : {}),
  };
}

export interface GatherOptions {
  version: string;
  /** generated-at, Unix seconds (injected so tests are stable) */
  now: number;
}

const localIso = (ts: number, tz: string) => DateTime.fromSeconds(ts, { zone: tz }).toISO({ suppressMilliseconds: true }) ?? isoUtc(ts);

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

/** Rate signals (a share of measurements, such as OONI anomaly rates) rise when something is blocked: "lost" does not apply. */
const isRateSignal = (signal: string) => /^ooni\.anomaly_rate/.test(signal);

/** Largest share of normal lost on the outage's level signals, percent; null when only rate signals are in it. */
function levelLost(o: Outage): number | null {
  const level = o.signals.filter((x) => !isRateSignal(x.signal));
  return level.length ? Math.round(level.reduce((m, x) => Math.max(m, x.depth), 0) * 100) : null;
}

export const LICENCES: ReportData['licences'] = [
  {
    source: 'IODA',
    licence: 'IODA terms of use (research use; acknowledge IODA)',
    attribution:
      'Internet Outage Detection and Analysis (IODA), Internet Intelligence Lab, Georgia Institute of Technology — https://ioda.inetintel.cc.gatech.edu',
  },
  { source: 'OONI', licence: 'CC BY-NC-SA 4.0', attribution: 'Open Observatory of Network Interference (OONI) — https://ooni.org/data' },
  {
    source: 'RIPEstat',
    licence: 'RIPE NCC RIPEstat terms and conditions (attribution)',
    attribution: 'RIPE NCC RIPEstat — https://stat.ripe.net',
  },
  { source: 'Cloudflare Radar', licence: 'CC BY-NC 4.0', attribution: 'Cloudflare Radar — https://radar.cloudflare.com' },
  {
    source: 'Access Now #KeepItOn STOP',
    licence: 'Access Now STOP dataset terms (cite Access Now)',
    attribution: 'Access Now, #KeepItOn Shutdown Tracker Optimization Project (STOP) — https://www.accessnow.org/keepiton',
  },
];

interface Scope {
  kind: 'event' | 'country';
  entity: string;
  country: string;
  tz: string;
  event: ProtestEvent | null;
  window: { from: number; until: number; lead: number; lag: number };
  display: { from: number; until: number };
}

async function resolveScope(repos: Repositories, req: ReportRequest): Promise<Scope> {
  if (req.eventId) {
    const e = await repos.calendar.getEvent(req.eventId);
    if (!e) throw notFound(`calendar event ${req.eventId}`);
    const o = reportOptions(req);
    const lead = o.lead ?? DAY;
    const lag = o.lag ?? 2 * DAY;
    const window = { from: e.start - lead, until: e.end + lag, lead, lag };
    return {
      kind: 'event',
      entity: `country:${e.country}`,
      country: e.country,
      tz: e.tz,
      event: e,
      window,
      display: { from: window.from - 2 * DAY, until: window.until + 2 * DAY },
    };
  }
  if (!req.country || req.from === undefined || req.until === undefined)
    throw new Error('a report needs --event ID, or --country CC with --from and --until');
  const country = req.country.toUpperCase();
  const tz = (await repos.calendar.listEvents({ country }))[0]?.tz ?? 'UTC';
  const window = { from: req.from, until: req.until, lead: 0, lag: 0 };
  return { kind: 'country', entity: `country:${country}`, country, tz, event: null, window, display: { from: req.from, until: req.until } };
}

/** sha256 over the rows a report used, one line each (`kind<TAB>JSON`; a signal's points as the bytes of its time and value columns), fed to the hash in large chunks. */
class RowHasher {
  private readonly h = createHash('sha256');
  private buf = '';
  rows = 0;
  add(kind: string, row: unknown): void {
    this.addLine(`${kind}\t${JSON.stringify(row)}\n`);
  }
  /** A line already in the `kind<TAB>JSON\n` form. */
  addLine(line: string): void {
    this.buf += line;
    this.rows++;
    if (this.buf.length >= 1 << 16) {
      this.h.update(this.buf);
      this.buf = '';
    }
  }
  /** A signal's points as two columns: a `points<TAB>[name,count]` line, then the bytes of both (one row per point). */
  addColumns(name: string, ts: Float64Array, values: Float64Array): void {
    this.addLine(`points\t${JSON.stringify([name, ts.length])}\n`);
    this.h.update(this.buf);
    this.buf = '';
    this.h.update(new Uint8Array(ts.buffer, ts.byteOffset, ts.byteLength));
    this.h.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    this.rows += ts.length - 1;
  }
  digest(): string {
    this.h.update(this.buf);
    this.buf = '';
    return this.h.digest('hex');
  }
}

interface SignalStats {
  baseline: number | null;
  min: number | null;
  peak: number | null;
  drop: number | null;
  /** non-null values in the window */
  values: number;
  /** steps the window has room for */
  expected: number;
  plan: ChartPlan;
  display: ReportData['series'][number]['points'];
}

/**
 * One signal's figures for the report, in one pass over its points in time order (read as two typed columns, time
 * and value, never as an object per point): the 7-day baseline before the window, the window's minimum, peak and
 * drop, its coverage, and every point into the data hash (the columns' bytes). The chart series comes from the raw
 * points for short ranges and from the hourly or daily rollups otherwise, each bucket with its minimum and maximum.
 * Null when there are no points.
 */
async function signalStats(
  points: Repositories['points'],
  sig: SignalRow,
  hasher: RowHasher,
  r: { histFrom: number; wFrom: number; wUntil: number; display: { from: number; until: number } },
): Promise<SignalStats | null> {
  const { histFrom, wFrom, wUntil, display } = r;
  const readFrom = Math.min(histFrom, display.from);
  const readUntil = Math.max(wUntil, display.until);
  const isRate = sig.metric === 'anomaly_rate';
  const diurnal = sig.source === 'ioda' && (sig.metric === 'gtr' || sig.metric === 'merit-nt');
  const { ts, values: vs, length: n } = await points.readColumns(sig.id, readFrom, readUntil);
  if (n === 0) return null;
  // every point used, exactly (NaN = a stored null): the signal's name and count, then both columns' bytes
  hasher.addColumns(sig.name, ts, vs);
  const hist: number[] = [];
  const histSlots = new Map<number, number[]>();
  let i = 0;
  for (; i < n && ts[i]! < wFrom; i++) {
    const v = vs[i]!;
    if (ts[i]! < histFrom || v !== v) continue;
    hist.push(v);
    if (diurnal) {
      const slot = histSlots.get(ts[i]! % DAY);
      if (slot) slot.push(v);
      else histSlots.set(ts[i]! % DAY, [v]);
    }
  }
  const firstWin = i < n && ts[i]! < wUntil ? ts[i]! : null;
  const secondWin = i + 1 < n && ts[i + 1]! < wUntil ? ts[i + 1]! : null;
  let baselineAt: Map<number, number | null> | null = null;
  let values = 0;
  let min: number | null = null;
  let peak: number | null = null;
  let diurnalDrop = 0;
  for (; i < n && ts[i]! < wUntil; i++) {
    const v = vs[i]!;
    if (v !== v) continue;
    values++;
    if (min === null || v < min) min = v;
    if (peak === null || v > peak) peak = v;
    if (diurnal) {
      // daily-cycle signals: each value against the median at the same time of day over the 7 days before
      baselineAt ??= new Map([...histSlots].map(([slot, xs]) => [slot, median(xs)] as const));
      const b = baselineAt.get(ts[i]! % DAY) ?? null;
      if (b !== null && b > 0) diurnalDrop = Math.max(diurnalDrop, 1 - v / b);
    }
  }
  const step = sig.step ?? (firstWin !== null && secondWin !== null ? secondWin - firstWin : 300);
  const plan = chartPlan(display.until - display.from, step);
  const baseline = median(hist);
  let drop: number | null = null;
  if (!isRate && baseline !== null && baseline > 0 && min !== null) drop = diurnal ? diurnalDrop : Math.max(0, 1 - min / baseline);
  let shown: ReportData['series'][number]['points'] = [];
  if (plan.resolution === 'raw') {
    for (let k = 0; k < n; k++)
      if (ts[k]! >= display.from && ts[k]! < display.until) shown.push([isoUtc(ts[k]!), vs[k]! === vs[k]! ? vs[k]! : null]);
  } else {
    const unit = plan.resolution === 'hourly' ? HOUR : DAY;
    const base = Math.floor(display.from / plan.bucketSeconds) * plan.bucketSeconds;
    shown = bucketRollup(
      await points.readRollup(sig.id, plan.resolution, Math.floor(display.from / unit) * unit, display.until),
      base,
      plan.bucketSeconds,
      display.from,
    );
  }
  return { baseline, min, peak, drop, values, expected: Math.max(1, Math.ceil((wUntil - wFrom) / step)), plan, display: shown };
}

/**
 * Reads everything a report needs through the repositories (either backend); the result is rendered by the format
 * modules.
 */
export async function gatherReport(repos: Repositories, req: ReportRequest, opts: GatherOptions): Promise<ReportData> {
  const s = await resolveScope(repos, req);
  const hasher = new RowHasher();
  const { from: wFrom, until: wUntil } = s.window;

  // correlation: verdict, coverage, significance
  let verdict: Verdict;
  let coverage: SourceCoverage[];
  let statistics: ReportData['statistics'];
  const outageOnset = new Map<number, number>();
  const copts = reportOptions(req);
  if (s.event) {
    const c = await correlateEvent(repos, s.event.id, { ...copts, lead: s.window.lead, lag: s.window.lag });
    verdict = c.verdict;
    coverage = c.coverage;
    for (const o of c.outages) if (typeof o.id === 'number') outageOnset.set(o.id, o.onsetSeconds);
    const sig = c.significance;
    statistics = {
      method: `${sig.method} (the same test and p as \`outagewatch correlate --event ${s.event.id}\`)`,
      p: c.p,
      smallestAttainableP: sig.smallestAttainableP,
      details: {
        statistic: sig.statistic,
        observedDepth: sig.observed,
        window: sig.window,
        comparableWindows: sig.windows,
        atLeastAsDeep: sig.atLeastAsDeep,
        history: sig.history,
        note: sig.note,
      },
      text:
        c.p === null
          ? `No p-value: ${sig.note ?? 'the history does not allow a comparison'}.`
          : `Of ${sig.windows} non-overlapping windows of the same length on ordinary days, ${sig.atLeastAsDeep} were at least as deep as this one: p = ${pValue(c.p)} (the smallest p this history allows is ${pValue(sig.smallestAttainableP)}).${c.p <= (copts.alpha ?? 0.05) ? ` That is unlikely to be chance at the ${Math.round((copts.alpha ?? 0.05) * 100)}% level.` : ' That is not unusual for this network: it could be chance.'}`,
    };
  } else {
    const r = await correlateRange(repos, s.country, wFrom, wUntil, copts);
    verdict = r.verdict;
    coverage = r.coverage;
    const set = await correlateCountry(repos, s.country, { ...copts, from: wFrom, until: wUntil });
    const first = set.stats.tests[0];
    const analytic = (x: { analyticP: number | null }) => `analytic approximation ${pValue(x.analyticP)}`;
    statistics = {
      method: `event coincidence analysis of the country’s calendar, p from a ${set.stats.method.surrogate} surrogate test (B per test), q by ${set.stats.method.multipleTesting}; ${set.stats.method.analytic}`,
      p: first?.trigger.p ?? null,
      smallestAttainableP: first?.smallestAttainableP ?? null,
      details: {
        events: set.events.map((e) => ({ id: e.id, start: e.start, verdict: e.verdict.label, p: e.p, q: e.q, reason: e.reason })),
        eventsFamily: set.eventsFamily,
        seed: set.stats.seed,
        tests: set.stats.tests,
        correction: set.stats.method.multipleTesting,
        synthetic: set.synthetic,
        note: set.stats.note,
      },
      text:
        set.events.length === 0
          ? 'No calendar event of this country falls in the range, so there is no coincidence statistic.'
          : `${set.events.length} calendar event(s) in the range; ${first ? `trigger test (do events come with an outage?): ${first.trigger.k}/${first.trigger.n}, p = ${pValue(first.trigger.p)} (surrogate test, B = ${first.B}), q = ${pValue(first.trigger.q)}; ${analytic(first.trigger)}. Precursor test (do outages begin around events?): ${first.precursor.k}/${first.precursor.n}, p = ${pValue(first.precursor.p)}, q = ${pValue(first.precursor.q)}; ${analytic(first.precursor)}` : 'no test could be run'}.${set.stats.note ? ` ${set.stats.note}` : ''}`,
    };
  }

  // outages of the entity (and its networks) in the window
  const outages: Outage[] = await repos.outages.listOutages({ country: s.country, from: wFrom, until: wUntil });
  const entities = await repos.points.listEntities();
  const entityNames = new Map(entities.flatMap((e) => (e.name ? [[e.entity, e.name] as const] : [])));
  for (const o of outages) hasher.add('outage', o);
  const outageRows: ReportData['outages'] = outages.map((o) => ({
    id: o.id ?? null,
    entity: o.entity,
    kind: o.kind,
    severity: o.severity,
    start: isoUtc(o.start),
    end: isoUtc(o.end),
    startLocal: localIso(o.start, s.tz),
    endLocal: localIso(o.end, s.tz),
    durationSeconds: o.end - o.start,
    onsetSeconds: s.event ? (o.id !== undefined && outageOnset.has(o.id) ? outageOnset.get(o.id)! : o.start - s.event.start) : null,
    scope: entityScope(o.entity),
    parent: o.entity.startsWith('country:') ? null : `country:${s.country}`,
    name: entityNames.get(o.entity) ?? null,
    lostPercent: o.lostPercent === undefined || o.lostPercent === null ? levelLost(o) : Math.round(o.lostPercent),
    hours: round(o.hours ?? (o.end - o.start) / 3600, 1),
    signals: o.signals.map((x) => x.signal),
    targets: o.targets,
    depth: round(o.signals.reduce((m, x) => Math.max(m, x.depth), 0)),
    score: round(o.score, 2),
  }));
  const blockedTargets = [
    ...new Set(outages.filter((o) => o.kind !== 'connectivity' && o.entity === s.entity).flatMap((o) => o.targets)),
  ].sort();

  // source events, compared with detections
  const countryEntities = new Set([s.entity, ...entities.filter((x) => x.country === s.country).map((x) => x.entity)]);
  const sourceEvents = (await repos.points.listSourceEvents({ from: wFrom, until: wUntil })).filter(
    (e) => e.entity !== null && countryEntities.has(e.entity),
  );
  for (const e of sourceEvents) hasher.add('source-event', { source: e.source, id: e.externalId, start: e.start, end: e.end, raw: e.raw });
  const sourceRows: ReportData['sourceEvents'] = sourceEvents
    .filter((e) => e.kind !== 'anomaly-evidence')
    .map((e) => ({
      source: e.source,
      id: e.externalId,
      start: isoUtc(e.start),
      end: e.end === null ? null : isoUtc(e.end),
      title: e.title,
      agreement: outages.some((o) => o.start < (e.end ?? e.start + 1) && o.end > e.start) ? ('agree' as const) : ('only-source' as const),
    }));

  // signals
  const signals = await repos.points.listSignals(s.entity);
  const signalRows: ReportData['signals'] = [];
  const series: ReportData['series'] = [];
  const ooniTargets = new Map<string, Map<string, SignalRow>>();
  const syntheticSignals: string[] = [];
  /** the sources behind the signals used, by the name they are credited by */
  const used = new Map<string, ReportData['licences'][number]>();
  const histFrom = wFrom - 7 * DAY;
  for (const sig of signals) {
    if (sig.source === 'ooni') {
      if (sig.target) {
        const m = ooniTargets.get(sig.target) ?? new Map<string, SignalRow>();
        m.set(sig.metric, sig);
        ooniTargets.set(sig.target, m);
      }
      if (sig.metric !== 'anomaly_rate') continue;
    }
    const st = await signalStats(repos.points, sig, hasher, { histFrom, wFrom, wUntil, display: s.display });
    if (st === null) continue;
    const isRate = sig.metric === 'anomaly_rate';
    if (sig.synthetic && st.values) syntheticSignals.push(sig.name);
    const pv = sig.provenance;
    signalRows.push({
      signal: sig.name,
      synthetic: sig.synthetic,
      label: pv.label,
      unit: pv.unit,
      sourceName: pv.sourceName,
      axis: pv.axis,
      rate: isRate,
      baseline: st.baseline === null ? null : round(st.baseline, 3),
      minInWindow: st.min === null ? null : round(st.min, 3),
      peakInWindow: st.peak === null ? null : round(st.peak, 3),
      dropPercent: st.drop === null ? null : round(st.drop * 100, 1),
      coveragePercent: round(Math.min(100, (st.values / st.expected) * 100), 1),
      points: st.values,
    });
    used.set(pv.sourceName, { source: pv.sourceName, licence: pv.licence ?? 'not stated by the source', attribution: pv.citation ?? '—' });
    series.push({
      signal: sig.name,
      synthetic: sig.synthetic,
      label: pv.label,
      unit: pv.unit,
      sourceName: pv.sourceName,
      resolution: st.plan.resolution,
      bucketSeconds: st.plan.bucketSeconds,
      points: st.display,
    });
  }

  // OONI per target and day
  const ooni: ReportData['ooni'] = [];
  for (const [target, metrics] of [...ooniTargets].sort((a, b) => a[0].localeCompare(b[0]))) {
    const daily = async (metric: string) => {
      const sig = metrics.get(metric);
      const m = new Map<number, number>();
      if (!sig) return m;
      for (const r of await repos.points.readRollup(sig.id, 'daily', Math.floor(wFrom / DAY) * DAY, wUntil))
        if (r.n > 0 && r.mean !== null) m.set(r.ts, r.mean * r.n);
      return m;
    };
    const meas = await daily('measurement_count');
    const anom = await daily('anomaly_count');
    const conf = await daily('confirmed_count');
    const days = [...new Set([...meas.keys(), ...anom.keys(), ...conf.keys()])].sort((a, b) => a - b);
    if (days.length === 0) continue;
    for (const d of days) hasher.add('ooni-day', [target, d, meas.get(d) ?? null, anom.get(d) ?? null, conf.get(d) ?? null]);
    ooni.push({
      target,
      days: days.map((d) => ({
        day: isoUtc(d).slice(0, 10),
        measurements: meas.get(d) ?? null,
        anomaly: anom.get(d) ?? null,
        confirmed: conf.get(d) ?? null,
      })),
    });
  }

  // reference lists
  const reference: ReportData['reference'] = [];
  for (const list of await repos.reference.referenceListNames()) {
    for (const r of await repos.reference.listReferenceOutages({ list, country: s.country, from: wFrom, until: wUntil })) {
      hasher.add('reference', [list, r.naturalKey, r.start, r.end, r.kind]);
      reference.push({
        list,
        country: r.country,
        start: isoUtc(r.start),
        end: r.end === null ? null : isoUtc(r.end),
        kind: r.kind,
        source: r.source,
      });
    }
  }

  // evidence
  const evidence: ReportData['evidence'] = evidenceLinks(s.entity, wFrom, wUntil, { ooniTargets: ooni.map((o) => o.target) });
  for (const e of sourceEvents)
    if (e.url && /^https?:\/\//.test(e.url))
      evidence.push({ source: e.source, label: `${e.source}: ${e.title ?? e.kind ?? e.externalId}`, url: e.url });

  if (s.event) hasher.add('event', s.event);
  const synthetic = { any: syntheticSignals.length > 0, signals: syntheticSignals };
  const coverageRows = coverage.map((c) => ({ source: c.source, name: c.name, hasData: c.hadData, hours: c.hours, reason: c.reason }));
  // licences: every source whose data the report uses, by its credited name (sources of declared events and reference lists too)
  for (const e of sourceEvents) {
    const known = LICENCES.find(
      (l) => l.source === (SOURCE_NAMES as Record<string, string>)[e.source === 'cloudflare' ? 'radar' : e.source],
    );
    if (known && !used.has(known.source)) used.set(known.source, known);
  }
  if (reference.some((x) => /stop|access/i.test(x.list))) used.set(LICENCES[4]!.source, LICENCES[4]!);
  for (const list of new Set(reference.map((x) => x.list)))
    if (!/stop|access/i.test(list))
      used.set(`reference list ${list}`, {
        source: `reference list ${list}`,
        licence: 'as published by the list',
        attribution: `imported reference list “${list}”`,
      });
  const licences = [...used.values()];
  const caveats: string[] = [];
  if (synthetic.any)
    caveats.push(
      `Synthetic (generated) data is used for ${syntheticSignals.join(', ')}: this report demonstrates the method and is not evidence.`,
    );
  for (const c of coverage) if (c.reason) caveats.push(`${c.name}: ${c.reason}.`);
  if (ooni.length)
    caveats.push(
      'OONI anomalies are signs of possible blocking, not proof; confirmed counts come from known blockpage fingerprints. Anomaly rates from few measurements are unreliable (rates below the minimum count are left empty).',
    );
  caveats.push(
    'Detected outages compare each signal with its own recent baseline; a drop can also come from measurement problems at the source. Check the evidence links.',
  );

  const title = s.event
    ? `Outage report: ${s.event.title}`
    : `Outage report: ${s.country}, ${isoUtc(wFrom).slice(0, 10)} to ${isoUtc(wUntil - 1).slice(0, 10)}`;
  const dataHash = hasher.digest();
  const data: ReportData = {
    schema: 'outagewatch-report/1',
    title,
    scope: { kind: s.kind, entity: s.entity, country: s.country, from: isoUtc(s.display.from), until: isoUtc(s.display.until), tz: s.tz },
    event: s.event
      ? {
          id: s.event.id,
          title: s.event.title,
          country: s.event.country,
          kind: s.event.kind,
          places: s.event.places.map((p) => (p.admin1 ? `${p.name} (${p.admin1})` : p.name)),
          start: isoUtc(s.event.start),
          end: isoUtc(s.event.end),
          startLocal: localIso(s.event.start, s.event.tz),
          endLocal: localIso(s.event.end, s.event.tz),
          tz: s.event.tz,
          sources: s.event.sources,
          notes: s.event.notes,
        }
      : null,
    window: { from: isoUtc(wFrom), until: isoUtc(wUntil), leadSeconds: s.window.lead, lagSeconds: s.window.lag },
    verdict: { ...verdict, blockedTargets },
    summary: [],
    synthetic,
    outages: outageRows,
    sourceEvents: sourceRows,
    signals: signalRows,
    ooni,
    statistics,
    coverage: coverageRows,
    caveats,
    evidence,
    reference,
    citation: '',
    licences,
    series,
    reproducibility: {
      tool: 'outagewatch',
      version: opts.version,
      generatedAt: isoUtc(opts.now),
      parameters: {
        ...(s.event ? { event: s.event.id } : { country: s.country, from: isoUtc(wFrom), until: isoUtc(wUntil) }),
        leadSeconds: s.window.lead,
        lagSeconds: s.window.lag,
      },
      dataHash,
      rows: hasher.rows,
    },
  };
  data.summary = summarise(data);
  const credited = [...new Set([...coverage.filter((c) => c.hadData).map((c) => c.name), ...licences.map((l) => l.source)])];
  data.citation = `outagewatch ${opts.version}, “${title}”, generated ${isoUtc(opts.now)}; data: ${credited.join(', ') || 'none (no source had data for this window)'}; data hash sha256:${dataHash.slice(0, 16)}….`;
  return data;
}

/** The summary in plain words: what, when (UTC and local), how deep, how sure, and what is missing. */
export function summarise(r: ReportData): string[] {
  const out: string[] = [];
  const where = r.event ? `around “${r.event.title}” (${r.event.startLocal.slice(0, 10)}, ${r.event.tz})` : `in ${r.scope.country}`;
  const v = r.verdict;
  const national = r.outages.filter((o) => o.parent === null);
  const connectivity = national.filter((o) => o.kind !== 'service-blocking' && o.kind !== 'degradation');
  if (v.label === 'insufficient-data') {
    out.push(
      `There is not enough data to say what happened ${where}: no source had data for the window ${r.window.from} to ${r.window.until}. This is not the same as “nothing happened”.`,
    );
  } else if (v.label === 'nothing-unusual') {
    out.push(
      `Nothing unusual was found ${where} between ${r.window.from} and ${r.window.until}: ${v.connectivity === 'normal' ? 'the network held' : 'there is no connectivity data'}, and ${v.services === 'normal' ? 'the measured services were reachable' : 'there is no data on services (blocking cannot be ruled out)'}.`,
    );
  } else if (v.label === 'regional-outage') {
    out.push(
      `outagewatch found sub-national outages only ${where}; ${v.connectivity === 'normal' ? 'the country as a whole held' : 'there is no national connectivity data to say whether the country as a whole held'}${v.services === 'no-data' ? ' (there is no data on services)' : ''}. ${v.subnationalSummary ?? ''}`.trim(),
    );
  } else {
    const parts: string[] = [];
    if (v.connectivity === 'outage')
      parts.push(
        `a connectivity outage (the network itself went dark${connectivity.length ? ` on ${[...new Set(connectivity.flatMap((o) => o.signals))].join(', ')}` : ''})`,
      );
    if (v.services === 'blocking') parts.push(`service blocking${v.blockedTargets.length ? ` of ${v.blockedTargets.join(', ')}` : ''}`);
    const held =
      v.connectivity === 'normal'
        ? ' while the network held'
        : v.connectivity === 'no-data'
          ? ' (there is no connectivity data to say whether the network held)'
          : '';
    out.push(`outagewatch found ${parts.join(' and ')} ${where}${held}.`);
    if (v.onset) {
      const rel = v.onset.seconds === null ? '' : `, ${relativeOnset(v.onset.seconds, v.onset.precision)}`;
      const basis =
        v.onset.basis === 'subnational-majority'
          ? ' when more than half of the country’s units were down at once'
          : ` on ${v.onset.entity}${v.onset.signal ? ` (${v.onset.signal})` : ''}`;
      const ends = national.length
        ? `; the last national episode ended at ${[...national].sort((a, b) => b.end.localeCompare(a.end))[0]!.end} UTC and the longest lasted ${duration(national.reduce((mx, o) => Math.max(mx, o.durationSeconds), 0))}`
        : '';
      out.push(`It began ${onsetText(v.onset)}${rel}${basis}${ends}.`);
    }
    const levels = national.filter((o) => o.lostPercent !== null);
    if (levels.length) {
      const deepest = [...levels].sort((a, b) => b.lostPercent! - a.lostPercent! || b.hours - a.hours)[0]!;
      out.push(
        `At its deepest the ${deepest.entity === r.scope.entity ? 'country' : deepest.entity} ${lostText(deepest.lostPercent!, deepest.hours)} (${deepest.signals.filter((x) => !isRateSignal(x)).join(', ')}).`,
      );
    }
    const rates = r.signals.filter((x) => x.rate && x.peakInWindow !== null && national.some((o) => o.signals.includes(x.signal)));
    if (rates.length)
      out.push(
        `OONI: ${rates.map((x) => `${x.label.replace(/^OONI anomaly rate: /, '')}: ${rateText(x.peakInWindow! * 100, x.baseline === null ? null : x.baseline * 100)}`).join('; ')}.`,
      );
    if (v.subnationalSummary) out.push(`Beside the national picture, ${v.subnationalSummary}.`);
  }
  out.push(`How sure: ${r.statistics.text}`);
  const missing = r.coverage.filter((c) => !c.hasData);
  if (missing.length) out.push(`Missing data: ${missing.map((c) => `${c.name}${c.reason ? ` (${c.reason})` : ''}`).join('; ')}.`);
  if (r.reference.length)
    out.push(
      `Published lists: ${r.reference.map((x) => `${x.list} records a ${x.kind ?? 'disruption'} from ${x.start.slice(0, 10)}`).join('; ')}.`,
    );
  if (r.synthetic.any)
    out.push(`Caution: these results come from SYNTHETIC demo data (${r.synthetic.signals.join(', ')}), not from measurements.`);
  return out;
}
