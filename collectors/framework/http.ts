import axios, { type AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Config } from '../../core/config.js';
import { silentLogger } from '../../core/logger.js';
import { packageVersion } from '../../core/package-root.js';
import { FetchError, UNREACHABLE_CODES, isRetryable } from './errors.js';
import { parseJsonBody } from './json.js';
import { requestBudget } from './budget.js';
import { abortableSleep, RequestLimiter, type Sleep } from './limiter.js';

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface HttpClientOptions {
  /** Source name (`ioda`), used in logs and the rate limiter. */
  source: string;
  /** Base URL, with or without a trailing path (`https://api.ioda.inetintel.cc.gatech.edu/v2`). */
  baseUrl: string;
  /** Per attempt, milliseconds. Default 30 000. */
  timeoutMs?: number;
  /** Attempts in all (first try included). Default 5. */
  maxAttempts?: number;
  /** Exponential backoff: base * 2^(attempt-1), capped, with jitter (half fixed, half random). Defaults 1 000 / 60 000 ms. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Upper bound on a server's `Retry-After`. Default 300 000 ms. */
  retryAfterMaxMs?: number;
  /** At most `requests` request starts per `intervalMs`. Default 2 per 1 000 ms. */
  rateLimit?: { requests: number; intervalMs: number };
  /** Requests in flight at once. Default 2. */
  concurrency?: number;
  headers?: Record<string, string>;
  log?: Logger;
  /** Injected in tests: the backoff sleep (default: a real, abortable sleep). */
  sleep?: Sleep;
  /** Injected in tests: jitter source (default Math.random). */
  random?: () => number;
}

export interface TextResponse {
  url: string;
  status: number;
  body: string;
  headers: Record<string, string>;
  /** Unix seconds. */
  fetchedAt: number;
  attempts: number;
}

export interface JsonResponse<T> extends TextResponse {
  data: T;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface HttpClient {
  readonly source: string;
  readonly baseUrl: string;
  /** The full URL a request would use (for messages and provenance). */
  url(path: string, query?: Query): string;
  /** GET with retries; resolves on 2xx, throws FetchError otherwise. */
  getText(path: string, query?: Query, opts?: RequestOptions): Promise<TextResponse>;
  /** GET + JSON parse + schema check (see parseJsonBody); a bad body is not retried unless truncated. */
  getJson<S extends z.ZodType>(path: string, query: Query | undefined, schema: S, opts?: RequestOptions): Promise<JsonResponse<z.infer<S>>>;
}

export function userAgent(): string {
  return `outagewatch/${packageVersion()} (+https://github.com/outagewatch)`;
}

export function buildUrl(baseUrl: string, path: string, query: Query = {}): string {
  const base = baseUrl.replace(/\/+$/, '');
  const p = path.replace(/^\/+/, '');
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) qs.append(k, String(v));
  const s = qs.toString();
  return `${base}/${p}${s ? `?${s}` : ''}`;
}

/** `Retry-After`: delta seconds or an HTTP date → milliseconds from now (null when absent/unreadable). */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  if (Number.isNaN(t)) return null;
  return Math.max(0, t - now);
}

