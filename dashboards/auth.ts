import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../core/app-errors.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison of two secrets of any length (both are hashed to 32 bytes first). */
export function tokensMatch(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Guards a write: `Authorization: Bearer <adminToken>`. Without a configured token writes are off
 * (403); a missing or wrong token is 401 with `WWW-Authenticate: Bearer`.
 */
export function requireAdmin(adminToken: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (!adminToken) {
      next(new AppError('WRITES_DISABLED', 'writes are disabled: set OUTAGEWATCH_ADMIN_TOKEN (adminToken in the config) to allow them'));
      return;
    }
    const header = req.get('authorization') ?? '';
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!m || !tokensMatch(m[1]!, adminToken)) {
      res.set('WWW-Authenticate', 'Bearer realm="outagewatch"');
      next(new AppError('UNAUTHORIZED', m ? 'the bearer token is not valid' : 'this request needs Authorization: Bearer <admin token>'));
      return;
    }
    next();
  };
}
