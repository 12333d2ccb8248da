import type { EventKind, ProtestEvent } from '../../../core/calendar.js';
import type { Candidate, RowError } from '../validate.js';

export const IMPORT_FORMATS = ['acled', 'csv', 'json', 'ics'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImporterOptions {
  /** The file as named in messages and kept as the events' origin. */
  file: string;
  /** Zone for rows that give none (default: from coordinates, else the country's primary zone). */
  tz?: string;
  /** Country for formats that may not carry one (iCalendar). */
  country?: string;
  /** Kind for rows that give none (default `other`; ACLED: protest/unrest from event_type). */
  kind?: EventKind;
  /** ACLED: merge rows of one country and day into one event (default true). */
  merge?: boolean;
  /** Plain CSV: model field → column name. */
  map?: Record<string, string>;
}

/** What an importer hands to the shared validation step. */
export interface ParsedInput {
  /** Data rows seen (header and blank lines excluded). */
  rows: number;
  /** Rows deliberately not imported (e.g. ACLED event types other than Protests/Riots). */
  skipped: number;
  candidates: Candidate[];
  /** Errors found while reading (file structure, columns, format-specific fields). */
  errors: RowError[];
  /** Format-specific step after validation (ACLED: merge rows of one country and day). */
  combiner?: () => Combiner;
}

/** Folds validated events as they come (so that a 100,000-row file is never held as events). */
export interface Combiner {
  add(e: ProtestEvent): void;
  finish(): ProtestEvent[];
}

/** Receives each candidate as soon as it is read; when given, `candidates` stays empty. */
export type CandidateSink = (c: Candidate) => void;
