import axios from 'axios';
import type { Logger } from 'pino';
import type { AlertRepository } from '../../db/repositories.js';
import { nowSeconds } from '../../core/time.js';

export interface DeliverOptions {
  /** Attempts per call (with exponential backoff between them). */
  attempts: number;
  /** First backoff, in milliseconds; doubled after each failure. */
  backoffMs: number;
  /** Request timeout, in milliseconds. */
  timeoutMs: number;
  /** A delivery that failed this many attempts in total is given up ('failed'). */
  maxTotalAttempts?: number;
  log?: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  userAgent?: string;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** 4xx other than 408 and 429 will not get better by retrying. */
const permanent = (status: number | undefined) => status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;

/**
 * POSTs every due pending delivery as JSON, retrying with exponential backoff on network errors, 5xx,
 * 408 and 429. A delivery is marked 'sent' on the first 2xx and never sent again; one that still fails
 * stays pending for the next call (a later collection) until `maxTotalAttempts`, then 'failed'.
 */
export async function deliverPending(
  alerts: AlertRepository,
  opts: DeliverOptions,
): Promise<{ sent: number; failed: number; pending: number }> {
  const now = opts.now ?? nowSeconds;
  const sleep = opts.sleep ?? defaultSleep;
  const maxTotal = opts.maxTotalAttempts ?? opts.attempts * 5;
  const result = { sent: 0, failed: 0, pending: 0 };
  for (const d of await alerts.dueDeliveries(now())) {
    let attempts = d.attempts;
    let lastError = '';
    let done = false;
    let giveUp = false;
    for (let a = 0; a < opts.attempts && attempts < maxTotal; a++) {
      if (a > 0) await sleep(opts.backoffMs * 2 ** (a - 1));
      attempts++;
      try {
        const res = await axios.post(d.url, d.payload, {
          timeout: opts.timeoutMs,
          headers: { 'content-type': 'application/json', 'user-agent': opts.userAgent ?? 'outagewatch (webhook)' },
          validateStatus: () => true,
          maxRedirects: 0,
        });
        if (res.status >= 200 && res.status < 300) {
          done = true;
          break;
        }
        lastError = `HTTP ${res.status}`;
        if (permanent(res.status)) {
          giveUp = true;
          break;
        }
      } catch (err) {
        lastError = (err as Error).message || String(err);
      }
      opts.log?.warn({ url: d.url, attempt: attempts, error: lastError }, 'webhook delivery failed');
    }
    if (done) {
      await alerts.markDelivered(d.id, attempts, now());
      opts.log?.info({ url: d.url, change: d.changeId, attempts }, 'webhook delivered');
      result.sent++;
    } else if (giveUp || attempts >= maxTotal) {
      await alerts.markAttemptFailed(d.id, attempts, lastError, null);
      opts.log?.error({ url: d.url, change: d.changeId, attempts, error: lastError }, 'webhook delivery given up');
      result.failed++;
    } else {
      await alerts.markAttemptFailed(d.id, attempts, lastError, now() + Math.ceil((opts.backoffMs * 2 ** opts.attempts) / 1000));
      result.pending++;
    }
  }
  return result;
}

/** Delivers what is due with the settings of `detector.alerts` (no-op without webhooks configured). */
export async function deliverConfigured(
  repo: AlertRepository,
  alerts: { attempts: number; backoff: number; timeout: number },
  log?: Logger,
  version?: string,
) {
  return deliverPending(repo, {
    attempts: alerts.attempts,
    backoffMs: alerts.backoff * 1000,
    timeoutMs: alerts.timeout * 1000,
    log,
    userAgent: `outagewatch${version ? `/${version}` : ''} (webhook)`,
  });
}
