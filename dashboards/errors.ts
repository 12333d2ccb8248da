import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp, startTime } from 'pino-http';
import { AppError, ERRORS } from '../core/app-errors.js';
import { html, layout } from './html.js';

/** A request id a client or proxy may send in `X-Request-Id` and that we keep (anything else gets a fresh UUID). */
const GIVEN_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The level of a request's line: error for a 5xx or a failed response, debug otherwise. */
const lineLevel = (res: { statusCode: number }, err: unknown): 'error' | 'debug' => (err || res.statusCode >= 500 ? 'error' : 'debug');

/** The request id: the request's own `X-Request-Id` when it is a plain token, else a new UUID; sent back as `X-Request-Id`. */
function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && GIVEN_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * One log line per request (pino-http): method, URL, status and time, with a request id that is also the
 * `X-Request-Id` response header (taken from the request's own header when it is a plain token, else a new
 * UUID). Successful and client-error requests log at debug; a 5xx logs at error with `{ err }` (the stack kept,
 * set by the error handler as `res.err`). `req.log` is the request's child logger, carrying its `reqId`.
 *
 * The line is pino-http's own (its logger, serializers, keys and messages), but its two child loggers per request
 * (`{ reqId }`, then `{ req }`) are made when the request ends and only if its line's level is enabled, and
 * `req.log` when first used: pino-http makes them for every request, which cost about 0.05–0.07 ms of CPU each
 * (issue 21: a fifth of what an API answer costs beyond its SQL) although the debug line of a successful request
 * is not written at the default level. `test/dashboards/errors.test.ts` compares the lines with pino-http's.
 */
export function requestLogger(log: Logger): RequestHandler {
  const http = pinoHttp({
    logger: log,
    // every line logged through req.log carries reqId; the closing line also carries req and res
    quietReqLogger: true,
    genReqId: requestIdOf,
    customLogLevel: (_req, res, err) => lineLevel(res, err),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request failed',
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string }) => ({ method: req.method, url: req.url }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
    },
  });
  // pino-http's logger: a child of `log` with its serializers (the request's children are made from it)
  const base = http.logger;
  return (req, res, next) => {
    const r = req as Request & { id?: unknown; [LOG_STATE]?: LogState };
    // as pino-http: an id set before (e.g. by a proxy middleware) is kept
    const id = r.id || requestIdOf(req, res);
    r.id = id;
    const timed = res as Response & { [startTime]?: number; [LOG_STATE]?: LogState; err?: unknown };
    timed[startTime] ??= Date.now();
    const state: LogState = { base, id, req, log: undefined };
    r[LOG_STATE] = state;
    timed[LOG_STATE] = state;
    withLogGetters(req, res);
    const done = (err?: unknown) => {
      res.removeListener('close', done);
      res.removeListener('finish', done);
      res.removeListener('error', done);
      const level = lineLevel(res, err);
      if (!base.isLevelEnabled(level)) return;
      const responseTime = Date.now() - timed[startTime]!;
      const line = requestLog(state).child({ req });
      if (err || timed.err || res.statusCode >= 500) {
        const error = err || timed.err || new Error(`failed with status code ${res.statusCode}`);
        line[level]({ res, err: error, responseTime }, 'request failed');
        return;
      }
      line[level]({ res, responseTime }, 'request');
    };
    res.on('close', done);
    res.on('finish', done);
    res.on('error', done);
    next();
  };
}

/** What `req.log` and `res.log` are made from, kept on the request and its response. */
interface LogState {
  base: Logger;
  id: unknown;
  req: unknown;
  log: Logger | undefined;
}
const LOG_STATE = Symbol('requestLog');

/** The request's child logger (`{ reqId }`), made on first use. */
const requestLog = (s: LogState): Logger => (s.log ??= s.base.child({ reqId: s.id }));

/** Prototypes (Express's per-app request and response) given the `log` getters. */
const gettersOn = new WeakSet<object>();

/**
 * `req.log` (the request's child logger) and `res.log` (its child carrying `req`, as pino-http's `res.log`) as
 * getters on the app's request and response prototypes, made when first read: defining them on every request
 * object would cost more than the loggers. Node's own prototypes are never touched (outside Express each request
 * gets its own getters).
 */
function withLogGetters(req: IncomingMessage, res: ServerResponse): void {
  for (const [obj, own, make] of [
    [req, IncomingMessage.prototype, (s: LogState) => requestLog(s)],
    [res, ServerResponse.prototype, (s: LogState) => requestLog(s).child({ req: s.req })],
  ] as const) {
    const proto = Object.getPrototypeOf(obj) as object;
    const target = proto === own ? obj : proto;
    if (gettersOn.has(target)) continue;
    if (target !== obj) gettersOn.add(target);
    Object.defineProperty(target, 'log', {
      configurable: true,
      enumerable: target === obj,
      get(this: { [LOG_STATE]?: LogState }) {
        const s = this[LOG_STATE];
        return s ? make(s) : undefined;
      },
      set(this: object, value: unknown) {
        Object.defineProperty(this, 'log', { value, writable: true, configurable: true, enumerable: true });
      },
    });
  }
}

/** The id `requestLogger` gave the request (absent when an app is built without it). */
function requestId(req: Request): string | undefined {
  const id = (req as Request & { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** 404 for anything no route answered: JSON under /api, a page elsewhere. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `no such ${req.path.startsWith('/api') ? 'endpoint' : 'page'}: ${req.path}`));
};

function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; statusCode?: number };
  // body-parser errors carry a type; map them by type, never by message
  if (e && e.type === 'entity.parse.failed') return new AppError('BAD_BODY', 'request body is not valid JSON');
  if (e && e.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 'request body is too large');
  return new AppError('INTERNAL', 'internal error');
}

/**
 * The one error middleware: JSON `{ error: { code, status, message, requestId } }` under /api, an HTML page
 * elsewhere (naming the request id too). No stack traces in answers; a 5xx is logged with `{ err }` and the
 * request id by the request logger.
 */
export function errorHandler(log: Logger, onError?: (err: unknown, path: string) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    onError?.(err, req.path);
    const app = asAppError(err);
    const id = requestId(req);
    if (app.status >= 500) {
      // the request logger writes the request's one line with this error (stack kept); without it, log here
      if (id !== undefined) (res as typeof res & { err?: unknown }).err = err;
      else log.error({ err, path: req.path }, 'request failed');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(app.status);
    if (req.path.startsWith('/api') || req.path === '/metrics') {
      res.json({
        error: {
          code: app.code,
          status: app.status,
          message: app.message,
          ...(app.details ?? {}),
          ...(id !== undefined ? { requestId: id } : {}),
        },
      });
    } else {
      res
        .type('html')
        .send(
          layout(
            ERRORS[app.code].title,
            html`<h1>${app.status} ${ERRORS[app.code].title}</h1><p>${app.message}</p>${id !== undefined ? html`<p class="muted">Request id: <code>${id}</code></p>` : ''}<p><a href="/">Back to the overview</a></p>`,
          ),
        );
    }
  };
}
