import cliProgress from 'cli-progress';
import type { Logger } from 'pino';
import type { CollectProgress } from '../../collectors/types.js';

/**
 * Progress on long work (a collect over months, a daemon backfill). On a TTY: a progress bar with
 * windows done/total, points, errors and ETA. Otherwise (pipes, CI, the daemon's logs): one log line
 * every `intervalSeconds`, plus a final one.
 */
export interface ProgressReporterOptions {
  label: string;
  /** Where the bar is drawn (default process.stderr); a bar only when it is a TTY. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  log: Logger;
  /** `auto` (bar on a TTY, log lines otherwise), `bar`, `log`, or `off`. Default auto. */
  mode?: 'auto' | 'bar' | 'log' | 'off';
  /** Seconds between log lines (default 10). */
  intervalSeconds?: number;
  /** Clock in milliseconds (injected in tests). */
  now?: () => number;
}

export interface ProgressReporter {
  /** Pass as the collector's `onProgress`. */
  onProgress(p: CollectProgress): void;
  /** Ends the bar / writes the final log line. Idempotent. */
  done(): void;
  /** The last progress seen (null before any). */
  last(): CollectProgress | null;
}

/** Seconds left at the observed rate (null until one window is done). */
export function etaSeconds(p: CollectProgress, elapsedMs: number): number | null {
  if (p.windowsDone <= 0 || p.windowsTotal <= p.windowsDone) return p.windowsTotal > 0 && p.windowsDone >= p.windowsTotal ? 0 : null;
  const per = elapsedMs / p.windowsDone;
  return Math.round((per * (p.windowsTotal - p.windowsDone)) / 1000);
}

export function formatSeconds(s: number | null): string {
  if (s === null) return '?';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function createProgressReporter(opts: ProgressReporterOptions): ProgressReporter {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? Date.now;
  const mode = opts.mode === 'auto' || opts.mode === undefined ? (stream.isTTY === true ? 'bar' : 'log') : opts.mode;
  const interval = (opts.intervalSeconds ?? 10) * 1000;
  const started = now();
  let lastLog = -Infinity;
  let last: CollectProgress | null = null;
  let finished = false;
  let bar: cliProgress.SingleBar | null = null;

  const logLine = (p: CollectProgress, final: boolean) => {
    const eta = etaSeconds(p, now() - started);
    opts.log.info(
      {
        label: opts.label,
        windowsDone: p.windowsDone,
        windowsTotal: p.windowsTotal,
        points: p.points,
        errors: p.errors,
        etaSeconds: final ? 0 : eta,
      },
      `${opts.label}: ${p.windowsDone}/${p.windowsTotal} windows, ${p.points} points, ${p.errors} errors${final ? ', done' : `, ETA ${formatSeconds(eta)}`}`,
    );
    lastLog = now();
  };

  return {
    onProgress(p) {
      if (finished) return;
      last = { ...p };
      if (mode === 'off') return;
      if (mode === 'bar') {
        const payload = { points: p.points, errors: p.errors };
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              stream,
              format: `${opts.label} [{bar}] {percentage}% | {value}/{total} windows | {points} points | {errors} errors | ETA {eta_formatted}`,
              hideCursor: false,
              clearOnComplete: false,
              etaBuffer: 20,
              fps: 5,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(p.windowsTotal, p.windowsDone, payload);
        } else {
          if (bar.getTotal() !== p.windowsTotal) bar.setTotal(p.windowsTotal);
          bar.update(p.windowsDone, payload);
        }
        return;
      }
      if (now() - lastLog >= interval) logLine(p, false);
    },
    done() {
      if (finished) return;
      finished = true;
      if (bar) {
        bar.stop();
        bar = null;
      } else if (mode === 'log' && last) {
        logLine(last, true);
      }
    },
    last: () => last,
  };
}
