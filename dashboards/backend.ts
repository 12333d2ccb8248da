import { AppError } from '../core/app-errors.js';
import type { CorrelatorSource } from '../services/correlator/assemble.js';
import type { AppDeps } from './deps.js';

/**
 * What a page or route that needs something a database lacks answers (issue 23): 503 saying so (JSON under /api, an
 * HTML page elsewhere), never a 500 or an empty page. docs/dashboard.md and docs/api.md list these pages and routes.
 */
export function notOnPostgres(deps: Partial<Pick<AppDeps, 'points'>>, what: string): AppError {
  return new AppError(
    'UNAVAILABLE',
    `${what} is not available on PostgreSQL in this version${deps.points ? ` (database ${deps.points.location})` : ''}; it works on a SQLite database (see docs/scale.md)`,
    { backend: 'postgres', notOnPostgres: true },
  );
}

/** The calendar, outage and reference repositories, or 503 when this database has none (PostgreSQL without them). */
export function repositories(deps: Pick<AppDeps, 'repos' | 'points'>, what: string): NonNullable<AppDeps['repos']> {
  if (deps.repos) return deps.repos;
  throw notOnPostgres(deps, what);
}

/**
 * What the correlator reads (the point store and the calendar, outage and reference repositories), on either
 * backend; 503 when this database has no repositories. The correlation caches are kept per `deps.points`.
 */
export function correlatorSource(deps: Pick<AppDeps, 'repos' | 'points'>, what: string): CorrelatorSource {
  const r = repositories(deps, what);
  return { points: deps.points, calendar: r.calendar, outages: r.outages, reference: r.reference };
}
