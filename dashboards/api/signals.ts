import { hash } from 'node:crypto';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { Request, RequestHandler, Response } from 'express';
import type { AppDeps } from '../deps.js';
import type { PointStore } from '../../db/repository.js';
import type { SignalRow, SqliteStore } from '../../db/store.js';
import type { EntitySignalJson } from './entities.js';
import {
  dataVersion,
  inferStep,
  readBucketExtremes,
  readSeries,
  readSeriesMany,
  type Resolution,
  type SeriesReadPart,
} from '../../db/signals-read.js';
import { badParameter, notFound } from '../../core/app-errors.js';
import { isoUtc } from '../../core/time.js';
import { csvCell } from '../../services/util/csv-write.js';
import { wantsCsv } from '../csv.js';
import {
  bucketPlan,
  downsample,
  downsampleFlat,
  downsampleWith,
  fromPoints,
  pointsFromExtremes,
  toPoints,
  type DownsampleResult,
  type FlatDownsampleResult,
  type FlatPoints,
} from '../downsample.js';
import { seriesOpening, signalsBody } from './signals-json.js';
import type { z } from 'zod';
import { routes } from './routes.js';
import { handle } from './schema.js';

const HOUR = 3600;
const SIX_HOURS = 6 * HOUR;
const DAY = 86400;
/** Bodies larger than this are compressed cheaply: Brotli quality 0 when accepted, else gzip level 1 (about 3× faster than level 6). */
const FAST_GZIP_BYTES = 32 * 1024;
export const DEFAULT_RANGE_SECONDS = 7 * DAY;
export const MAX_RAW_SLOTS = 1_000_000;
/** Commits by other connections (the daemon's writer) reach the response cache within this long. */
export const DATA_VERSION_MAX_AGE_MS = 200;
/** Memory the response cache may hold (bodies plus their gzip copies, estimated). */
export const CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** Entities whose signal lists are kept between requests (cleared when the data version changes). */
const SIGNAL_LISTS = 1000;

/** A signal as /api/entities describes it (step: stored, or inferred from its points), with its chart points. */
export interface SeriesJson extends Omit<EntitySignalJson, 'first' | 'last'> {
  resolution: Resolution;
  bucketSeconds: number;
  downsampled: boolean;
  /** `[time, value]`; time in Unix seconds (or ISO with `times=iso`), value null = gap. */
  points: Array<[number | string, number | null]>;
}

export interface SignalsJson {
  entity: string;
  from: string;
  until: string;
  maxPoints: number;
  /** The resolution every series used, or `mixed`. */
  resolution: Resolution | 'mixed' | 'none';
  series: SeriesJson[];
}

/**
 * Rollup rows a range must hold, per `maxPoints`, for that rollup to be chosen. A rollup row gives up to two
 * exact points (its minimum and maximum at the times they happened, migration 0105), so a third of `maxPoints`
 * rows gives at least two thirds of the points asked; the downsampler itself, when it merges steps, gives
 * between a quarter and a half of `maxPoints` buckets. E.g. a one-year chart at 1,000 points reads 365 daily
 * rows (730 exact points) per series instead of 1,460 six-hour rows.
 */
export const ROLLUP_ROWS_PER_POINT = 1 / 3;

/** Picks the coarsest rollup whose rows over the range number at least `maxPoints / 3`; raw otherwise. */
export function chooseResolution(signalStep: number, span: number, maxPoints: number): { resolution: Resolution; step: number } {
  const candidates: Array<{ resolution: Resolution; step: number }> = [];
  if (signalStep < DAY) candidates.push({ resolution: 'daily', step: DAY });
  if (signalStep < SIX_HOURS) candidates.push({ resolution: '6h', step: SIX_HOURS });
  if (signalStep < HOUR) candidates.push({ resolution: 'hourly', step: HOUR });
  for (const c of candidates) if (span / c.step >= maxPoints * ROLLUP_ROWS_PER_POINT) return c;
  return { resolution: 'raw', step: signalStep };
}

function stepOf(resolution: Resolution, signalStep: number): number {
  if (resolution === 'daily') return Math.max(DAY, signalStep);
  if (resolution === '6h') return Math.max(SIX_HOURS, signalStep);
  if (resolution === 'hourly') return Math.max(HOUR, signalStep);
  return signalStep;
}

interface Query {
  entity: string;
  from: number;
  until: number;
  names: string[] | undefined;
  maxPoints: number;
  resolution: Resolution | 'auto';
  times: 'unix' | 'iso';
  csv: boolean;
}

