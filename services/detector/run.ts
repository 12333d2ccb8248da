import type { Logger } from 'pino';
import type { DetectionLock, ResumeState } from '../../db/detection.js';
import type { PointStore } from '../../db/repository.js';
import type { Repositories } from '../../db/repositories.js';
import { sqliteRepositories } from '../../db/sqlite-repositories.js';
import type { SqliteStore, SourceEventRow } from '../../db/store.js';
import { formatEntity, parseEntity } from '../../db/entities.js';
import { calendarFinder, watchedFilter } from '../alerts/context.js';
import { recordOutageChanges, type AlertChange, type CalendarRef } from '../alerts/changes.js';
import { webhooksFrom } from '../alerts/config.js';
import type { Config } from '../../core/config.js';
import { nowSeconds } from '../../core/time.js';
import { detectorConfigFrom, ruleFor, rulesHash } from './config.js';
import { detectEntityFrom, judgingOf, type EntityResume, type EntitySignal, type SignalHistory, type SignalMeta } from './detect.js';
import { defaultJudgeThreads, judgePool, type JudgePool, type ThreadJob } from './pool.js';
import type { Episode } from './drops.js';
import { checkpointOf, type SignalState } from './resume.js';
import { decodeEpisode, decodeState, encodeEpisode, encodeState, type EncodedEpisode, type StoredSignalState } from './state-codec.js';
import type { Outage } from '../../core/outage.js';
import { toGrid, type Series } from './series.js';

export type ComparisonStatus = 'agree' | 'only-source' | 'only-detected';

/** A detected outage set beside the outages the sources declared themselves (IODA, Radar, OONI). */
export interface Comparison {
  entity: string;
  status: ComparisonStatus;
  outage: { start: number; end: number; kind: string } | null;
  sourceEvent: { id: number; source: string; start: number; end: number | null; title: string | null; url: string | null } | null;
}

export interface DetectOptions {
  entity?: string;
  from?: number;
  until?: number;
  config?: Config;
  log?: Logger;
  /** Clock for alerts (tests). */
  now?: number;
  /** Names the calendar event an outage falls in (alerts). */
  findEvent?: (entity: string, start: number, end: number) => CalendarRef | null;
  /**
   * Worker threads judging the level signals read in full while the next one is read (0: all on the main thread);
   * by default the configuration's `detector.threads`, else `defaultJudgeThreads()`. The outages are the same either
   * way.
   */
  threads?: number;
  /** A level signal goes to a thread from this many points on (`THREAD_MIN_POINTS`; tests use fewer). */
  threadMinPoints?: number;
}

/**
 * A level signal is judged in a worker thread from this many points on (about a year of 5-minute points, judged in
 * ~15 ms): fewer cost less than handing them over.
 */
export const THREAD_MIN_POINTS = 100_000;

export interface DetectResult {
  entities: number;
  outages: Outage[];
  /** Outage starts and ends seen for the first time (announced ones were logged and queued for webhooks). */
  changes: AlertChange[];
  comparison: Comparison[];
  /** Entities asked for a window but re-detected from the start: their rules changed since their outages were detected. */
  rerun: string[];
  /** Entities detected from their stored state on (only the points since its checkpoint read): the others from the start. */
  resumed: string[];
  /** Per entity and signal: the baseline chosen, and where data had too little history to be judged. */
  history: Array<SignalHistory & { entity: string }>;
}

function compare(entity: string, outages: readonly Outage[], events: readonly SourceEventRow[]): Comparison[] {
  const out: Comparison[] = [];
  const matched = new Set<number>();
  for (const ev of events) {
    const evEnd = ev.end ?? ev.start + 3600;
    const hits = outages.map((o, i) => [o, i] as const).filter(([o]) => o.start < evEnd && ev.start < o.end);
    const sourceEvent = { id: ev.id, source: ev.source, start: ev.start, end: ev.end, title: ev.title, url: ev.url };
    if (hits.length === 0) out.push({ entity, status: 'only-source', outage: null, sourceEvent });
    for (const [o, i] of hits) {
      matched.add(i);
      out.push({ entity, status: 'agree', outage: { start: o.start, end: o.end, kind: o.kind }, sourceEvent });
      if (ev.url && !o.evidence.some((e) => e.url === ev.url))
        o.evidence.push({ label: `${ev.source} event${ev.title ? `: ${ev.title}` : ''}`, url: ev.url });
    }
  }
  outages.forEach((o, i) => {
    if (!matched.has(i))
      out.push({ entity, status: 'only-detected', outage: { start: o.start, end: o.end, kind: o.kind }, sourceEvent: null });
  });
  return out;
}

