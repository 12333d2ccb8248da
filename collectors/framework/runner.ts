import type { CoverageInput, PointTuple, RawResponseInput, SignalSpec, SourceEventInput } from '../../db/store.js';
import { isoUtc } from '../../core/time.js';
import type { CollectArgs, CollectResult, WindowFailure } from '../types.js';
import { emptyCollectResult } from '../types.js';
import { errorMessage, FetchError, isAbort, isUnreachable } from './errors.js';
import { mergeIntervals, planWindows } from './windows.js';

/** A set of signals fetched together (one request per window), e.g. IODA `bgp`, or `gtr` with its products. */
export interface SignalGroup {
  /** Short name for logs and failures: `bgp`, `gtr`, `events`. */
  key: string;
  /** Checkpoint signal names the group covers (`ioda.bgp`, or `*` for a source-event stream). A window is fetched when any of them is uncovered there. */
  signals: string[];
  /** Longest window the source accepts, seconds. */
  maxWindow: number;
  /** Window edges fall on multiples of this (the native step, a day...). Default 1. */
  align?: number;
}

export interface WindowTask {
  entity: string;
  group: SignalGroup;
  from: number;
  until: number;
  abort?: AbortSignal;
}

/** What a collector's fetch+map produced for one window; written in one transaction. */
export interface WindowData {
  series: Array<{ signal: SignalSpec; points: readonly PointTuple[] }>;
  sourceEvents?: SourceEventInput[];
  raw?: RawResponseInput[];
  /** Checkpoint statuses; default: every series 'ok'. Give 'no-data' for signals the source has no data for. */
  coverage?: CoverageInput[];
  /** The request URL(s), for logs. */
  urls?: string[];
}

export interface RunnerArgs extends CollectArgs {
  /** Collector name: checkpoints and the run record are kept under it. */
  collector: string;
  groups: SignalGroup[];
  fetchWindow(task: WindowTask): Promise<WindowData>;
  /** Windows ending later than now − settleSeconds are written but not checkpointed (the source may still fill them). Default 0. */
  settleSeconds?: number;
  /** Clock, Unix seconds (injected in tests). */
  now?: () => number;
  /** Record the run in `runs` (default true); job name default `collect:<collector>`. */
  recordRun?: boolean;
  job?: string;
}

interface PlannedWindow {
  group: SignalGroup;
  from: number;
  until: number;
}

/** How many windows [from, until) is cut into over all groups when nothing is covered yet (the most a run may fetch). */
export function countWindows(groups: readonly SignalGroup[], from: number, until: number): number {
  let n = 0;
  for (const g of groups) n += until > from ? planWindows(from, until, { maxLength: g.maxWindow, align: g.align ?? 1 }).length : 0;
  return n;
}

/** The windows still to fetch for [from, until): per group, the uncovered parts cut into windows, oldest first. */
export function planUncovered(args: Pick<RunnerArgs, 'collector' | 'entity' | 'from' | 'until' | 'store' | 'groups'>): PlannedWindow[] {
  const out: PlannedWindow[] = [];
  for (const group of args.groups) {
    const align = group.align ?? 1;
    const from = Math.floor(args.from / align) * align;
    const until = Math.ceil(args.until / align) * align;
    const gaps = mergeIntervals(group.signals.flatMap((s) => args.store.uncovered(args.collector, args.entity, s, from, until)));
    for (const [a, b] of gaps)
      for (const [wf, wu] of planWindows(a, b, { maxLength: group.maxWindow, align })) out.push({ group, from: wf, until: wu });
  }
  return out;
}

/**
 * The generic collection loop every collector uses. For each (group, window) not yet covered by a checkpoint:
 * fetch and map (the collector's `fetchWindow`), then write points, rollups, events, raw responses and
 * checkpoints in ONE transaction. A failed window is recorded and the loop goes on; an abort stops it
 * between windows (the window in flight finishes or rolls back). The run is recorded in `runs`.
 */
