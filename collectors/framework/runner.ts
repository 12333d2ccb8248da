import type { CoverageInput, PointTuple, RawResponseInput, SignalSpec, SourceEventInput } from '../../db/store.js';
import { isoUtc } from '../../core/time.js';
import type { CollectArgs, CollectResult, WindowFailure } from '../types.js';
import { emptyCollectResult } from '../types.js';
import type { PointStore } from '../../db/repository.js';
import type { WindowKey, WindowLeases } from '../../db/leases.js';
import { errorMessage, FetchError, isAbort, isUnreachable } from './errors.js';
import { withRequestBudget } from './budget.js';
import { pointStoreOf } from './store.js';
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
export async function planUncovered(
  args: Pick<RunnerArgs, 'collector' | 'entity' | 'from' | 'until' | 'store' | 'groups'>,
): Promise<PlannedWindow[]> {
  const store = pointStoreOf(args.store);
  const out: PlannedWindow[] = [];
  for (const group of args.groups) {
    const align = group.align ?? 1;
    const from = Math.floor(args.from / align) * align;
    const until = Math.ceil(args.until / align) * align;
    const parts: Array<[number, number]> = [];
    for (const s of group.signals) for (const gap of await store.uncovered(args.collector, args.entity, s, from, until)) parts.push(gap);
    const gaps = mergeIntervals(parts);
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
 *
 * On a store with window leases (PostgreSQL, db/leases.ts) each window is claimed first: a window another
 * collector holds, or finished during this run, is skipped (counted in `windowsLeased`, not a failure), and the
 * claim is renewed while the window is fetched. Several processes collecting the same range thus split it. On a
 * store with a request budget (PostgreSQL) every request of the collection also claims its start from the budget
 * all processes on the database share (collectors/framework/budget.ts): together they keep the source's pace.
 */
export async function runCollection(args: RunnerArgs): Promise<CollectResult> {
  // on PostgreSQL every request of the collection claims its start from the budget all processes share
  const budget = pointStoreOf(args.store).requestBudget?.();
  return withRequestBudget(budget, () => collectWindows(args));
}

async function collectWindows(args: RunnerArgs): Promise<CollectResult> {
  const store = pointStoreOf(args.store);
  const now = args.now ?? (() => Math.floor(Date.now() / 1000));
  const log = args.log.child({ collector: args.collector, entity: args.entity });
  const until = Math.min(args.until, now());
  const result: CollectResult = emptyCollectResult();
  const record = args.recordRun !== false;
  const leases: WindowLeases | null = store.windowLeases?.(args.leaseSeconds) ?? null;
  if (leases) result.windowsLeased = 0;
  const runId = record
    ? await store.startRun(args.job ?? `collect:${args.collector}`, args.collector, {
        entity: args.entity,
        from: isoUtc(args.from),
        until: isoUtc(args.until),
      })
    : null;
  let interrupted = false;
  let storeFailed = false;
  try {
    // the round begins before planning: a window another collector finishes after this is skipped as done
    await leases?.begin();
    const settleBefore = now() - (args.settleSeconds ?? 0);
    // a window reaching past the settled edge is split there, so that the settled part is checkpointed
    const planned = (until > args.from ? await planUncovered({ ...args, store, until }) : []).flatMap((w) => {
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
      const key: WindowKey = { collector: args.collector, entity: args.entity, group: w.group.key, from: w.from, until: w.until };
      let renewal: ReturnType<typeof setInterval> | undefined;
      let written = false;
      try {
        if (leases) {
          const claim = await leases.claim(key);
          if (claim !== 'claimed') {
            result.windowsLeased = (result.windowsLeased ?? 0) + 1;
            log.debug({ group: w.group.key, from: isoUtc(w.from), until: isoUtc(w.until), claim }, 'window left to another collector');
            continue;
          }
          renewal = setInterval(
            () => {
              leases.renew(key).then(
                (kept) => {
                  if (!kept) log.warn({ group: w.group.key, from: isoUtc(w.from) }, 'lease on the window lost while fetching it');
                },
                (err: unknown) => log.warn({ err, group: w.group.key, from: isoUtc(w.from) }, 'could not renew the lease on the window'),
              );
            },
            Math.max(200, (leases.ttlSeconds * 1000) / 3),
          );
          renewal.unref();
        }
        const data = await args.fetchWindow({ entity: args.entity, group: w.group, from: w.from, until: w.until, abort: args.abort });
        const coverage = w.until > settleBefore ? [] : data.coverage;
        const wr = await store.writeWindow({
          collector: args.collector,
          entity: args.entity,
          from: w.from,
          until: w.until,
          series: data.series,
          sourceEvents: data.sourceEvents,
          raw: data.raw,
          coverage,
        });
        written = true;
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
          // the store, not the source, failed (full disk, read-only or damaged file, server gone): later windows
          // would fail the same way, so stop here; the run is recorded as failed with the database named
          const error = `database ${store.location}: ${errorMessage(err)}`;
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
        // the window is settled for this round (the others do not retry it now); a later run tries again
        written = true;
        if (isUnreachable(err)) {
          // every later window would fail the same way: one warning for the run, not one per window
          log.warn({ url: failure.url, err: failure.error }, 'source unreachable; collection stopped, the next run tries again');
          break;
        }
        log.warn(
          { group: w.group.key, from: isoUtc(w.from), until: isoUtc(w.until), url: failure.url, err: failure.error },
          'window failed; it will be retried on a later run',
        );
      } finally {
        if (renewal !== undefined) {
          clearInterval(renewal);
          // finished (written, or failed at the source) or given back (interrupted, database trouble)
          await (written ? leases!.finish(key) : leases!.release(key)).catch((err: unknown) =>
            log.warn({ err, group: w.group.key, from: isoUtc(w.from) }, 'could not end the lease on the window; it expires by itself'),
          );
        }
      }
      args.onProgress?.({
        windowsDone: result.windowsOk + result.windowsFailed,
        windowsTotal: total,
        points: result.points,
        errors: result.windowsFailed,
      });
    }
    if (result.windowsLeased) log.info({ windows: result.windowsLeased }, 'windows held or finished by another collector were left to it');
    result.coveredUntil = await coveredUntil(store, args, until);
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
      try {
        await store.finishRun(runId, {
          status,
          rows: result.points + result.events,
          windowsOk: result.windowsOk,
          windowsFailed: failed,
          error,
          details: {
            entity: args.entity,
            from: isoUtc(args.from),
            until: isoUtc(args.until),
            ...(result.windowsLeased !== undefined ? { windowsLeased: result.windowsLeased } : {}),
            failures: result.failures.slice(0, 20).map((f) => ({ ...f, from: isoUtc(f.from), until: isoUtc(f.until) })),
          },
        });
      } catch (err) {
        // e.g. the disk is full even for the run record: say so, the caller still prints its summary
        log.error({ err, run: runId }, `could not record the end of run ${runId} in ${store.location}`);
        result.failures.push({
          entity: args.entity,
          from: args.from,
          until: args.until,
          error: `database ${store.location}: could not record the run: ${errorMessage(err)}`,
        });
      }
    }
  }
}

/**
 * Errors about the database itself, not about one window's data: SQLite's file errors; PostgreSQL's connection
 * exceptions (SQLSTATE class 08), insufficient resources (53: disk full, out of memory), operator intervention
 * (57: shutdown), system errors (58), and a refused or dropped connection.
 */
function isDatabaseTrouble(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return (
    /^SQLITE_(FULL|IOERR|READONLY|CORRUPT|NOTADB|CANTOPEN)/.test(code) || /^(08|53|57|58)[0-9A-Z]{3}$/.test(code) || code === 'ECONNREFUSED'
  );
}

/** Latest t such that [from, t) is covered for every signal of every group (null when nothing is). */
async function coveredUntil(store: PointStore, args: RunnerArgs, until: number): Promise<number | null> {
  let t = until;
  for (const g of args.groups) {
    for (const s of g.signals) {
      const gaps = await store.uncovered(args.collector, args.entity, s, args.from, until);
      if (gaps.length) t = Math.min(t, gaps[0]![0]);
    }
  }
  return t > args.from ? t : null;
}