/** What an entity's detection needs to go on from its stored state, or why it cannot (then: from the start). */
function resumable(
  stored: ResumeState,
  levelSignals: ReadonlyArray<{ name: string; step: number | null }>,
  from: number,
): (EntityResume & { derived: Map<string, number> }) | null {
  if (stored.derived === null) return null;
  const states = new Map<string, SignalState>();
  for (const row of stored.states) {
    const st = decodeState(row);
    if (st) states.set(row.signal, st);
  }
  for (const s of levelSignals) {
    const st = states.get(s.name);
    // no state (never detected, or a baseline choice not settled yet), another step, or new data before the checkpoint
    if (!st || (s.step !== null && s.step !== st.step) || from < checkpointOf(st)) return null;
  }
  const derived = new Map<string, number>();
  for (const [bound, key] of JSON.parse(stored.derived) as Array<[number, string]>) derived.set(key, bound);
  // read once the run knows where its changes start (`committedFrom`)
  return { states, committed: () => new Map(), derived };
}

/** The final episodes of an entity ending at or after `fromEnd`, by signal. */
function committedFrom(stored: ResumeState, fromEnd: number): Map<string, Episode[]> {
  const out = new Map<string, Episode[]>();
  for (const e of stored.episodesFrom(fromEnd)) {
    const list = out.get(e.signal);
    if (list) list.push(decodeEpisode(e));
    else out.set(e.signal, [decodeEpisode(e)]);
  }
  return out;
}

/**
 * What a detection derived in full (OONI and degradation episodes, the source events compared), each keyed by its
 * content with the earliest time it bears on the outages (a degradation also hides drops that start up to a day before it).
 */
function derivedOf(episodes: readonly Episode[], events: readonly SourceEventRow[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of episodes) out.set(`e${JSON.stringify(e)}`, e.class === 'degradation' ? e.start - 86400 : e.start);
  for (const v of events) out.set(`v${JSON.stringify([v.id, v.source, v.start, v.end, v.title, v.url])}`, v.start);
  return out;
}

/**
 * The earliest time from which a resumed detection's outages can differ from the stored ones: each level signal's
 * checkpoint (or the start of the episode it had open there), and the bound of every derived item that appeared or
 * went away. Before it every episode is the same as at the last detection.
 */
function changedFrom(resume: EntityResume & { derived: Map<string, number> }, derived: Map<string, number>): number {
  let h = Infinity;
  for (const st of resume.states.values()) {
    h = Math.min(h, checkpointOf(st));
    if (st.builder.open) h = Math.min(h, st.builder.start);
  }
  for (const [k, b] of derived) if (!resume.derived.has(k)) h = Math.min(h, b);
  for (const [k, b] of resume.derived) if (!derived.has(k)) h = Math.min(h, b);
  return h;
}

/** The points of a level signal from its checkpoint on, on its grid (as `toGrid` puts them for the whole series). */
async function readFrom(points: PointStore, id: number, st: SignalState): Promise<Series> {
  const { anchor, step, next } = st;
  const start = anchor + next * step;
  // a point a little before the checkpoint may round onto it
  const { ts, values, length } = await points.readColumns(id, start - step / 2, 1e12);
  let hi = -Infinity;
  for (let i = 0; i < length; i++) if (ts[i]! > hi) hi = ts[i]!;
  const len = length === 0 ? 0 : Math.max(0, Math.floor((hi - anchor) / step) + 1 - next);
  const out = new Float64Array(len).fill(NaN);
  for (let i = 0; i < length; i++) {
    const k = Math.round((ts[i]! - anchor) / step) - next;
    if (k >= 0 && k < len) out[k] = values[i]!;
  }
  return { start, step, values: out };
}

/**
 * Detection over the store: for each entity (or the one asked), runs the pure detector over its signals, compares
 * with the source events, and stores the outages (idempotent). Every detection gives the outages of a detection over
 * all of the entity's data:
 * - without `from`/`until` (or when the rules, the detector, or the entity's signals changed since its stored state,
 *   or a window starts before the state's checkpoint): from the first point, replacing everything stored;
 * - a window after a collection: from each level signal's stored state (its checkpoint, up to two days before its
 *   last point) on, reading only the points since; only the outages that differ are rewritten.
 * New outage starts and ends of watched entities are recorded once and queued for the configured webhooks.
 */
export async function detectAndStore(db: Repositories | SqliteStore, opts: DetectOptions = {}): Promise<DetectResult> {
  const repos = 'backend' in db ? db : sqliteRepositories(db);
  // two runs detecting one entity at once (two daemons on one PostgreSQL database) take turns per entity
  const lock = await repos.detection.lock();
  try {
    return await detectHeld(repos, lock, opts);
  } finally {
    await lock.close();
  }
}

