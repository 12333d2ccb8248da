/**
 * Worker thread for correlations (issue 17): a cold country correlation (1,000 events, B = 9,999) takes seconds,
 * so the dashboard computes it here and the server's event loop stays free. The worker opens no database (issue
 * 23): it is sent the inputs the main thread read through the store's interfaces (cache.ts), on either backend.
 * Messages: `{ id, job: EventJob | CountryJob }` → `{ id, value }` or `{ id, error: { code, message } }`.
 */
import { parentPort } from 'node:worker_threads';
import { AppError } from '../../core/app-errors.js';
import { computeCountry, computeEvent, type CountryJob, type EventJob } from './assemble.js';

parentPort?.on('message', (m: { id: number; job: EventJob | CountryJob }) => {
  try {
    const value = m.job.kind === 'event' ? computeEvent(m.job) : computeCountry(m.job);
    parentPort!.postMessage({ id: m.id, value });
  } catch (err) {
    const e = err as Error;
    parentPort!.postMessage({
      id: m.id,
      error: { code: err instanceof AppError ? err.code : null, message: e.message, stack: e.stack ?? null },
    });
  }
});
