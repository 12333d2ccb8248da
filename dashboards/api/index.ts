import express, { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../deps.js';
import { openApiDocument } from '../openapi.js';
import { collectRouter } from './collect.js';
import { entitiesRouter } from './entities.js';
import { eventsRouter } from './events.js';
import { clientLimiter } from '../limits.js';
import { apiOptions } from './options.js';
import { outagesRouter } from './outages.js';
import { referenceRouter } from './reference.js';
import { sourceEventsRouter } from './source-events.js';
import { sourcesRouter } from './sources.js';

/** CORS is off unless origins are listed in `api.corsOrigins`; even then only reads are allowed cross-origin. */
function cors(origins: string[]): RequestHandler {
  const allowed = new Set(origins.map((o) => o.replace(/\/+$/, '')));
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin && allowed.has(origin)) {
      res.vary('Origin');
      res.set('Access-Control-Allow-Origin', origin);
      if (req.method === 'OPTIONS') {
        res.set('Access-Control-Allow-Methods', 'GET, HEAD');
        res.set('Access-Control-Allow-Headers', 'Accept');
        res.set('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
    }
    next();
  };
}

/**
 * What every API request goes through before its route, in order: CORS (when origins are listed), the per-client
 * rate limiter (one instance: every API route counts against the same budget), JSON bodies, `Cache-Control: no-store`.
 */
export function apiFront(deps: AppDeps): RequestHandler[] {
  const opts = apiOptions(deps.config);
  const front: RequestHandler[] = [];
  if (opts.corsOrigins.length > 0) front.push(cors(opts.corsOrigins));
  const limit = clientLimiter({ ...opts.rateLimit, what: 'requests' });
  if (limit) front.push(limit);
  front.push(express.json({ limit: '256kb', strict: true }));
  front.push((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  return front;
}

/**
 * The JSON API under /api (health is mounted by the app itself), behind `front` (apiFront). `GET /api/signals` is
 * not here: the app mounts `signalsHandler` as its own route behind the same middleware (dashboards/app.ts).
 */
export function apiRouter(deps: AppDeps, front: readonly RequestHandler[]): Router {
  const router = Router();
  for (const h of front) router.use(h);

  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(deps.version));
  });
  router.use(entitiesRouter(deps));
  router.use(sourcesRouter(deps));
  router.use(outagesRouter(deps));
  router.use(eventsRouter(deps));
  router.use(referenceRouter(deps));
  router.use(sourceEventsRouter(deps));
  router.use(collectRouter(deps));
  return router;
}
