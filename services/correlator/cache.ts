/**
 * Correlation results cached by data version (issue 17): pages and the API must not recompute B = 9,999
 * surrogates per request. A result is kept per point store (`CorrelatorSource.points`: one per connection or
 * pool, on SQLite or PostgreSQL), keyed by what was asked (country or event, options) and valid while the
 * database's data version (points, outages, calendar, reference lists, source events, checkpoints — SQLite
 * migration 0060, PostgreSQL migrations 0001 and 0030; moved by any process's writes) is unchanged. Bounded
 * (least recently used out). The caches are in memory: nothing is stored in the database.
 */
import { createHash } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import type { PointStore } from '../../db/repository.js';
import { moduleWorker } from '../util/module-worker.js';
import { AppError, type ErrorCode } from '../../core/app-errors.js';
import {
  computeCountry,
  computeEvent,
  prepareCountry,
  prepareEvent,
  type CorrelateOptions,
  type CorrelatorSource,
  type CountryCorrelationJson,
  type CountryJob,
  type EventCorrelationJson,
  type EventJob,
} from './assemble.js';

/** What the caches are kept per, and versioned by: a database's point store (one per connection or pool). */
export type VersionedStore = Pick<PointStore, 'dataVersion'>;

interface Entry {
  version: number;
  value: unknown;
}

const MAX_ENTRIES = 200;
const caches = new WeakMap<VersionedStore, Map<string, Entry>>();

/**
 * The store's data version (`PointStore.dataVersion`); null when nothing may be cached under it (a SQLite database
 * without migration 0060, or a PostgreSQL writer's change not committed yet).
 */
export function dataVersion(store: VersionedStore): Promise<number | null> {
  return store.dataVersion();
}

function remember(store: VersionedStore, key: string, version: number, value: unknown): void {
  let m = caches.get(store);
  if (!m) {
    m = new Map();
    caches.set(store, m);
  }
  m.delete(key);
  m.set(key, { version, value });
  while (m.size > MAX_ENTRIES) m.delete(m.keys().next().value!);
}

/**
 * `compute()` once per (key, data version). The version is read BEFORE computing: a change meanwhile leaves the
 * entry under the older version, and the next call computes again.
 */
export async function cachedCorrelation<T>(store: VersionedStore, key: string, compute: () => T | Promise<T>): Promise<T> {
  const version = await dataVersion(store);
  if (version === null) return compute();
  const m = caches.get(store);
  const hit = m?.get(key);
  if (m && hit && hit.version === version) {
    m.delete(key);
    m.set(key, hit);
    return hit.value as T;
  }
  const value = await compute();
  remember(store, key, version, value);
  return value;
}

const pages = new WeakMap<VersionedStore, Map<string, Entry>>();
const MAX_PAGES = 50;

/**
 * Rendered pages that show correlation results, by URL and data version (a warm page is served without
 * re-rendering a 1,000-event calendar). `version` is the data version read BEFORE rendering: a change during
 * the render leaves the entry stale, and the next request renders again.
 */
export interface CachedPage {
  body: Buffer;
  etag: string;
}

export async function cachedPage(store: VersionedStore, key: string): Promise<{ version: number | null; html: CachedPage | undefined }> {
  const version = await dataVersion(store);
  if (version === null) return { version, html: undefined };
  const m = pages.get(store);
  const hit = m?.get(key);
  if (!m || !hit || hit.version !== version) return { version, html: undefined };
  m.delete(key);
  m.set(key, hit);
  return { version, html: hit.value as CachedPage };
}

/** Keeps a rendered page (body and its ETag computed once, so a hit costs no hashing). */
export function keepPage(store: VersionedStore, key: string, version: number | null, html: string): CachedPage {
  const body = Buffer.from(html, 'utf8');
  const page = { body, etag: `W/"${body.length.toString(16)}-${createHash('sha1').update(body).digest('base64').slice(0, 27)}"` };
  if (version === null) return page;
  let m = pages.get(store);
  if (!m) {
    m = new Map();
    pages.set(store, m);
  }
  m.delete(key);
  m.set(key, { version, value: page });
  while (m.size > MAX_PAGES) m.delete(m.keys().next().value!);
  return page;
}

const rendering = new WeakMap<VersionedStore, Map<string, Promise<CachedPage>>>();

/**
 * A page from the cache, or rendered ONCE per (key, data version) however many requests ask for it meanwhile:
 * after a data change, 50 waiting clients get the one render instead of rendering the page 50 times in a row
 * on the event loop. `render` may await (the correlation runs in the worker).
 */
export async function renderPageOnce(store: VersionedStore, key: string, render: () => Promise<string>): Promise<CachedPage> {
  const cached = await cachedPage(store, key);
  if (cached.html !== undefined) return cached.html;
  if (cached.version === null) return keepPage(store, key, null, await render());
  let m = rendering.get(store);
  if (!m) {
    m = new Map();
    rendering.set(store, m);
  }
  const flKey = `${cached.version}:${key}`;
  let p = m.get(flKey);
  if (!p) {
    const inflight = m;
    p = render().then(
      (h) => {
        inflight.delete(flKey);
        return keepPage(store, key, cached.version, h);
      },
      (err: unknown) => {
        inflight.delete(flKey);
        throw err;
      },
    );
    m.set(flKey, p);
  }
  return p;
}

const derived = new WeakMap<object, Map<string, unknown>>();

