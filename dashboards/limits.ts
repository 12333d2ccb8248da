import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { AppError, badParameter } from '../core/app-errors.js';
import { countCountryEvents } from '../services/correlator/assemble.js';
import type { AppDeps } from './deps.js';
import { apiOptions } from './api/options.js';
import { parseParams, rangeTimes } from './api/schema.js';
import { repositories, sqliteStore } from './backend.js';

/** What a PostgreSQL database cannot serve here yet (answered with 503, never a 500 or an empty page). */
const WHAT = 'The correlation';

const DAY = 86400;

/**
 * Bounds the range one request may ask for: with `from` given, `until` (or now) − `from` must be at most
 * `maxDays`; otherwise a 400 naming the parameter and the limit (`api.maxRangeDays`). Applies to the API and
 * the pages alike, before any work is done.
 */
export function rangeLimit(maxDays: number, now: () => number): RequestHandler {
  return (req, _res, next) => {
    const q = req.query as Record<string, unknown>;
    if (q.from === undefined && q.until === undefined) {
      next();
      return;
    }
    let from: number | undefined;
    let until: number | undefined;
    try {
      ({ from, until } = parseParams(rangeTimes, req.query));
    } catch (err) {
      next(err);
      return;
    }
    if (from === undefined) {
      next();
      return;
    }
    const end = until ?? Math.max(now(), from);
    if (end - from > maxDays * DAY) {
      next(
        badParameter(
          until === undefined ? 'from' : 'until',
          `the range is ${Math.ceil((end - from) / DAY)} days, longer than the limit of ${maxDays} days (api.maxRangeDays): ask for a shorter range`,
        ),
      );
      return;
    }
    next();
  };
}

/** A per-client limiter answering 429 through the app's error handler (JSON under /api, a page elsewhere). */
export function clientLimiter(opts: {
  windowSeconds: number;
  max: number;
  what: string;
  skipSuccessfulRequests?: boolean;
  skip?: (path: string) => boolean;
}): RequestHandler | null {
  if (opts.max === 0) return null;
  return rateLimit({
    windowMs: opts.windowSeconds * 1000,
    limit: opts.max,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skipSuccessfulRequests: opts.skipSuccessfulRequests ?? false,
    ...(opts.skip ? { skip: (req) => opts.skip!(req.path) } : {}),
    handler: (_req, res, next) => {
      next(
        new AppError(
          'RATE_LIMITED',
          `too many ${opts.what}: at most ${opts.max} per ${opts.windowSeconds} s per client; retry after ${res.get('Retry-After') ?? opts.windowSeconds} s`,
        ),
      );
    },
  });
}

/**
 * Bounds the events one request may correlate or list (`api.maxEvents`): counts the country's calendar events
 * in the range (a count, before any work) and throws a 400 naming the limit when there are more. `param` is
 * the parameter the user can narrow (the range's `from`, or `country` when no range was given).
 */
export async function checkEventLimit(
  deps: Pick<AppDeps, 'store' | 'points' | 'repos' | 'config'>,
  country: string | undefined,
  range: { from?: number; until?: number } = {},
): Promise<void> {
  sqliteStore(deps, WHAT); // the correlation pages and routes: SQLite only until they are converted
  return checkEventLimitAsync(deps, country, range);
}

/** `checkEventLimit` on either backend (the count through the calendar repository). */
export async function checkEventLimitAsync(
  deps: Pick<AppDeps, 'store' | 'points' | 'repos' | 'config'>,
  country: string | undefined,
  range: { from?: number; until?: number } = {},
): Promise<void> {
  eventLimit(deps, country, range, await countCountryEvents(repositories(deps, 'The calendar'), country, range));
}

function eventLimit(deps: Pick<AppDeps, 'config'>, country: string | undefined, range: { from?: number }, n: number): void {
  const max = apiOptions(deps.config).maxEvents;
  if (n > max) {
    const param = range.from !== undefined ? 'from' : 'country';
    throw badParameter(
      param,
      `${country ? country.toUpperCase() : 'the calendar'} has ${n} calendar events in the range, more than the limit of ${max} per request (api.maxEvents): ask for a shorter range`,
    );
  }
}
