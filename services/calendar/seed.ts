import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { packageRoot } from '../../core/package-root.js';
import { nowSeconds } from '../../core/time.js';
import type { CalendarRepository } from '../../db/repositories.js';
import { planChangesIn, type PlannedChange } from './apply.js';
import { emitCalendarChange } from './events.js';
import { arrayElementLines } from './importers/json-lines.js';
import type { ProtestEvent } from '../../core/calendar.js';
import { formatRowError, validateEvent, type RowError } from './validate.js';

/** Where the seed lives, relative to the package root (also the events' origin file). */
export const SEED_FILE = 'db/seeds/calendar.json';

export interface SeedResult {
  total: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Seed ids whose row belongs to the user (imported or added by hand): left alone. */
  keptUser: string[];
  /** The seed hash now recorded. */
  hash: string;
}

export class SeedError extends Error {}

interface SeedEntry {
  id?: unknown;
  title?: unknown;
  country?: unknown;
  region?: unknown;
  start?: unknown;
  end?: unknown;
  timezone?: unknown;
  kind?: unknown;
  sources?: unknown;
  notes?: unknown;
}

/** Tags read off the notes, so that controls and doubtful facts can be filtered. */
export function seedTags(notes: string): string[] {
  const tags: string[] = [];
  if (/positive control/i.test(notes)) tags.push('positive-control');
  if (/negative[- ]control/i.test(notes)) tags.push('negative-control');
  if (/\b(UNVERIFIED|UNCERTAIN)\b/.test(notes)) tags.push('unverified');
  return tags;
}

export function readSeedText(path = join(packageRoot(), SEED_FILE)): string {
  return readFileSync(path, 'utf8');
}

/** Parses and validates the seed; a bad seed is a programming error (SeedError listing every problem). */
export function parseSeed(text: string, file = SEED_FILE): ProtestEvent[] {
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (e) {
    throw new SeedError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(entries)) throw new SeedError(`${file}: expected an array of events`);
  const lines = arrayElementLines(text);
  const events: ProtestEvent[] = [];
  const errors: RowError[] = [];
  entries.forEach((raw, i) => {
    const s = (raw ?? {}) as SeedEntry;
    const notes = typeof s.notes === 'string' ? s.notes : '';
    const v = validateEvent(
      {
        line: lines[i] ?? 1,
        raw: {
          id: s.id,
          title: s.title,
          country: s.country,
          places: s.region,
          start: s.start,
          end: s.end,
          tz: s.timezone,
          kind: s.kind,
          sources: s.sources,
          notes: s.notes,
          tags: seedTags(notes),
        },
        fieldNames: { places: 'region', tz: 'timezone' },
      },
      { file, origin: 'seed' },
    );
    if (v.ok) {
      if (v.event.sources.length === 0)
        errors.push({ file, line: lines[i] ?? 1, field: 'sources', reason: 'every seed event needs a source URL' });
      else events.push(v.event);
    } else for (const item of v.errors) errors.push(item);
  });
  if (errors.length) throw new SeedError(`invalid calendar seed:\n${errors.map(formatRowError).join('\n')}`);
  return events;
}

export function seedHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function seedResult(plan: readonly PlannedChange[], total: number, hash: string, log?: Logger): SeedResult {
  const conflicts = plan.filter((c) => c.action === 'conflict');
  const result: SeedResult = {
    total,
    inserted: plan.filter((c) => c.action === 'insert').length,
    updated: plan.filter((c) => c.action === 'update').length,
    unchanged: plan.filter((c) => c.action === 'unchanged').length,
    keptUser: [...plan.filter((c) => c.action === 'kept'), ...conflicts].map((c) => c.event.id),
    hash,
  };
  log?.info({ ...result, keptUser: result.keptUser.length ? result.keptUser : undefined }, 'calendar seed loaded');
  emitCalendarChange({
    cause: 'seed',
    added: plan.filter((c) => c.action === 'insert').map((c) => c.event.id),
    updated: plan.filter((c) => c.action === 'update').map((c) => c.event.id),
    removed: [],
  });
  return result;
}

/**
 * Loads the built-in seed through the calendar repository of either backend (`outagewatch calendar seed`, the
 * daemon's start, the demo): inserts missing seed events, updates seed rows whose facts changed, and never touches
 * an event that belongs to the user (imported or added by hand), even with the same id or the same title and day.
 * One transaction. `text` overrides the seed file (tests).
 */
export async function seedCalendarRepository(
  calendar: CalendarRepository,
  log?: Logger,
  opts: { text?: string; now?: number } = {},
): Promise<SeedResult> {
  const text = opts.text ?? readSeedText();
  const events = parseSeed(text);
  const hash = seedHash(text);
  const plan = await planChangesIn(calendar, events, (existing) => existing.origin !== 'seed');
  const write = plan.filter((c) => c.action === 'insert' || c.action === 'update').map((c) => c.event);
  await calendar.upsertEvents(write, opts.now ?? nowSeconds(), { seed_hash: hash });
  return seedResult(plan, events.length, hash, log);
}

/**
 * Daemon start: loads the seed on first start and whenever the seed file changed since it was last
 * loaded (so an event the user removed stays removed until then). Returns null when nothing to do.
 */
export async function seedCalendarIfChanged(calendar: CalendarRepository, log?: Logger): Promise<SeedResult | null> {
  const text = readSeedText();
  if ((await calendar.getMeta('seed_hash')) === seedHash(text)) {
    log?.debug('calendar seed already loaded');
    return null;
  }
  return seedCalendarRepository(calendar, log, { text });
}