/** The validated query (routes.signals) with the range's defaults: until = now, from = until − 7 days. */
function readQuery(q: z.output<NonNullable<(typeof routes.signals)['query']>>, req: Request, now: number): Query {
  const until = q.until ?? (q.from !== undefined ? Math.max(now, q.from + HOUR) : now);
  const from = q.from ?? until - DEFAULT_RANGE_SECONDS;
  return {
    entity: q.entity,
    from,
    until,
    names: q.signals,
    maxPoints: q.maxPoints,
    resolution: q.resolution,
    times: q.times,
    csv: wantsCsv(req),
  };
}

/** How one signal of a request is read: its native step, the resolution chosen for the range and where the read starts. */
export interface SeriesPlan {
  sig: SignalRow;
  signalStep: number;
  resolution: Resolution;
  /** spacing of the rows read (the rollup's bucket, or the native step for raw) */
  step: number;
  /** start of the read: `from` aligned down to a rollup bucket (raw reads start at `from`) */
  from: number;
  until: number;
  /** true when the rows go through the combined read and are bucketed in JS; false: bucket extremes in SQL */
  inOneRead: boolean;
}

/**
 * Raw rows a series may bring into JS in the combined read (per `maxPoints`); a raw read that merges more steps
 * than this gets its bucket extremes from SQL (two grouped scans; rows never reach JS). Rollups always go through
 * the combined read: the resolution chosen for a range holds fewer than 6 × maxPoints rows.
 */
export const RAW_ROWS_PER_POINT_IN_JS = 6;

/** Largest point columns (values each) the route keeps between requests for the next read (`readPlannedFlat`). */
const SCRATCH_MAX_VALUES = 64 * 1024;

export function planSeries(
  deps: AppDeps,
  sig: SignalRow,
  q: Pick<Query, 'from' | 'until' | 'maxPoints' | 'resolution'>,
  stepCache: Map<number, number>,
): SeriesPlan {
  let signalStep = sig.step ?? stepCache.get(sig.id);
  if (signalStep === undefined) {
    // on PostgreSQL the handler infers the steps first (asynchronously) and fills the cache
    signalStep = (deps.store ? inferStep(deps.store, sig.id) : null) ?? 300;
    stepCache.set(sig.id, signalStep);
  }
  const span = q.until - q.from;
  let chosen: { resolution: Resolution; step: number };
  if (q.resolution === 'auto') chosen = chooseResolution(signalStep, span, q.maxPoints);
  else {
    chosen = { resolution: q.resolution, step: stepOf(q.resolution, signalStep) };
    if (q.resolution === 'raw' && span / signalStep > MAX_RAW_SLOTS)
      throw badParameter(
        'resolution',
        `raw points over this range would be more than ${MAX_RAW_SLOTS} per series: use auto, hourly or daily, or a shorter range`,
      );
  }
  const from = chosen.resolution === 'raw' ? q.from : Math.floor(q.from / chosen.step) * chosen.step;
  const inOneRead =
    chosen.resolution !== 'raw' ||
    bucketPlan(from, q.until, chosen.step, q.maxPoints).k === 1 ||
    span / chosen.step <= RAW_ROWS_PER_POINT_IN_JS * q.maxPoints;
  return { sig, signalStep, resolution: chosen.resolution, step: chosen.step, from, until: q.until, inOneRead };
}

/**
 * The downsampled points of every planned series: the rows of all series that go through JS come from ONE
 * statement (`readSeriesMany`: a UNION ALL of indexed range reads, one per resolution and start), the rest (long
 * raw ranges) from grouped SQL per series. Both give the same points (test/dashboards/api/downsample-sql.test.ts,
 * test/dashboards/api/signals-one-read.test.ts).
 */
export function readPlanned(store: SqliteStore, plans: readonly SeriesPlan[], maxPoints: number): DownsampleResult[] {
  return readPlannedFlat(store, plans, maxPoints).map(asTuples);
}

const asTuples = (r: FlatDownsampleResult): DownsampleResult => ({
  points: toPoints(r.flat),
  bucketSeconds: r.bucketSeconds,
  downsampled: r.downsampled,
});

/**
 * `readPlanned` with each series' points as columns (what the route serialises). With `scratch`, series i's
 * points go into `scratch[i]` (grown as needed and kept there): the results share those arrays, so they are good
 * only until the next call with the same scratch (the route serialises them first, synchronously).
 */
