import { DateTime } from 'luxon';

const pad2 = (x: number): string => (x < 10 ? `0${x}` : `${x}`);

/** ISO 8601 UTC without milliseconds: `2016-05-20T18:00:00Z`. */
export function isoUtc(ts: number): string {
  // whole seconds in years 0000–9999 (every stored time): computed here, as `toISOString` writes it (a detection
  // writes tens of thousands of these); anything else through `Date`
  if (!Number.isInteger(ts) || ts < -62167219200 || ts >= 253402300800) return new Date(ts * 1000).toISOString().replace('.000Z', 'Z');
  const day = Math.floor(ts / 86400);
  const sec = ts - day * 86400;
  // the civil date of a day number (days since 1970-01-01, proleptic Gregorian)
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const yyyy = y < 10 ? `000${y}` : y < 100 ? `00${y}` : y < 1000 ? `0${y}` : `${y}`;
  const h = Math.floor(sec / 3600);
  const mi = Math.floor((sec - h * 3600) / 60);
  return `${yyyy}-${pad2(m)}-${pad2(d)}T${pad2(h)}:${pad2(mi)}:${pad2(sec - h * 3600 - mi * 60)}Z`;
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
