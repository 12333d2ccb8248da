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

/**
 * Where this dashboard writes (the calendar forms, the events API's writes, `POST /api/collect`), or 503 saying
 * why it cannot: on SQLite only the process holding the database's writer (`start`, `start --no-collect`) writes
 * (docs/scale.md, "Dashboard writes").
 */
export function writable(deps: Pick<AppDeps, 'writes' | 'points'>): NonNullable<AppDeps['writes']> {
  if (deps.writes) return deps.writes;
  throw new AppError(
    'UNAVAILABLE',
    deps.points.backend === 'sqlite'
      ? 'this server has no writable database connection: on a SQLite database the dashboard writes through the daemon (`outagewatch start`, or `start --no-collect`); `serve` and a file this user cannot write are read-only — edit the calendar with `outagewatch calendar add|import|remove` meanwhile'
      : 'this server was started without a writable database connection',
    { backend: deps.points.backend },
  );
}