export function readPlannedFlat(
  store: SqliteStore,
  plans: readonly SeriesPlan[],
  maxPoints: number,
  scratch?: FlatPoints[],
): FlatDownsampleResult[] {
  const parts = new Map<string, SeriesReadPart & { signalIds: number[] }>();
  for (const p of plans) {
    if (!p.inOneRead) continue;
    const key = `${p.resolution}:${p.from}`;
    let part = parts.get(key);
    if (!part) {
      part = { signalIds: [], resolution: p.resolution, from: p.from, until: p.until };
      parts.set(key, part);
    }
    if (!part.signalIds.includes(p.sig.id)) part.signalIds.push(p.sig.id);
  }
  const cols = readSeriesMany(store, [...parts.values()]);
  return plans.map((p, i) => {
    if (p.inOneRead) {
      if (!scratch) return downsampleFlat(cols.get(p.sig.id)!, p.from, p.until, p.step, maxPoints);
      const r = downsampleFlat(cols.get(p.sig.id)!, p.from, p.until, p.step, maxPoints, scratch[i]);
      // columns for a long raw read are not kept (a one-year chart's are about 1,100 values each)
      if (r.flat.t.length <= SCRATCH_MAX_VALUES) scratch[i] = r.flat;
      return r;
    }
    const r = seriesPoints(store, p.sig.id, p.resolution, p.from, p.until, p.step, maxPoints);
    return { flat: fromPoints(r.points), bucketSeconds: r.bucketSeconds, downsampled: r.downsampled };
  });
}

/**
 * `readPlanned` through the backend-neutral point store (PostgreSQL): one indexed range read per series (the
 * rollup chosen for the range, or raw points), bucketed in JS by the same `downsample`, so both backends give the
 * same points for the same data (test/dashboards/api/backends.test.ts).
 */
export async function readPlannedAsync(
  points: PointStore,
  plans: readonly SeriesPlan[],
  maxPoints: number,
): Promise<FlatDownsampleResult[]> {
  return Promise.all(
    plans.map(async (p) =>
      downsampleFlat(await points.readSeries(p.sig.id, p.resolution, p.from, p.until), p.from, p.until, p.step, maxPoints),
    ),
  );
}

/** A series of the document without its points (written after these keys, by `signalsBody`). */
export function seriesHead(p: SeriesPlan, ds: FlatDownsampleResult): Omit<SeriesJson, 'points'> {
  const sig = p.sig;
  return {
    signal: sig.name,
    source: sig.source,
    metric: sig.metric,
    target: sig.target,
    unit: sig.unit,
    step: p.signalStep,
    synthetic: sig.synthetic,
    provenance: sig.provenance,
    resolution: p.resolution,
    bucketSeconds: ds.bucketSeconds,
    downsampled: ds.downsampled,
  };
}

/**
 * Sends a finished body with its precomputed ETag (Express then answers If-None-Match with 304 itself),
 * compressed once and kept when the client accepts it (chart JSON shrinks about 3×). Bodies over 32 KB go as
 * Brotli at quality 0 to clients that accept it (about 2.5× cheaper than gzip level 1 and about as small: a
 * one-year chart of four series, 59 KB, is 25 KB either way), else gzip at level 1; smaller ones as gzip level 6.
 */
function send(req: Request, res: Response, entry: CachedBody): void {
  // the type carries its charset, so this is the header Express's res.set would write
  res.setHeader('Content-Type', entry.type);
  res.vary('Accept-Encoding');
  const accepts = acceptedEncodings(req);
  if (entry.body.length > FAST_GZIP_BYTES && accepts.br) {
    entry.br ??= brotliFast(entry.body);
    res.set('Content-Encoding', 'br');
    res.set('ETag', `${entry.etag.slice(0, -1)}-br"`);
    res.send(entry.br);
    return;
  }
  if (entry.body.length > 1024 && accepts.gzip) {
    entry.gzip ??= gzipSync(entry.body, { level: entry.body.length > FAST_GZIP_BYTES ? 1 : 6 });
    res.set('Content-Encoding', 'gzip');
    res.set('ETag', `${entry.etag.slice(0, -1)}-gz"`);
    res.send(entry.gzip);
    return;
  }
  res.set('ETag', entry.etag);
  res.send(entry.body);
}

interface Accepted {
  /** `req.acceptsEncodings('br')` */
  br: boolean;
  /** `req.acceptsEncodings('gzip', 'identity') === 'gzip'` */
  gzip: boolean;
}
/** What each `Accept-Encoding` header seen accepts (clients send a handful of distinct values). */
const acceptedBy = new Map<string | undefined, Accepted>();
const ACCEPTED_MAX = 256;

