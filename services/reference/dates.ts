/** Date and time formats of the published outage lists. All results are Unix seconds UTC. */

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

export class DateFormatError extends Error {}

function utc(y: number, m: number, d: number, h = 0, mi = 0, s = 0): number {
  if (m < 1 || m > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) throw new DateFormatError('impossible date or time');
  const t = Date.UTC(y, m - 1, d, h, mi, s);
  const back = new Date(t);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== m - 1) throw new DateFormatError(`${y}-${m}-${d} does not exist`);
  return t / 1000;
}

/**
 * A day as the STOP sheets write it: ISO `2016-05-21` or the live sheet's `m/d/Y` (`5/21/2016`).
 * Text after a valid date (`4/1/2018 upon CAF visit`) is ignored. Returns 00:00 UTC of the day, or null
 * when the value holds no such date.
 */
export function parseDay(input: string): number | null {
  const s = input.trim();
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00)?(?:\.0+)?Z?)?(?=$|\s)/.exec(s);
  if (m) return utc(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?=$|\s)/.exec(s);
  if (m) return utc(Number(m[3]), Number(m[1]), Number(m[2]));
  return null;
}

/** A month as a STOP end date sometimes gives it (`April/2017 following …`): [first day, first day of the next month). */
export function parseMonth(input: string): [number, number] | null {
  const m = /^([A-Za-z]+)[/ ](\d{4})(?=$|\s)/.exec(input.trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[1]!.toLowerCase());
  if (month < 0) return null;
  const y = Number(m[2]);
  return [utc(y, month + 1, 1), month === 11 ? utc(y + 1, 1, 1) : utc(y, month + 2, 1)];
}

function hour12(h: number, ampm: string | undefined): number {
  if (!ampm) return h;
  // some rows write a 24-hour clock followed by PM ("17:00:00 PM"): the hour is then unambiguous
  if (h > 12) return h;
  const pm = ampm.toUpperCase() === 'PM';
  if (h === 12) return pm ? 12 : 0;
  return pm ? h + 12 : h;
}

/**
 * An instant in IODA's investigated-outages list (UTC): `Monday, February 1, 2021, 12:20:00 AM`, also without
 * seconds, and the `7/28/2020  17:00:00 PM` form some rows use. A weekday that contradicts the date is an error.
 */
export function parseIodaTime(input: string): number {
  const s = input.trim().replace(/\s+/g, ' ');
  if (!s || /^n\/?a$/i.test(s)) throw new DateFormatError(s ? 'N/A' : 'empty');
  let m = /^([A-Za-z]+),? ([A-Za-z]+) (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{1,2})(?::(\d{0,2}))? ?(AM|PM)?$/i.exec(s);
  if (m) {
    const month = MONTHS.indexOf(m[2]!.toLowerCase());
    if (month < 0) throw new DateFormatError(`unknown month "${m[2]}"`);
    const ts = utc(Number(m[4]), month + 1, Number(m[3]), hour12(Number(m[5]), m[8]), Number(m[6]), Number(m[7] || 0));
    const wd = WEEKDAYS.indexOf(m[1]!.toLowerCase());
    if (wd < 0) throw new DateFormatError(`unknown weekday "${m[1]}"`);
    const actual = new Date(ts * 1000).getUTCDay();
    if (wd !== actual)
      throw new DateFormatError(
        `${m[2]} ${m[3]}, ${m[4]} was a ${WEEKDAYS[actual]![0]!.toUpperCase()}${WEEKDAYS[actual]!.slice(1)}, not a ${m[1]}`,
      );
    return ts;
  }
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}),? (\d{1,2}):(\d{1,2})(?::(\d{0,2}))? ?(AM|PM)?$/i.exec(s);
  if (m) return utc(Number(m[3]), Number(m[1]), Number(m[2]), hour12(Number(m[4]), m[7]), Number(m[5]), Number(m[6] || 0));
  throw new DateFormatError('expected a time like "Monday, February 1, 2021, 12:20:00 AM"');
}

/** An instant or a day in a plain CSV: ISO 8601 (with or without time; without offset = UTC), `m/d/Y`, or Unix seconds. */
export function parseInstant(input: string): number | null {
  const s = input.trim();
  if (/^\d{9,11}$/.test(s)) return Number(s);
  const day = /^\d{4}-\d{1,2}-\d{1,2}$/.test(s) || /^\d{1,2}\/\d{1,2}\/\d{4}$/.test(s) ? parseDay(s) : null;
  if (day !== null) return day;
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return null;
  let ts = utc(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  const off = m[7];
  if (off && off !== 'Z') {
    const sign = off[0] === '-' ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    ts -= sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2)) * 60);
  }
  return ts;
}
