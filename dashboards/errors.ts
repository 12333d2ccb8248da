import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { AppError, ERRORS } from '../core/app-errors.js';
import { html, layout } from './html.js';

/** A request id a client or proxy may send in `X-Request-Id` and that we keep (anything else gets a fresh UUID). */
const GIVEN_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One log line per request (pino-http): method, URL, status and time, with a request id that is also the
 * `X-Request-Id` response header (taken from the request's own header when it is a plain token, else a new
 * UUID). Successful and client-error requests log at debug; a 5xx logs at error with `{ err }` (the stack kept,
 * set by the error handler as `res.err`). `req.log` is the request's child logger, carrying its `reqId`.
 */
export function requestLogger(log: Logger): RequestHandler {
  return pinoHttp({
    logger: log,
    // every line logged through req.log carries reqId; the closing line also carries req and res
    quietReqLogger: true,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && GIVEN_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'debug'),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request failed',
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string }) => ({ method: req.method, url: req.url }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
    },
  }) as unknown as RequestHandler;
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