/** The encodings a request accepts, as Express's negotiation answers them, worked out once per distinct header. */
function acceptedEncodings(req: Request): Accepted {
  const header = req.headers['accept-encoding'];
  let a = acceptedBy.get(header);
  if (!a) {
    a = { br: Boolean(req.acceptsEncodings('br')), gzip: req.acceptsEncodings('gzip', 'identity') === 'gzip' };
    if (acceptedBy.size >= ACCEPTED_MAX) acceptedBy.clear();
    acceptedBy.set(header, a);
  }
  return a;
}

/** Brotli at quality 0: the cheapest of Brotli and gzip at any level for chart bodies (bench/README.md). */
export function brotliFast(body: Buffer): Buffer {
  return brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 0, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } });
}

export interface CachedBody {
  type: string;
  body: Buffer;
  etag: string;
  /** The body gzipped, made on the first request that accepts gzip. */
  gzip?: Buffer;
  /** The body as Brotli (quality 0), made on the first request that accepts it (bodies over 32 KB). */
  br?: Buffer;
}

export function cachedBody(type: string, text: string): CachedBody {
  return cachedBytes(type, Buffer.from(text, 'utf8'));
}

/** A body with its ETag (a SHA-1 of the bytes). */
export function cachedBytes(type: string, body: Buffer): CachedBody {
  return { type, body, etag: `W/"${body.length.toString(16)}-${hash('sha1', body, 'base64url').slice(0, 27)}"` };
}

/** Estimated memory of an entry: the body and its compressed copy (made later; usually under half the body). */
const weight = (v: CachedBody) => Math.ceil(v.body.length * 1.5);

/**
 * The downsampled points of one signal. Raw points whose buckets merge several steps: the extremes are found
 * in SQL (two grouped scans; rows never reach JS). Otherwise, and always for rollups (the resolution chosen
 * for a range holds fewer than 6 × maxPoints rows: one indexed range read is cheaper than two grouped scans),
 * the rows are read in one query and bucketed in JS. Both give the same points
 * (test/dashboards/api/downsample-sql.test.ts).
 */
export function seriesPoints(
  store: SqliteStore,
  signalId: number,
  resolution: Resolution,
  from: number,
  until: number,
  step: number,
  maxPoints: number,
): DownsampleResult {
  if (resolution === 'raw' && bucketPlan(from, until, step, maxPoints).k > 1) {
    return downsampleWith(
      (base, width) => pointsFromExtremes(readBucketExtremes(store, signalId, resolution, base, width, from, until), base, width),
      from,
      until,
      step,
      maxPoints,
    );
  }
  return downsample(readSeries(store, signalId, resolution, from, until), from, until, step, maxPoints);
}

/**
 * The JSON text each series of a body starts with (`seriesOpening`: the signal's metadata, its resolution and
 * buckets), kept per signal row and per the fields a request sets (the rows are re-read when the data version
 * changes, which drops their texts).
 */
class SeriesOpenings {
  private readonly bySignal = new WeakMap<SignalRow, Map<string, string>>();
  get(sig: SignalRow, head: Omit<SeriesJson, 'points'>): string {
    let m = this.bySignal.get(sig);
    if (!m) {
      m = new Map();
      this.bySignal.set(sig, m);
    }
    const key = `${head.step} ${head.resolution} ${head.bucketSeconds} ${head.downsampled}`;
    let text = m.get(key);
    if (text === undefined) {
      text = seriesOpening(head as unknown as Record<string, unknown>);
      if (m.size >= 64) m.clear();
      m.set(key, text);
    }
    return text;
  }
}

/** A small LRU of finished response bodies, bounded by entry count and by bytes. */
export class BodyCache {
  private readonly map = new Map<string, CachedBody>();
  private bytes = 0;
  constructor(
    private readonly size: number,
    private readonly maxBytes = CACHE_MAX_BYTES,
  ) {}
  get(key: string) {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: CachedBody) {
    // an answer bigger than a quarter of the budget is not kept
    if (this.size <= 0 || weight(v) > this.maxBytes / 4) return;
    const old = this.map.get(key);
    if (old) {
      this.bytes -= weight(old);
      this.map.delete(key);
    }
    this.map.set(key, v);
    this.bytes += weight(v);
    while (this.map.size > this.size || this.bytes > this.maxBytes) {
      const [k, first] = this.map.entries().next().value!;
      this.map.delete(k);
      this.bytes -= weight(first);
    }
  }
}

/**
 * `GET /api/signals`: the handler (validation with zod, the response cache, the read, the body). dashboards/app.ts
 * mounts it as its own route, behind the same middleware every API request goes through, called in a row.
 */
