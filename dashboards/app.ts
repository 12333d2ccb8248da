import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { join } from 'node:path';
import { packageRoot } from '../core/package-root.js';
import { completeDeps, type AppDeps, type AppInput } from './deps.js';
import { errorHandler, notFoundHandler, requestLogger } from './errors.js';
import { DbWatch } from './db-watch.js';
import { health, healthHttpStatus } from './health.js';
import { html, layout } from './html.js';
import { createMetrics } from './metrics.js';
import { setListingSnapshot } from './csv.js';
import { apiFront, apiRouter } from './api/index.js';
import { signalsHandler } from './api/signals.js';
import { apiOptions } from './api/options.js';
import { clientLimiter, rangeLimit } from './limits.js';
import { pagesRouter } from './pages/index.js';
import { warmTimeFormatters } from './pages/common.js';
import { reportsRouter } from './reports.js';

export type { AppDeps, AppInput } from './deps.js';

/**
 * Builds the Express app without listening (tests use it directly; `server.ts` listens). On SQLite the point store
 * may be left out (the SQLite connection is wrapped); on PostgreSQL `points` is the store and `store` is absent.
 */
export function createApp(given: AppInput): Express {
  const filled = completeDeps(given);
  const deps: AppDeps = { ...filled, dbWatch: given.dbWatch ?? new DbWatch(given.store ?? null) };
  const watch = deps.dbWatch!;
  // one-time luxon/ICU set-up now, not inside the first request that shows a time
  warmTimeFormatters();
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // `upgrade-insecure-requests` only when the page itself came over HTTPS (or `api.upgradeInsecureRequests` says
  // a TLS proxy is in front): over plain HTTP by a host name other than localhost it makes the browser ask for
  // the CSS and JavaScript over https, which fails, leaving an unstyled page without charts
  const directives = {
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'frame-ancestors': ["'none'"],
  };
  const secureHeaders = helmet({ contentSecurityPolicy: { useDefaults: true, directives }, crossOriginEmbedderPolicy: false });
  const plainHeaders = helmet({
    contentSecurityPolicy: { useDefaults: true, directives: { ...directives, 'upgrade-insecure-requests': null } },
    crossOriginEmbedderPolicy: false,
  });
  const forceUpgrade = apiOptions(deps.config).upgradeInsecureRequests;
  const securityHeaders: RequestHandler = (req, res, next) => (req.secure || forceUpgrade ? secureHeaders : plainHeaders)(req, res, next);
  const metrics = createMetrics(deps);
  const logRequests = requestLogger(deps.log);
  const limits = apiOptions(deps.config);
  // no request may ask for more than api.maxRangeDays of data (API and pages)
  const range = rangeLimit(limits.maxRangeDays, () => (deps.now ? deps.now() : Math.floor(Date.now() / 1000)));
  const front = apiFront(deps);
  // GET /api/signals (every chart, issue 21): the middleware any API request passes, called in a row as one route
  // instead of walking the app's stack and the API router (the statics, the page limiter, which skips /api, and the
  // other routes do not apply to it); the same instances, so the rate limiter counts it with every API request
  app.get(
    '/api/signals',
    securityHeaders,
    metrics.middleware,
    logRequests,
    range,
    ...front,
    signalsHandler(deps, { cacheEntries: limits.cacheEntries }),
  );
  app.use(securityHeaders);
  // listings streamed page by page (sendListingAsync) read inside one snapshot of this database (dashboards/csv.ts)
  setListingSnapshot(app, (fn) => deps.points.readSnapshot(fn));
  app.use(metrics.middleware);
  app.use(logRequests);
  app.use('/static', express.static(join(packageRoot(), 'dashboards', 'public'), { maxAge: '1h', index: false }));
  // the chart library, from node_modules (no CDN)
  app.use('/static/vendor/uplot', express.static(join(packageRoot(), 'node_modules', 'uplot', 'dist'), { maxAge: '1h', index: false }));
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });

  app.get('/metrics', metrics.handler);
  app.get('/api/health', async (_req, res) => {
    const now = deps.now ? deps.now() : Math.floor(Date.now() / 1000);
    await watch.ensureFresh(now);
    const h = await health(deps, watch);
    res.set('Cache-Control', 'no-store').status(healthHttpStatus(h)).json(h);
  });

  // pages are rate-limited per client like the API (which has its own limiter); assets, health and metrics are not
  const pageLimit = clientLimiter({
    ...limits.pageRateLimit,
    what: 'page requests',
    skip: (path) => /^\/(api|static|metrics|favicon\.ico)(\/|$)/.test(path),
  });
  if (pageLimit) app.use(pageLimit);
  app.use(range);

  app.get('/status', async (_req, res) => {
    await watch.ensureFresh(deps.now ? deps.now() : Math.floor(Date.now() / 1000));
    const h = await health(deps, watch);
    res.status(healthHttpStatus(h));
    const rows = h.collectors.map(
      (c) =>
        html`<tr><td>${c.name}</td><td class="status-${c.state === 'ok' ? 'ok' : c.state === 'failing' ? 'failed' : 'warn'}">${c.state}${c.disabledReason ? html` — ${c.disabledReason}` : ''}${c.noData.length ? html` · no data from the source for ${c.noData.length} range(s), newest ${c.noData[0]!.entity} ${c.noData[0]!.signal} ${c.noData[0]!.from} – ${c.noData[0]!.until}` : ''}</td><td>${c.lastRun?.startedAt ?? 'never'}</td><td>${c.lastSuccessAt ?? '—'}</td><td>${c.lastError ? html`${c.lastError.at}: ${c.lastError.message}` : '—'}</td></tr>`,
    );
    res.type('html').send(
      layout(
        'Status',
        html`<h1>Status</h1>
<p class="status-${h.status === 'ok' ? 'ok' : h.status === 'down' ? 'failed' : 'warn'}">Overall: <strong>${h.status}</strong></p>
${h.reasons.length ? html`<ul class="health-reasons">${h.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : ''}
<p>outagewatch ${h.version} · database <code>${h.database.path}</code> (${h.database.engine}, ${(h.database.sizeBytes / 1e6).toFixed(1)} MB, schema ${h.database.schemaVersion}) · ${h.time}</p>
<h2>Collectors</h2>
${h.collectors.length === 0 ? html`<p class="muted">No collectors registered.</p>` : html`<table><thead><tr><th scope="col">Collector</th><th scope="col">State</th><th scope="col">Last run</th><th scope="col">Last success</th><th scope="col">Last error</th></tr></thead><tbody>${rows}</tbody></table>`}
<p><a href="/api/health">JSON</a></p>`,
      ),
    );
  });
  app.use('/api', apiRouter(deps, front));
  app.use(reportsRouter(deps));
  // pages, including the overview at `/`
  app.use(pagesRouter(deps));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.log, (err, path) => watch.noteError(err, path, deps.now ? deps.now() : undefined)));
  return app;
}
