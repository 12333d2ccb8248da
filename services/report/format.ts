/** Small formatting helpers shared by the report renderings. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m} min`;
}

export function signedDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  return `${seconds < 0 ? '−' : '+'}${duration(Math.abs(seconds))}`;
}

export function num(v: number | null, digits = 1): string {
  if (v === null || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits).replace(/\.0+$/, '');
}

export function pValue(p: number | null): string {
  if (p === null) return '—';
  if (p < 0.0001) return p.toExponential(1);
  return p.toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
}

/** A safe file name part: letters, digits, dot, dash, underscore only. */
export function fileSlug(text: string): string {
  return (
    text
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
      .slice(0, 80) || 'report'
  );
}

/** The cadence of data in words: 86400 → "daily", 3600 → "hourly", 300 → "5-minute". */
export function stepWord(step: number): string {
  if (step >= 86400 && step % 86400 === 0) return step === 86400 ? 'daily' : `${step / 86400}-day`;
  if (step >= 3600 && step % 3600 === 0) return step === 3600 ? 'hourly' : `${step / 3600}-hour`;
  if (step >= 60) return `${Math.round(step / 60)}-minute`;
  return `${step}-second`;
}

const MONTH = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const dayText = (d: Date) => `${d.getUTCDate()} ${MONTH[d.getUTCMonth()]} ${d.getUTCFullYear()}`;

/**
 * When something began, no more precisely than the data allows: "on 20 May 2016 (daily data)",
 * "at 17:30 UTC on 16 Nov 2019 (hourly data)", "at 14:25 UTC on 5 Jan 2022 (5-minute data)".
 */
export function onsetText(o: { time: string; precision: 'day' | 'hour' | 'minute'; stepSeconds: number }): string {
  const d = new Date(o.time);
  if (o.precision === 'day') return `on ${dayText(d)} (${stepWord(o.stepSeconds)} data)`;
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `at ${hh}:${mm} UTC on ${dayText(d)} (${stepWord(o.stepSeconds)} data)`;
}

/** Onset relative to the event start at the precision of the data: "1 d 21 h after the event start", "the day after". */
export function relativeOnset(seconds: number, precision: 'day' | 'hour' | 'minute'): string {
  if (precision === 'day') {
    const days = Math.round(seconds / 86400);
    if (days === 0) return 'the day the event began';
    return `${Math.abs(days)} day${Math.abs(days) === 1 ? '' : 's'} ${days < 0 ? 'before' : 'after'} the event start`;
  }
  return `${duration(Math.abs(seconds))} ${seconds < 0 ? 'before' : 'after'} the event start`;
}

/** "lost 97 % of normal for 82 h" */
export function lostText(lostPercent: number, hours: number): string {
  const h = hours >= 48 ? `${Math.round(hours)} h` : `${num(hours)} h`;
  return `lost ${Math.round(lostPercent)} % of normal for ${h}`;
}

export { rateText } from '../detector/json.js';

/** A chart's title: label, unit and source ("Connectivity index (index 0–100) — Monash IP Observatory"). */
export function chartTitle(s: { label: string; unit: string | null; sourceName: string }): string {
  return `${s.label}${s.unit ? ` (${s.unit})` : ''} — ${s.sourceName}`;
}
