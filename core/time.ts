import { DateTime } from 'luxon';

/** ISO 8601 UTC without milliseconds: `2016-05-20T18:00:00Z`. */
export function isoUtc(ts: number): string {
  return new Date(ts * 1000).toISOString().replace('.000Z', 'Z');
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export class TimeParseError extends Error {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`"${input}" is not a valid time: ${reason}`);
    this.name = 'TimeParseError';
  }
}

/**
 * Times on the command line and in API parameters:
 * - a date alone (`2016-05-21`) is 00:00 UTC of that day as a start, and the end of that UTC day
 *   (i.e. 00:00 UTC of the next day, exclusive) as an end;
 * - an ISO instant with an offset or `Z` is taken as given; one without an offset is read as UTC;
 * - digits alone are Unix seconds.
 */
export function parseTime(input: string, role: 'start' | 'end' = 'start'): number {
  const s = input.trim();
  if (/^-?\d{1,12}$/.test(s)) return Number(s);
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const d = DateTime.fromISO(s, { zone: 'utc' });
    if (!d.isValid) throw new TimeParseError(input, d.invalidExplanation ?? 'impossible date');
    return Math.floor((role === 'end' ? d.plus({ days: 1 }) : d).toSeconds());
  }
  const d = DateTime.fromISO(s, { zone: 'utc', setZone: true });
  if (!d.isValid) throw new TimeParseError(input, d.invalidExplanation ?? 'expected YYYY-MM-DD, an ISO 8601 instant or Unix seconds');
  return Math.floor(d.toSeconds());
}

/** Durations like `1d`, `36h`, `90m`, `45s`, `2w` → seconds. */
export function parseDuration(input: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(input.trim());
  if (!m) throw new TimeParseError(input, 'expected a duration such as 1d, 36h, 90m');
  const mult = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Math.round(Number(m[1]) * mult);
}