/**
 * Something made from a cached result (e.g. the rendered statistics table of a country page), kept as long as
 * that result is: every page that shows it (each page of the events table, each time-zone mode) reuses it, and
 * a data change, which replaces the result, drops it with it. The key names what else it depends on.
 */
export function derivedFrom<T>(source: object, key: string, make: () => T): T {
  let m = derived.get(source);
  if (!m) {
    m = new Map();
    derived.set(source, m);
  }
  if (m.has(key)) return m.get(key) as T;
  const value = make();
  m.set(key, value);
  return value;
}

/** Drops every cached result of a store (tests, or after a bulk change outside the triggers). */
export function clearCorrelationCache(store: VersionedStore): void {
  caches.delete(store);
  pages.delete(store);
  rendering.delete(store);
}

// ---------- off the event loop ----------

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

let worker: Worker | null = null;
let workerEnabled = false;
let nextId = 1;
const pending = new Map<number, Pending>();
const inflight = new WeakMap<VersionedStore, Map<string, Promise<unknown>>>();

/**
 * Cold correlations are computed in a worker thread from now on (the dashboard of `outagewatch start` and `serve`
 * turn this on): no request blocks the event loop while 1,000 events and 9,999 surrogates are computed. The inputs
 * are read here, through the store's interfaces (asynchronous on PostgreSQL), and sent to the worker (the hours
 * with data as transferred typed arrays): the worker opens no database, so it works on either backend.
 */
export function enableCorrelationWorker(on = true): void {
  workerEnabled = on;
  if (!on && worker) {
    void worker.terminate();
    worker = null;
  }
}

function failAll(err: Error): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
  worker = null;
}

function getWorker(): Worker {
  if (worker) return worker;
  const w = moduleWorker(import.meta.url, 'worker');
  w.on('message', (m: { id: number; value?: unknown; error?: { code: ErrorCode | null; message: string } }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    // idle, it does not hold the process (a SIGTERM'd server exits once its requests are answered)
    if (pending.size === 0) w.unref();
    if (m.error) p.reject(m.error.code ? new AppError(m.error.code, m.error.message) : new Error(m.error.message));
    else p.resolve(m.value);
  });
  w.on('error', (err) => failAll(err));
  w.on('exit', (code) => failAll(new Error(`correlation worker exited (${code})`)));
  // after the listeners: Node refs a worker again when a 'message' listener is added, and an idle worker referenced
  // kept `serve` and `start` alive after SIGTERM once a country page had been computed
  w.unref();
  worker = w;
  return w;
}

/** One computation in the worker: the job's typed arrays are transferred, not copied (the job is not used after). */
function inWorker<T>(job: EventJob | CountryJob): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    const transfer = job.data ? job.data.signals.map((s) => s.hours.buffer as ArrayBuffer) : [];
    const w = getWorker();
    // a computation in flight holds the process until it is answered
    w.ref();
    try {
      w.postMessage({ id, job }, transfer);
    } catch (err) {
      pending.delete(id);
      if (pending.size === 0) w.unref();
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

function compute<T>(job: EventJob | CountryJob): Promise<T> {
  if (workerEnabled) return inWorker<T>(job);
  return Promise.resolve((job.kind === 'event' ? computeEvent(job) : computeCountry(job)) as T);
}

/** Read once, compute (in the worker when enabled) once per (key, data version) however many ask meanwhile. */
async function cachedAsync<T>(src: CorrelatorSource, key: string, prepare: () => Promise<EventJob | CountryJob>): Promise<T> {
  const store = src.points;
  const version = await dataVersion(store);
  if (version === null) return compute<T>(await prepare());
  const m = caches.get(store);
  const hit = m?.get(key);
  if (m && hit && hit.version === version) {
    m.delete(key);
    m.set(key, hit);
    return hit.value as T;
  }
  let fl = inflight.get(store);
  if (!fl) {
    fl = new Map();
    inflight.set(store, fl);
  }
  const flKey = `${version}:${key}`;
  let p = fl.get(flKey) as Promise<T> | undefined;
  if (!p) {
    const inflightHere = fl;
    p = prepare()
      .then((job) => compute<T>(job))
      .then(
        (value) => {
          inflightHere.delete(flKey);
          remember(store, key, version, value);
          return value;
        },
        (err: unknown) => {
          inflightHere.delete(flKey);
          throw err;
        },
      );
    fl.set(flKey, p);
  }
  return p;
}

/**
 * `correlateCountry`, cached per `src.points` by data version, computed in the worker thread when it is enabled (see
 * `enableCorrelationWorker`); on either backend. The result is shared: do not mutate it.
 */
export function cachedCountryAsync(src: CorrelatorSource, country: string, opts: CorrelateOptions): Promise<CountryCorrelationJson> {
  const key = `country:${country.toUpperCase()}:${JSON.stringify(opts)}`;
  return cachedAsync(src, key, () => prepareCountry(src, country, opts));
}

/** `correlateEvent`, cached and computed as `cachedCountryAsync`. Rejects with AppError NOT_FOUND for an unknown event. */
export function cachedEventAsync(src: CorrelatorSource, eventId: string, opts: CorrelateOptions): Promise<EventCorrelationJson> {
  const key = `event:${eventId}:${JSON.stringify(opts)}`;
  return cachedAsync(src, key, () => prepareEvent(src, eventId, opts));
}
