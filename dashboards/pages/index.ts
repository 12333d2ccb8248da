import { Router } from 'express';
import cookieParser from 'cookie-parser';
import type { AppDeps } from '../deps.js';
import { calendarRouter } from './calendar.js';
import { countryRouter } from './country.js';
import { eventRouter } from './event.js';
import { outagesRouter } from './outages.js';
import { overviewRouter } from './overview.js';
import { referenceRouter } from './reference.js';
import { createSessions } from './session.js';
import { sourcesRouter } from './sources.js';

/** Server-rendered pages (one module per page); the admin session is shared by the calendar forms. */
export function pagesRouter(deps: AppDeps): Router {
  const router = Router();
  const sessions = createSessions(deps.config.adminToken, deps.now);
  router.use(cookieParser());
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(overviewRouter(deps));
  router.use(eventRouter(deps));
  router.use(countryRouter(deps));
  router.use(outagesRouter(deps));
  router.use(calendarRouter(deps, sessions));
  router.use(referenceRouter(deps));
  router.use(sourcesRouter(deps));
  return router;
}