/** Backoff before attempt `attempt + 1` (attempt counts from 1). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const d = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(d / 2 + random() * (d / 2));
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
  const baseMs = opts.backoffBaseMs ?? 1000;
  const maxMs = opts.backoffMaxMs ?? 60_000;
  const retryAfterMax = opts.retryAfterMaxMs ?? 300_000;
  const sleep = opts.sleep ?? abortableSleep;
  const random = opts.random ?? Math.random;
  const log = (opts.log ?? silentLogger).child({ source: opts.source });
  const rate = opts.rateLimit ?? { requests: 2, intervalMs: 1000 };
  const limiter = new RequestLimiter({ requests: rate.requests, intervalMs: rate.intervalMs, concurrency: opts.concurrency ?? 2 });
  // across processes (PostgreSQL, collectors/framework/budget.ts): one start per interval/requests, evenly spaced
  const spacingMs = rate.intervalMs / Math.max(1, rate.requests);
  let budgetFailed = false;
  /** Waits for this request's start in the budget shared with the other processes, when one is in force. */
  async function sharedStart(signal: AbortSignal | undefined): Promise<void> {
    const budget = requestBudget();
    if (!budget) return;
    let wait: number;
    try {
      wait = await budget.claim(opts.source, spacingMs);
    } catch (err) {
      // the database answers no claim: this process's own limiter keeps its pace (logged once per client)
      if (!budgetFailed) log.warn({ err }, 'could not claim a request start from the shared budget; pacing this process alone');
      budgetFailed = true;
      return;
    }
    if (wait > 0) await abortableSleep(wait, signal);
  }
  const ax: AxiosInstance = axios.create({
    timeout: timeoutMs,
    responseType: 'text',
    transformResponse: [(d: unknown) => d],
    validateStatus: () => true,
    maxRedirects: 5,
    headers: { 'User-Agent': userAgent(), Accept: 'application/json', ...(opts.headers ?? {}) },
  });

  async function attempt(url: string, signal: AbortSignal | undefined): Promise<TextResponse & { expectedBytes?: number }> {
    const release = await limiter.acquire(signal).catch((err: unknown) => {
      throw new FetchError('aborted', url, `${url}: ${(err as Error).message}`);
    });
    try {
      await sharedStart(signal);
      const res = await ax.get<string>(url, { signal });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers as Record<string, unknown>))
        if (v !== undefined && v !== null) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
      const body = typeof res.data === 'string' ? res.data : res.data === undefined || res.data === null ? '' : String(res.data);
      const len = headers['content-length'];
      const expectedBytes = len && !headers['content-encoding'] && /^\d+$/.test(len) ? Number(len) : undefined;
      return { url, status: res.status, body, headers, fetchedAt: Math.floor(Date.now() / 1000), attempts: 0, expectedBytes };
    } catch (err) {
      if (signal?.aborted || axios.isCancel(err)) throw new FetchError('aborted', url, `${url}: request cancelled`);
      // axios puts the system error's code on the error or (depending on the adapter) on its cause
      const e = err as { code?: string; cause?: { code?: string } };
      const code = e.code !== undefined && UNREACHABLE_CODES.has(e.code) ? e.code : (e.cause?.code ?? e.code);
      const msg = (err as Error).message;
      if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(msg))
        throw new FetchError('timeout', url, `${url}: no answer within ${timeoutMs} ms`);
      if (code === 'ECONNRESET' && /aborted|socket hang up/i.test(msg))
        throw new FetchError('truncated', url, `${url}: connection closed before the body was complete (${msg})`);
      // offline, a name that does not resolve or a refused connection: fail now (one line), the next run tries again
      if (code !== undefined && UNREACHABLE_CODES.has(code))
        throw new FetchError(
          'unreachable',
          url,
          `${url}: cannot reach the source (${code}${code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? ': the name does not resolve' : ': connection refused'}); the next run tries again`,
        );
      throw new FetchError('network', url, `${url}: network error ${code ?? ''} ${msg}`.replace(/\s+/g, ' ').trim());
    } finally {
      release();
    }
  }

  async function withRetries<T>(url: string, signal: AbortSignal | undefined, once: () => Promise<T>): Promise<T> {
    let lastErr: unknown;
    for (let n = 1; n <= maxAttempts; n++) {
      try {
        return await once();
      } catch (err) {
        lastErr = err;
        if (!isRetryable(err) || n === maxAttempts) break;
        const fe = err as FetchError;
        const ra = fe.kind === 'http' ? (fe.extra as { retryAfterMs?: number }).retryAfterMs : undefined;
        const delay = ra !== undefined ? Math.min(retryAfterMax, ra) : backoffDelay(n, baseMs, maxMs, random);
        log.warn({ url, attempt: n, delayMs: delay, err: fe }, 'request failed; retrying');
        try {
          await sleep(delay, signal);
        } catch {
          throw new FetchError('aborted', url, `${url}: cancelled while waiting to retry`);
        }
      }
    }
    if (lastErr instanceof FetchError && isRetryable(lastErr)) {
      throw new FetchError(lastErr.kind, lastErr.url, `${lastErr.message} (gave up after ${maxAttempts} attempts)`, {
        ...lastErr.extra,
        attempts: maxAttempts,
      });
    }
    throw lastErr;
  }

  function checkStatus(r: TextResponse): void {
    if (r.status >= 200 && r.status < 300) return;
    const ra = r.status === 429 || r.status === 503 ? parseRetryAfter(r.headers['retry-after']) : null;
    const snippet = r.body.slice(0, 200).replace(/\s+/g, ' ');
    const extra: { status: number; retryAfterMs?: number } = { status: r.status };
    if (ra !== null) extra.retryAfterMs = ra;
    throw new FetchError('http', r.url, `${r.url}: HTTP ${r.status}${snippet ? ` ${snippet}` : ''}`, extra);
  }

  /**
   * A 2xx body that is shorter than its Content-Length, empty (other than 204), or cut short and padded with
   * NUL bytes within its length is a truncation: retried within the run like a cut connection.
   */
  function checkComplete(r: TextResponse & { expectedBytes?: number }): void {
    const bytes = Buffer.byteLength(r.body);
    if (r.expectedBytes !== undefined && bytes < r.expectedBytes)
      throw new FetchError('truncated', r.url, `${r.url}: truncated body (${bytes} of ${r.expectedBytes} bytes)`);
    if (r.status !== 204 && r.body.trim() === '') throw new FetchError('truncated', r.url, `${r.url}: truncated body (empty)`);
    const nul = r.body.indexOf('\0');
    if (nul >= 0 && /^\0*$/.test(r.body.slice(nul)))
      throw new FetchError(
        'truncated',
        r.url,
        `${r.url}: truncated body (${Buffer.byteLength(r.body.slice(0, nul))} bytes, then ${r.body.length - nul} NUL bytes)`,
      );
  }

  const client: HttpClient = {
    source: opts.source,
    baseUrl: opts.baseUrl,
    url: (path, query) => buildUrl(opts.baseUrl, path, query),
    async getText(path, query, ro = {}) {
      const url = buildUrl(opts.baseUrl, path, query);
      let attempts = 0;
      return withRetries(url, ro.signal, async () => {
        attempts++;
        const r = await attempt(url, ro.signal);
        checkStatus(r);
        checkComplete(r);
        const { expectedBytes: _e, ...rest } = r;
        return { ...rest, attempts };
      });
    },
    async getJson(path, query, schema, ro = {}) {
      const url = buildUrl(opts.baseUrl, path, query);
      let attempts = 0;
      return withRetries(url, ro.signal, async () => {
        attempts++;
        const r = await attempt(url, ro.signal);
        checkStatus(r);
        const data = parseJsonBody(r.body, schema, url, { expectedBytes: r.expectedBytes });
        const { expectedBytes: _e, ...rest } = r;
        return { ...rest, attempts, data };
      });
    },
  };
  return client;
}

/** A client for `config.sources.<name>` (base URL from the config / `OUTAGEWATCH_<NAME>_URL`). */
export function httpClientFromConfig(config: Config, name: string, overrides: Omit<Partial<HttpClientOptions>, 'source'> = {}): HttpClient {
  const src = sourceConfig(config, name);
  return createHttpClient({ source: name, baseUrl: src.url, ...overrides });
}

/** `sources.<name>` of a registered source (loadConfig fills every registered source's defaults). */
export function sourceConfig(config: Pick<Config, 'sources'>, name: string): { url: string; enabled: boolean; token?: string | undefined } {
  const src = config.sources[name];
  if (!src) throw new Error(`no sources.${name} in the configuration: is ${name} listed in collectors/registry.ts?`);
  return src;
}
