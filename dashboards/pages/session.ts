/**
 * Admin sessions for the pages' forms. Logging in with the admin token (config.adminToken) sets an
 * HttpOnly, SameSite=Strict session cookie; every form that changes something carries a CSRF token
 * bound to the session (HMAC of the session id with a per-process secret) and is refused without it.
 * Sessions live in memory: a restart logs everybody out.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../../core/app-errors.js';
import { tokensMatch } from '../auth.js';
import { html, type SafeHtml } from '../html.js';

export const SESSION_COOKIE = 'ow_session';
const SESSION_SECONDS = 8 * 3600;
const MAX_SESSIONS = 1000;

export interface Sessions {
  /** Whether writes can be enabled at all (an admin token is configured). */
  enabled: boolean;
  checkToken(token: string): boolean;
  login(req: Request, res: Response): void;
  logout(req: Request, res: Response): void;
  isAdmin(req: Request): boolean;
  /** The CSRF token for the request's session ('' without one). */
  csrf(req: Request): string;
  /** Hidden input with the CSRF token, for forms. */
  csrfField(req: Request): SafeHtml;
  /** Middleware for POSTs: a valid session (401) and the session's CSRF token in `_csrf` (403). */
  requireAdmin: RequestHandler;
}

function sessionId(req: Request): string | null {
  const cookies = (req as Request & { cookies?: Record<string, unknown> }).cookies;
  const v = cookies?.[SESSION_COOKIE];
  return typeof v === 'string' && /^[A-Za-z0-9_-]{20,100}$/.test(v) ? v : null;
}

export function createSessions(adminToken: string | undefined, now: () => number = () => Math.floor(Date.now() / 1000)): Sessions {
  const secret = randomBytes(32);
  const live = new Map<string, number>(); // id → expiry (Unix seconds)
  const valid = (id: string | null): id is string => {
    if (!id) return false;
    const exp = live.get(id);
    if (exp === undefined) return false;
    if (exp <= now()) {
      live.delete(id);
      return false;
    }
    return true;
  };
  const tokenFor = (id: string) => createHmac('sha256', secret).update(id).digest('base64url');
  const csrf = (req: Request) => {
    const id = sessionId(req);
    return valid(id) ? tokenFor(id) : '';
  };
  const cookieOpts = (req: Request) => ({ httpOnly: true, sameSite: 'strict' as const, secure: req.secure, path: '/' });

  return {
    enabled: Boolean(adminToken),
    checkToken: (token) => Boolean(adminToken) && token.length > 0 && tokensMatch(token, adminToken!),
    login(req, res) {
      for (const [id, exp] of live) if (exp <= now()) live.delete(id);
      while (live.size >= MAX_SESSIONS) live.delete(live.keys().next().value!);
      const id = randomBytes(24).toString('base64url');
      live.set(id, now() + SESSION_SECONDS);
      res.cookie(SESSION_COOKIE, id, { ...cookieOpts(req), maxAge: SESSION_SECONDS * 1000 });
    },
    logout(req, res) {
      const id = sessionId(req);
      if (id) live.delete(id);
      res.clearCookie(SESSION_COOKIE, cookieOpts(req));
    },
    isAdmin: (req) => Boolean(adminToken) && valid(sessionId(req)),
    csrf,
    csrfField: (req) => html`<input type="hidden" name="_csrf" value="${csrf(req)}">`,
    requireAdmin(req, _res, next) {
      if (!adminToken) {
        next(new AppError('WRITES_DISABLED', 'writes are disabled: set OUTAGEWATCH_ADMIN_TOKEN (adminToken in the config) to allow them'));
        return;
      }
      const id = sessionId(req);
      if (!valid(id)) {
        next(new AppError('UNAUTHORIZED', 'log in with the admin token first (/login)'));
        return;
      }
      const body = req.body as Record<string, unknown> | undefined;
      const given = body && typeof body._csrf === 'string' ? body._csrf : '';
      if (!given || !tokensMatch(given, tokenFor(id))) {
        next(new AppError('FORBIDDEN', 'the form is missing its CSRF token or the token is not valid: reload the page and try again'));
        return;
      }
      next();
    },
  };
}
