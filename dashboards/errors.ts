import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, ERRORS } from '../core/app-errors.js';
import { html, layout } from './html.js';

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

/** The one error middleware: JSON `{ error: { code, message } }` under /api, an HTML page elsewhere. No stack traces. */
export function errorHandler(log: Logger, onError?: (err: unknown, path: string) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    onError?.(err, req.path);
    const app = asAppError(err);
    if (app.status >= 500) log.error({ err, path: req.path }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(app.status);
    if (req.path.startsWith('/api') || req.path === '/metrics') {
      res.json({ error: { code: app.code, status: app.status, message: app.message, ...(app.details ?? {}) } });
    } else {
      res.type('html').send(layout(ERRORS[app.code].title, html`<h1>${app.status} ${ERRORS[app.code].title}</h1><p>${app.message}</p><p><a href="/">Back to the overview</a></p>`));
    }
  };
}
