import { AppError } from '../core/app-errors.js';
import type { SqliteStore } from '../db/store.js';
import type { CorrelatorSource } from '../services/correlator/assemble.js';
import type { AppDeps } from './deps.js';

/**
 * The SQLite connection of a page or route that is not converted to the backend-neutral interfaces yet (issue 23):
 * on PostgreSQL it answers 503 saying so (JSON under /api, an HTML page elsewhere), never a 500 or an empty page.
 * docs/dashboard.md and docs/api.md list these pages and routes.
 */
export function sqliteStore(deps: Pick<AppDeps, 'store'> & Partial<Pick<AppDeps, 'points'>>, what: string): SqliteStore {
  if (deps.store) return deps.store;
  throw notOnPostgres(deps, what);
}

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
 * What the correlator reads (services/correlator/assemble.ts): the point store and the repositories of this app.
 * The correlation pages and routes still answer 503 on PostgreSQL until they are converted (`sqliteStore` guard).
 */
export function correlatorSource(deps: Pick<AppDeps, 'store' | 'points' | 'repos'>, what: string): CorrelatorSource {
  sqliteStore(deps, what);
  return { points: deps.points, ...repositories(deps, what) };
}