async function detectHeld(repos: Repositories, lock: DetectionLock, opts: DetectOptions): Promise<DetectResult> {
  const points = repos.points;
  const detection = repos.detection;
  const cfg = detectorConfigFrom(opts.config);
  const window = opts.from !== undefined || opts.until !== undefined;
  const threads = opts.threads ?? cfg.threads ?? defaultJudgeThreads();
  const pool = threads > 0 ? judgePool(threads) : null;
  // a detection from the start reads whole histories: its threads start while it reads what it needs first
  if (pool && !window) pool.start();
  const minPoints = opts.threadMinPoints ?? THREAD_MIN_POINTS;
  const webhooks = webhooksFrom(opts.config);
  const watched = await watchedFilter(repos, opts.config, cfg);
  const findEvent = opts.findEvent ?? (await calendarFinder(repos));
  const now = opts.now ?? nowSeconds();
  const log = opts.log;
  const entities = opts.entity ? [formatEntity(parseEntity(opts.entity))] : [...new Set((await points.listSignals()).map((s) => s.entity))];
  const result: DetectResult = { entities: 0, outages: [], changes: [], comparison: [], rerun: [], resumed: [], history: [] };
  const rangeOf = (o: { start: number; end: number }) =>
    !window || (o.end > (opts.from ?? -Infinity) && o.start < (opts.until ?? Infinity));
  for (const entity of entities) {
    // held from the read of the entity's state and points to the write of its results: a run that comes second reads
    // what the first wrote, never writes over it what it computed from an older read
    await lock.hold(entity);
    const signals = (await points.listSignals(entity)).filter((s) => s.name.startsWith('ooni.') || ruleFor(s.name, cfg) !== null);
    if (signals.length === 0) continue;
    result.entities++;
    // the rules (and detector version) the stored outages and state were made with: while they hold, a window goes
    // on from the stored state; otherwise everything is detected again
    const hash = rulesHash(
      signals.map((s) => s.name),
      cfg,
    );
    const state = await detection.detectionState(entity);
    const level = signals.filter((s) => !s.name.startsWith('ooni.'));
    let resume: (EntityResume & { derived: Map<string, number> }) | null = null;
    const stored = window && state && state.rulesHash === hash ? await detection.resumeState(entity) : null;
    if (stored) resume = resumable(stored, level, opts.from ?? -Infinity);
    else if (window && state) {
      result.rerun.push(entity);
      log?.info({ entity }, 'detector rules changed since the last detection: detecting again from the start');
    }
    // in the signals' order (the order episodes are merged in), read finest step first: the signals with the most
    // points go to the threads first, the small ones fill in after
    const read: Array<EntitySignal | Promise<EntitySignal | undefined>> = new Array(signals.length);
    const order = signals.map((s, i) => [s.step ?? Infinity, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let dataFrom = Infinity;
    let dataUntil = -Infinity;
    /**
     * A signal judged in a thread, its time span (read there, or `span` here) added to the data's; undefined when the
     * thread read no point. Failures surface at the Promise.all below, not as unhandled while later signals are read.
     */
    const inThread = (p: JudgePool, meta: SignalMeta, job: ThreadJob, span?: { first: number; last: number }) => {
      const judged = p.judge(job).then((j): EntitySignal | undefined => {
        const sp = j.read ? (j.read.length > 0 ? j.read : null) : span!;
        if (!sp) return undefined;
        dataFrom = Math.min(dataFrom, sp.first);
        dataUntil = Math.max(dataUntil, sp.last + j.step);
        return { ...meta, judged: j };
      });
      judged.catch(() => {});
      return judged;
    };
    for (const [, i] of order) {
      const s = signals[i]!;
      const meta = { name: s.name, axis: s.provenance.axis, target: s.provenance.target ?? s.target, synthetic: s.synthetic };
      const st = resume?.states.get(s.name);
      if (st) {
        const series = await readFrom(points, s.id, st);
        read[i] = { ...meta, series };
        dataFrom = Math.min(dataFrom, st.anchor);
        dataUntil = Math.max(dataUntil, series.start + series.values.length * series.step);
        continue;
      }
      const how = pool ? judgingOf(meta, cfg) : null;
      // a large signal a thread can read itself (SQLite): read and judged there, beside the others
      const source = pool && how ? await points.columnsSource(s.id) : null;
      if (pool && how && source && source.points >= minPoints) {
        read[i] = inThread(pool, meta, { ...how, prev: null, encode: true, read: { source, step: s.step ?? undefined } });
        continue;
      }
      // columns, not objects: typed arrays filled from inside SQLite's scan (NaN = no data)
      const { ts, values: vs, length } = await points.readColumns(s.id, -1e12, 1e12);
      if (length === 0) continue;
      dataFrom = Math.min(dataFrom, ts[0]!);
      const last = ts[length - 1]!;
      if (pool && how && length >= minPoints) {
        // judged in a thread while the next signal is read (its arrays handed over)
        const span = { first: ts[0]!, last };
        read[i] = inThread(pool, meta, { ...how, prev: null, encode: true, points: { ts, values: vs, step: s.step ?? undefined } }, span);
        continue;
      }
      const series = toGrid(ts, vs, s.step ?? undefined);
      read[i] = { ...meta, series };
      dataUntil = Math.max(dataUntil, last + series.step);
    }
    // (a signal read empty leaves a hole: not detected)
    const named = (await Promise.all(read)).filter((x): x is EntitySignal => x !== undefined);
    if (named.length === 0) continue;
    if (resume) result.resumed.push(entity);
    const events = await points.listSourceEvents({ entity, from: dataFrom, until: dataUntil });
    let derived = new Map<string, number>();
    let episodesFrom = -Infinity;
    if (resume && stored) {
      const r = resume;
      const st = stored;
      // episodes ending before the earliest change, and before the first stored outage ending after it, belong only
      // to outages that stay as stored: they are not read
      r.committed = (eps) => {
        const h = changedFrom(r, derivedOf(eps, events));
        if (h === Infinity) return new Map();
        const cut = Math.min(h, st.firstOutageEndingFrom(h) ?? Infinity);
        episodesFrom = Math.min(cut, st.firstOutageEndingFrom(cut) ?? Infinity);
        return committedFrom(st, episodesFrom);
      };
    }
    // a resumed detection rewrites only the outages from the first that can differ: groups of episodes ending before
    // the earliest change are the same as stored (and so is the stored outage that starts first among those ending
    // after it)
    const run = detectEntityFrom(entity, named, cfg, resume, (spans, eps) => {
      derived = derivedOf(eps, events);
      if (!resume || !stored) return -Infinity;
      const h = changedFrom(resume, derived);
      if (h === Infinity) return Infinity;
      let cut = Math.min(h, stored.firstOutageEndingFrom(h) ?? Infinity);
      for (const sp of spans) if (sp.end >= h && sp.start < cut) cut = sp.start;
      // cannot happen (such a group holds an episode that was in a stored outage starting earlier): say so if it does
      if (cut < episodesFrom) throw new Error(`incremental detection of ${entity}: an outage to rewrite starts before the episodes read`);
      return cut;
    });
    for (const h of run.history) result.history.push({ entity, ...h, insufficient: h.insufficient.filter((r) => rangeOf(r)) });
    for (const item of compare(entity, run.outages, events))
      if (
        !item.outage ||
        rangeOf(item.outage) ||
        (item.sourceEvent && rangeOf({ start: item.sourceEvent.start, end: item.sourceEvent.end ?? item.sourceEvent.start + 3600 }))
      )
        result.comparison.push(item);
    const states: Array<{ signal: string; row: StoredSignalState | null }> = [];
    const final: EncodedEpisode[] = [];
    for (const [signal, r] of run.states) {
      states.push({ signal, row: r.state ? encodeState(r.state) : null });
      for (const e of r.committedRows ?? r.committed.map(encodeEpisode)) final.push(e);
    }
    // the outages, the detector's state and the alert changes: one transaction (thousands of rows on a first run).
    // Only the outages that differ are rewritten (unchanged rows keep their id and detection time); a detection from
    // the start records the alert changes of all of them (an entity may have become watched), a resumed one those of
    // the outages that changed
    const { stored: written, changes } = await detection.commit({
      entity,
      outages: run.outages,
      now,
      since: run.since,
      states,
      episodes: final,
      replace: resume === null,
      derived: JSON.stringify([...derived].map(([k, b]) => [b, k])),
      detected: resume ? { kind: 'window', until: dataUntil } : { kind: 'full', rulesHash: hash, from: dataFrom, until: dataUntil },
      window: resume && window ? { from: opts.from, until: opts.until } : undefined,
      changesOf: resume ? 'inserted' : 'stored',
      alerts: (ledger, changed) =>
        recordOutageChanges(ledger, changed, { now, maxAge: cfg.alerts.maxAge, webhooks, watched, findEvent, log }),
    });
    log?.debug({ entity, signals: named.length, outages: written.length, resumed: resume !== null }, 'detection done');
    for (const item of written) if (rangeOf(item)) result.outages.push(item);
    for (const item of changes) result.changes.push(item);
  }
  return result;
}
