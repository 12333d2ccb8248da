/**
 * The request log (dashboards/errors.ts `requestLogger`) writes pino-http's line for every request, but makes its
 * child loggers only when a line is written (issue 21: making them for every request cost about as much as the rest
 * of the middleware). An operator reading the log must see the same lines as with pino-http used directly: the
 * same keys, values and messages for a success, a client error, a thrown error (with its stack) and a 5xx answer,
 * lines written through `req.log` carrying the request id, and the same lines left out at the `info` level.
 */
import express, { type Express } from 'express';
import { pino, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/app-errors.js';
import { errorHandler, notFoundHandler, requestLogger } from '../../dashboards/errors.js';

/** pino-http as the app configured it before (the reference the lines are compared with). */
function pinoHttpDirect(log: Logger): express.RequestHandler {
  return pinoHttp({
    logger: log,
    quietReqLogger: true,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : crypto.randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'debug'),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request failed',
    serializers: {
      req: (req: { method?: string; url?: string }) => ({ method: req.method, url: req.url }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
    },
  }) as unknown as express.RequestHandler;
}

function appWith(logger: (log: Logger) => express.RequestHandler, level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level, base: { service: 'test' } },
    { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  const app: Express = express();
  app.use(logger(log));
  app.get('/ok', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/said', (req, res) => {
    (req as express.Request & { log: Logger }).log.info({ step: 1 }, 'said through req.log');
    res.json({ ok: true });
  });
  app.get('/bad', () => {
    throw new AppError('BAD_PARAMETER', 'nope');
  });
  app.get('/boom', () => {
    throw new Error('kaboom');
  });
  app.get('/unavailable', (_req, res) => {
    res.status(503).json({ status: 'down' });
  });
  app.use(notFoundHandler);
  app.use(errorHandler(log));
  return { app, lines };
}

const PATHS = ['/ok?x=1&y=2', '/said', '/bad', '/boom', '/unavailable', '/nope'];

async function run(logger: (log: Logger) => express.RequestHandler, level: string) {
  const { app, lines } = appWith(logger, level);
  for (const [i, path] of PATHS.entries()) await request(app).get(path).set('X-Request-Id', `req-${i}`);
  const fresh = await request(app).get('/ok');
  // times differ between runs; a stack names the logger's own code where it passes the request on, and a
  // synthetic error's stack is made inside the logger
  const ownFrame = /^\s+at .*(pino-http\/logger\.js|dashboards\/errors\.ts).*$/gm;
  const comparable = lines.map((l): Record<string, unknown> => {
    const { time: _time, responseTime, err, ...rest } = l as { time: number; responseTime?: number; err?: Record<string, unknown> };
    const e =
      err &&
      (String(err.message).startsWith('failed with status code')
        ? { type: err.type, message: err.message }
        : { ...err, stack: String(err.stack).replace(ownFrame, '    at <request log>') });
    return { ...rest, ...(responseTime !== undefined ? { responseTime: typeof responseTime } : {}), ...(e ? { err: e } : {}) };
  });
  const freshId = fresh.headers['x-request-id'] as string;
  // the request without an id of its own got a new UUID (each run its own): compared as the header it was sent in
  for (const l of comparable) if (l.reqId === freshId) l.reqId = '<the X-Request-Id header>';
  return { lines: comparable, freshId };
}

describe('the request log', () => {
  for (const level of ['debug', 'info']) {
    it(`writes the lines pino-http writes, at the ${level} level`, async () => {
      const direct = await run(pinoHttpDirect, level);
      const lazy = await run(requestLogger, level);
      expect(lazy.lines).toEqual(direct.lines);
      expect(lazy.lines.length).toBeGreaterThan(0);
      expect(lazy.freshId).toMatch(/^[0-9a-f-]{36}$/);
    });
  }

  it('names the request, its status and its id, and keeps the stack of a thrown error', async () => {
    const { lines } = await run(requestLogger, 'debug');
    expect(lines.find((l) => l.reqId === 'req-0')).toMatchObject({
      level: 20,
      service: 'test',
      req: { method: 'GET', url: '/ok?x=1&y=2' },
      res: { status: 200 },
      responseTime: 'number',
      msg: 'request',
    });
    expect(lines.find((l) => l.msg === 'said through req.log')).toMatchObject({ reqId: 'req-1', step: 1, level: 30 });
    expect(lines.find((l) => l.reqId === 'req-2' && l.msg === 'request')).toMatchObject({ level: 20, res: { status: 400 } });
    const boom = lines.find((l) => l.reqId === 'req-3')!;
    expect(boom).toMatchObject({ level: 50, msg: 'request failed', res: { status: 500 }, err: { message: 'kaboom' } });
    expect(String((boom.err as { stack: string }).stack)).toContain('errors.test.ts');
    expect(lines.find((l) => l.reqId === 'req-4')).toMatchObject({
      level: 50,
      err: { message: 'failed with status code 503' },
      res: { status: 503 },
    });
  });
});
