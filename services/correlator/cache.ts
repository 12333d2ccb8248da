/**
 * Correlation results cached by data version (issue 17): pages and the API must not recompute B = 9,999
 * surrogates per request. A result is kept per store, keyed by what was asked (country or event, options) and
 * valid while the store's data version (points, outages, calendar, reference lists, source events,
 * checkpoints — see migration 0060) is unchanged. Bounded (least recently used out).
 */
import type { SqliteStore } from '../../db/store.js';
import { correlateCountry, correlateEvent, type CorrelateOptions, type CountryCorrelationJson, type EventCorrelationJson } from './assemble.js';

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

/** Drops every cached result of a store (tests, or after a bulk change outside the triggers). */
export function clearCorrelationCache(store: SqliteStore): void {
  caches.delete(store);
}

/** `correlateCountry`, cached by data version (pages and the API). The result is shared: do not mutate it. */
export function cachedCountry(store: SqliteStore, country: string, opts: CorrelateOptions): CountryCorrelationJson {
  return cachedCorrelation(store, `country:${country.toUpperCase()}:${JSON.stringify(opts)}`, () => correlateCountry(store, country, opts));
}

/** `correlateEvent`, cached by data version (pages and the API). The result is shared: do not mutate it. */
export function cachedEvent(store: SqliteStore, eventId: string, opts: CorrelateOptions): EventCorrelationJson {
  return cachedCorrelation(store, `event:${eventId}:${JSON.stringify(opts)}`, () => correlateEvent(store, eventId, opts));
}
