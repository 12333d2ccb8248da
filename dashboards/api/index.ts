import { Router } from 'express';
import type { AppDeps } from '../deps.js';

/** The JSON API under /api (health is mounted by the app itself). */
export function apiRouter(_deps: AppDeps): Router {
  const router = Router();
  return router;
}
