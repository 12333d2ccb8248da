/**
 * Correlation results cached by data version (issue 17): pages and the API must not recompute B = 9,999
 * surrogates per request. A result is kept per store, keyed by what was asked (country or event, options) and
 * valid while the store's data version (points, outages, calendar, reference lists, source events,
 * checkpoints — see migration 0060) is unchanged. Bounded (least recently used out).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SqliteStore } from '../../db/store.js';
import { AppError, type ErrorCode } from '../../core/app-errors.js';
import {
  correlateCountry,
  correlateEvent,
  type CorrelateOptions,
  type CountryCorrelationJson,
  type EventCorrelationJson,
} from './assemble.js';

interface Entry {
  version: number;
  value: unknown;
}

const MAX_ENTRIES = 200;
const caches = new WeakMap<SqliteStore, Map<string, Entry>>();

/** The store's data version; null on a database without migration 0060 (then nothing is cached). */
export function dataVersion(store: SqliteStore): number | null {
  try {
    return store.dataVersion();
  } catch {
    return null;
  }
}

/** `compute()` once per (key, data version). */
export function cachedCorrelation<T>(store: SqliteStore, key: string, compute: () => T): T {
  let m = caches.get(store);
  if (!m) {
    m = new Map();
    caches.set(store, m);
  }
  const version = dataVersion(store);
  if (version === null) return compute();
  const hit = m.get(key);
  if (hit && hit.version === version) {
    m.delete(key);
    m.set(key, hit);
    return hit.value as T;
  }
  const value = compute();
  m.delete(key);
  m.set(key, { version, value });
  while (m.size > MAX_ENTRIES) m.delete(m.keys().next().value!);
  return value;
}

const pages = new WeakMap<SqliteStore, Map<string, Entry>>();
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

export function cachedPage(store: SqliteStore, key: string): { version: number | null; html: CachedPage | undefined } {
  const version = dataVersion(store);
  if (version === null) return { version, html: undefined };
  const m = pages.get(store);
  const hit = m?.get(key);
  if (!m || !hit || hit.version !== version) return { version, html: undefined };
  m.delete(key);
  m.set(key, hit);
  return { version, html: hit.value as CachedPage };
}

/** Keeps a rendered page (body and its ETag computed once, so a hit costs no hashing). */
export function keepPage(store: SqliteStore, key: string, version: number | null, html: string): CachedPage {
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

const rendering = new WeakMap<SqliteStore, Map<string, Promise<CachedPage>>>();

/**
 * A page from the cache, or rendered ONCE per (key, data version) however many requests ask for it meanwhile:
 * after a data change, 50 waiting clients get the one render instead of rendering the page 50 times in a row
 * on the event loop. `render` may await (the correlation runs in the worker).
 */
export function renderPageOnce(store: SqliteStore, key: string, render: () => Promise<string>): Promise<CachedPage> {
  const cached = cachedPage(store, key);
  if (cached.html !== undefined) return Promise.resolve(cached.html);
  if (cached.version === null) return render().then((h) => keepPage(store, key, null, h));
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
export function clearCorrelationCache(store: SqliteStore): void {
  caches.delete(store);
  pages.delete(store);
  rendering.delete(store);
}

/** `correlateCountry`, cached by data version (pages and the API). The result is shared: do not mutate it. */
export function cachedCountry(store: SqliteStore, country: string, opts: CorrelateOptions): CountryCorrelationJson {
  return cachedCorrelation(store, `country:${country.toUpperCase()}:${JSON.stringify(opts)}`, () => correlateCountry(store, country, opts));
}

/** `correlateEvent`, cached by data version (pages and the API). The result is shared: do not mutate it. */
export function cachedEvent(store: SqliteStore, eventId: string, opts: CorrelateOptions): EventCorrelationJson {
  return cachedCorrelation(store, `event:${eventId}:${JSON.stringify(opts)}`, () => correlateEvent(store, eventId, opts));
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
const inflight = new WeakMap<SqliteStore, Map<string, Promise<unknown>>>();

/**
 * Cold correlations run in a worker thread from now on (the dashboard of `outagewatch start` turns this on):
 * no request blocks the event loop while 1,000 events and 9,999 surrogates are computed.
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
  const ts = import.meta.url.endsWith('.ts');
  let w: Worker;
  if (ts) {
    // running from the TypeScript sources (tests, `npm run cli`): register tsx's loader in the worker first
    const api = createRequire(import.meta.url).resolve('tsx/esm/api');
    const entry = new URL('./worker.ts', import.meta.url).href;
    w = new Worker(
      `import(${JSON.stringify(pathToFileURL(api).href.replace(/\.cjs$/, '.mjs'))}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`,
      { eval: true },
    );
  } else {
    w = new Worker(new URL('./worker.js', import.meta.url));
  }
  w.unref();
  w.on('message', (m: { id: number; value?: unknown; error?: { code: ErrorCode | null; message: string } }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error) p.reject(m.error.code ? new AppError(m.error.code, m.error.message) : new Error(m.error.message));
    else p.resolve(m.value);
  });
  w.on('error', (err) => failAll(err));
  w.on('exit', (code) => failAll(new Error(`correlation worker exited (${code})`)));
  worker = w;
  return w;
}

function inWorker<T>(store: SqliteStore, kind: 'country' | 'event', arg: string, opts: CorrelateOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    getWorker().postMessage({ id, db: store.path, kind, arg, opts });
  });
}

async function cachedAsync<T>(
  store: SqliteStore,
  key: string,
  kind: 'country' | 'event',
  arg: string,
  opts: CorrelateOptions,
  sync: () => T,
): Promise<T> {
  const version = dataVersion(store);
  const useWorker = workerEnabled && store.path !== ':memory:' && version !== null;
  if (!useWorker) return cachedCorrelation(store, key, sync);
  const m = caches.get(store);
  const hit = m?.get(key);
  if (hit && hit.version === version) return hit.value as T;
  let fl = inflight.get(store);
  if (!fl) {
    fl = new Map();
    inflight.set(store, fl);
  }
  const flKey = `${version}:${key}`;
  let p = fl.get(flKey) as Promise<T> | undefined;
  if (!p) {
    p = inWorker<T>(store, kind, arg, opts).then(
      (value) => {
        fl.delete(flKey);
        let c = caches.get(store);
        if (!c) {
          c = new Map();
          caches.set(store, c);
        }
        c.set(key, { version, value });
        while (c.size > MAX_ENTRIES) c.delete(c.keys().next().value!);
        return value;
      },
      (err: unknown) => {
        fl.delete(flKey);
        throw err;
      },
    );
    fl.set(flKey, p);
  }
  return p;
}

/** `cachedCountry`, computed in the worker thread when it is enabled (see `enableCorrelationWorker`). */
export function cachedCountryAsync(store: SqliteStore, country: string, opts: CorrelateOptions): Promise<CountryCorrelationJson> {
  const key = `country:${country.toUpperCase()}:${JSON.stringify(opts)}`;
  return cachedAsync(store, key, 'country', country, opts, () => correlateCountry(store, country, opts));
}

/** `cachedEvent`, computed in the worker thread when it is enabled (see `enableCorrelationWorker`). */
export function cachedEventAsync(store: SqliteStore, eventId: string, opts: CorrelateOptions): Promise<EventCorrelationJson> {
  const key = `event:${eventId}:${JSON.stringify(opts)}`;
  return cachedAsync(store, key, 'event', eventId, opts, () => correlateEvent(store, eventId, opts));
}