export function signalsHandler(deps: AppDeps, opts: { cacheEntries: number }): RequestHandler {
  const cache = new BodyCache(opts.cacheEntries);
  const stepCache = new Map<number, number>();
  const signalLists = new Map<string, SignalRow[]>();
  let signalsVersion = '';
  // the point columns of the last SQLite read, reused by the next (each body is written before the next request runs)
  const scratch: FlatPoints[] = [];
  const openings = new SeriesOpenings();

  return handle(routes.signals, async ({ query }, req, res) => {
    const now = deps.now ? deps.now() : Math.floor(Date.now() / 1000);
    const q = readQuery(query, req, now);
    // SQLite: the synchronous reads as they are (their speed is benchmarked); PostgreSQL: the point store
    const store = deps.store;
    const version = store ? dataVersion(store, DATA_VERSION_MAX_AGE_MS) : await deps.listings.dataVersion(DATA_VERSION_MAX_AGE_MS);
    const key = JSON.stringify([version, q]);
    if (q.csv) res.set('Content-Disposition', 'attachment; filename="signals.csv"');
    const hit = cache.get(key);
    if (hit) {
      send(req, res, hit);
      return;
    }
    // the entity's signals, read once per data version (listing them prepares a statement: ~4 % of a miss)
    if (signalsVersion !== version) {
      signalLists.clear();
      signalsVersion = version;
    }
    let listed = signalLists.get(q.entity);
    if (!listed) {
      listed = store ? store.listSignals(q.entity) : await deps.points.listSignals(q.entity);
      if (signalLists.size >= SIGNAL_LISTS) signalLists.clear();
      signalLists.set(q.entity, listed);
    }
    const all = listed;
    if (all.length === 0 && !(store ? store.listEntities() : await deps.points.listEntities()).some((e) => e.entity === q.entity))
      throw notFound(`entity ${q.entity}`);
    let chosen = all;
    if (q.names) {
      const unknown = q.names.filter((n) => !all.some((s) => s.name === n));
      if (unknown.length > 0)
        throw badParameter(
          'signals',
          `no signal ${unknown.join(', ')} for ${q.entity} (known: ${all.map((s) => s.name).join(', ') || 'none'})`,
        );
      chosen = q.names.map((n) => all.find((s) => s.name === n)!);
    }
    if (!store)
      for (const s of chosen)
        if (s.step === null && !stepCache.has(s.id)) stepCache.set(s.id, (await deps.listings.inferStep(s.id)) ?? 300);
    const plans = chosen.map((s) => planSeries(deps, s, q, stepCache));
    // SQLite: read, bucketed and serialised below without an await in between, so the scratch columns can be reused
    const read = store ? readPlannedFlat(store, plans, q.maxPoints, scratch) : await readPlannedAsync(deps.points, plans, q.maxPoints);
    const series = plans.map((p, i) => {
      const head = seriesHead(p, read[i]!);
      return { head, flat: read[i]!.flat, opening: openings.get(p.sig, head) };
    });
    const resolutions = new Set(plans.map((p) => p.resolution));
    const doc: Omit<SignalsJson, 'series'> & { series: null } = {
      entity: q.entity,
      from: isoUtc(q.from),
      until: isoUtc(q.until),
      maxPoints: q.maxPoints,
      resolution: resolutions.size === 0 ? 'none' : resolutions.size === 1 ? [...resolutions][0]! : 'mixed',
      series: null,
    };
    let entry: CachedBody;
    if (q.csv) {
      // built line by line from the point columns (no object per point)
      const lines = [['signal', 'time', 'value', 'resolution', 'synthetic'].join(',')];
      for (const { head, flat } of series) {
        const tail = `${csvCell(head.resolution)},${csvCell(head.synthetic)}`;
        const name = csvCell(head.signal);
        for (let i = 0; i < flat.n; i++) {
          const v = flat.v[i]!;
          lines.push(`${name},${isoUtc(flat.t[i]!)},${csvCell(v === v ? v : null)},${tail}`);
        }
      }
      entry = cachedBody('text/csv; charset=utf-8', `${lines.join('\r\n')}\r\n`);
    } else {
      // the bytes JSON.stringify(SignalsJson) gives, written from the columns (dashboards/api/signals-json.ts)
      entry = cachedBytes('application/json; charset=utf-8', signalsBody(doc, series, q.times === 'iso'));
    }
    cache.set(key, entry);
    send(req, res, entry);
  });
}
