import { Router } from 'express';
import type { AppDeps } from '../deps.js';

/** Server-rendered pages. */
export function pagesRouter(_deps: AppDeps): Router {
  const router = Router();
  return router;
}