export async function runCollection(args: RunnerArgs): Promise<CollectResult> {
  const now = args.now ?? (() => Math.floor(Date.now() / 1000));
  const log = args.log.child({ collector: args.collector, entity: args.entity });
  const until = Math.min(args.until, now());
  const result: CollectResult = emptyCollectResult();
  const record = args.recordRun !== false;
  const runId = record
    ? args.store.startRun(args.job ?? `collect:${args.collector}`, args.collector, {
        entity: args.entity,
        from: isoUtc(args.from),
        until: isoUtc(args.until),
      })
    : null;
  let interrupted = false;
  let storeFailed = false;
  try {
    const settleBefore = now() - (args.settleSeconds ?? 0);
    // a window reaching past the settled edge is split there, so that the settled part is checkpointed
    const planned = (until > args.from ? planUncovered({ ...args, until }) : []).flatMap((w) => {
      const align = w.group.align ?? 1;
      const cut = Math.floor(settleBefore / align) * align;
      return cut > w.from && cut < w.until
        ? [
            { ...w, until: cut },
            { ...w, from: cut },
          ]
        : [w];
    });
    const total = planned.length;
    log.info({ windows: total, from: isoUtc(args.from), until: isoUtc(until) }, total ? 'collecting' : 'already covered');
    for (const w of planned) {
      if (args.abort?.aborted) {
        interrupted = true;
        break;
      }
      try {
        const data = await args.fetchWindow({ entity: args.entity, group: w.group, from: w.from, until: w.until, abort: args.abort });
        const coverage = w.until > settleBefore ? [] : data.coverage;
        const wr = args.store.writeWindow({
          collector: args.collector,
          entity: args.entity,
          from: w.from,
          until: w.until,
          series: data.series,
          sourceEvents: data.sourceEvents,
          raw: data.raw,
          coverage,
        });
        result.points += wr.points;
        result.events += wr.events;
        result.windowsOk++;
        log.debug(
          { group: w.group.key, from: isoUtc(w.from), until: isoUtc(w.until), points: wr.points, events: wr.events },
          'window written',
        );
      } catch (err) {
        if (isAbort(err) || args.abort?.aborted) {
          interrupted = true;
          break;
        }
        if (isDatabaseTrouble(err)) {
          // the store, not the source, failed (full disk, read-only or damaged file): later windows would fail the
          // same way, so stop here; the run is recorded as failed with the database named
          const error = `database ${args.store.path}: ${errorMessage(err)}`;
          result.failures.push({ entity: args.entity, signal: w.group.key, from: w.from, until: w.until, error });
          result.windowsFailed++;
          storeFailed = true;
          log.error({ err, group: w.group.key, from: isoUtc(w.from), until: isoUtc(w.until) }, 'the database failed; collection stopped');
          break;
        }
        const failure: WindowFailure = { entity: args.entity, signal: w.group.key, from: w.from, until: w.until, error: errorMessage(err) };
        if (err instanceof FetchError) failure.url = err.url;
        result.failures.push(failure);
        result.windowsFailed++;
        if (isUnreachable(err)) {
          // every later window would fail the same way: one warning for the run, not one per window
          log.warn({ url: failure.url, err: failure.error }, 'source unreachable; collection stopped, the next run tries again');
          break;
        }
        log.warn(
          { group: w.group.key, from: isoUtc(w.from), until: isoUtc(w.until), url: failure.url, err: failure.error },
          'window failed; it will be retried on a later run',
        );
      }
      args.onProgress?.({
        windowsDone: result.windowsOk + result.windowsFailed,
        windowsTotal: total,
        points: result.points,
        errors: result.windowsFailed,
      });
    }
    result.coveredUntil = coveredUntil(args, until);
    return result;
  } catch (err) {
    result.failures.push({ entity: args.entity, from: args.from, until: args.until, error: errorMessage(err) });
    result.windowsFailed++;
    throw err;
  } finally {
    if (runId !== null) {
      const failed = result.windowsFailed;
      const status = interrupted
        ? 'interrupted'
        : storeFailed
          ? 'failed'
          : failed === 0
            ? 'ok'
            : result.windowsOk > 0
              ? 'partial'
              : 'failed';
      const first = result.failures[0];
      const error = interrupted
        ? 'interrupted before all windows were collected'
        : first
          ? `${failed} window(s) failed; first: ${first.error}`
          : null;
      const finish = () =>
        args.store.finishRun(runId, {
          status,
          rows: result.points + result.events,
          windowsOk: result.windowsOk,
          windowsFailed: failed,
          error,
          details: {
            entity: args.entity,
            from: isoUtc(args.from),
            until: isoUtc(args.until),
            failures: result.failures.slice(0, 20).map((f) => ({ ...f, from: isoUtc(f.from), until: isoUtc(f.until) })),
          },
        });
      try {
        finish();
      } catch (err) {
        // e.g. the disk is full even for the run record: say so, the caller still prints its summary
        log.error({ err, run: runId }, `could not record the end of run ${runId} in ${args.store.path}`);
        result.failures.push({
          entity: args.entity,
          from: args.from,
          until: args.until,
          error: `database ${args.store.path}: could not record the run: ${errorMessage(err)}`,
        });
      }
    }
  }
}

/** SQLite errors about the database file itself (not about one window's data). */
function isDatabaseTrouble(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(FULL|IOERR|READONLY|CORRUPT|NOTADB|CANTOPEN)/.test(code);
}

/** Latest t such that [from, t) is covered for every signal of every group (null when nothing is). */
function coveredUntil(args: RunnerArgs, until: number): number | null {
  let t = until;
  for (const g of args.groups) {
    for (const s of g.signals) {
      const gaps = args.store.uncovered(args.collector, args.entity, s, args.from, until);
      if (gaps.length) t = Math.min(t, gaps[0]![0]);
    }
  }
  return t > args.from ? t : null;
}
