import type { Request } from 'express';
import { parseEntity, EntityRefError } from '../../db/entities.js';
import { badParameter } from '../../core/app-errors.js';
import { parseTime, TimeParseError } from '../../core/time.js';

/**
 * Query-parameter readers for the API: each returns the typed value or throws a 400 naming the parameter.
 * A parameter given twice (`?from=a&from=b`) is a 400 too, never silently the first or last.
 */
export function single(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badParameter(name, 'give it once, as a plain value');
  return v;
}

const ISO_UTC = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/;

/** ISO 8601 UTC instant, a date (`2016-05-21`) or Unix seconds. */
export function timeParam(req: Request, name: string, role: 'start' | 'end'): number | undefined {
  const v = single(req, name);
  if (v === undefined || v === '') return undefined;
  // fast path for the form clients send most (full UTC instants); everything else goes through parseTime
  if (ISO_UTC.test(v)) {
    const ms = Date.parse(v);
    // Date.parse rolls 2016-02-30 over to March: accept only dates that read back the same
    if (Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 19) === v.slice(0, 19)) return Math.floor(ms / 1000);
  }
  try {
    return parseTime(v, role);
  } catch (err) {
    if (err instanceof TimeParseError) throw badParameter(name, `"${v}" is not a time: use ISO 8601 (2016-05-21T00:00:00Z), a date (2016-05-21) or Unix seconds`);
    throw err;
  }
}

/** `from`/`until` together, checked for order. */
export function rangeParams(req: Request): { from?: number; until?: number } {
  const from = timeParam(req, 'from', 'start');
  const until = timeParam(req, 'until', 'end');
  if (from !== undefined && until !== undefined && until <= from) throw badParameter('until', 'must be after from');
  return { from, until };
}

export function entityParam(req: Request, name: string, required: true): string;
export function entityParam(req: Request, name: string, required?: false): string | undefined;
export function entityParam(req: Request, name: string, required = false): string | undefined {
  const v = single(req, name);
  if (v === undefined || v === '') {
    if (required) throw badParameter(name, 'required, e.g. country:KZ');
    return undefined;
  }
  try {
    const e = parseEntity(v);
    return `${e.type}:${e.code}`;
  } catch (err) {
    if (err instanceof EntityRefError) throw badParameter(name, err.message);
    throw err;
  }
}

export function countryParam(req: Request, name = 'country'): string | undefined {
  const v = single(req, name);
  if (v === undefined || v === '') return undefined;
  if (!/^[A-Za-z]{2}$/.test(v)) throw badParameter(name, `"${v}" is not a two-letter country code (ISO 3166-1 alpha-2)`);
  return v.toUpperCase();
}

export function intParam(req: Request, name: string, opts: { min: number; max: number; default: number }): number {
  const v = single(req, name);
  if (v === undefined || v === '') return opts.default;
  if (!/^\d+$/.test(v)) throw badParameter(name, `"${v}" is not a whole number`);
  const n = Number(v);
  if (n < opts.min || n > opts.max) throw badParameter(name, `must be between ${opts.min} and ${opts.max}`);
  return n;
}

export function enumParam<T extends string>(req: Request, name: string, values: readonly T[]): T | undefined {
  const v = single(req, name);
  if (v === undefined || v === '') return undefined;
  if (!(values as readonly string[]).includes(v)) throw badParameter(name, `"${v}" is not one of ${values.join(', ')}`);
  return v as T;
}

/** Comma-separated list (`signals=ioda.bgp,ooni.anomaly_rate:facebook.com`). */
export function listParam(req: Request, name: string): string[] | undefined {
  const v = single(req, name);
  if (v === undefined || v.trim() === '') return undefined;
  return [...new Set(v.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
}

/** A path id: numeric ids (outages) must be whole numbers. */
export function numericId(value: string | undefined, name = 'id'): number {
  if (value === undefined || !/^\d{1,15}$/.test(value)) throw badParameter(name, `"${value ?? ''}" is not a numeric id`);
  return Number(value);
}
