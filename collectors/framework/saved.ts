import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { PointStore } from '../../db/repository.js';
import type { IngestArgs, IngestResult } from '../types.js';
import { errorMessage, FetchError } from './errors.js';
import { pointStoreOf } from './store.js';

/**
 * A saved API response for `outagewatch ingest <source> FILE...`. Either the bare response body (when the
 * body alone says what was asked, e.g. RIPEstat), or a recording that keeps the request beside it:
 * `{ "url": "<request URL>", "status"?: 200, "fetchedAt"?: ISO time or Unix seconds, "body": <JSON or JSON text> }`.
 */
export interface SavedResponse {
  file: string;
  url: string | null;
  status: number | null;
  fetchedAt: number;
  /** The response body as text (what `parseJsonBody` reads). */
  body: string;
}

const recordingSchema = z.looseObject({
  url: z.string().min(1),
  status: z.number().int().optional(),
  fetchedAt: z.union([z.string(), z.number()]).optional(),
  body: z.unknown(),
});

export function readSavedResponse(file: string, text: string = readFileSync(file, 'utf8')): SavedResponse {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new FetchError('invalid-json', file, `${file}: invalid JSON (${(err as Error).message})`);
  }
  const rec = recordingSchema.safeParse(doc);
  if (rec.success && 'body' in (doc as object)) {
    const r = rec.data;
    let fetchedAt = Math.floor(Date.now() / 1000);
    if (typeof r.fetchedAt === 'number') fetchedAt = r.fetchedAt;
    else if (typeof r.fetchedAt === 'string' && !Number.isNaN(Date.parse(r.fetchedAt)))
      fetchedAt = Math.floor(Date.parse(r.fetchedAt) / 1000);
    const body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    return { file, url: r.url, status: r.status ?? null, fetchedAt, body };
  }
  return { file, url: null, status: null, fetchedAt: Math.floor(Date.now() / 1000), body: text };
}

/** The saved body parsed as JSON; a body that is not JSON is an error naming the file. */
export function savedJson(saved: SavedResponse): unknown {
  try {
    return JSON.parse(saved.body);
  } catch (err) {
    throw new FetchError('invalid-json', saved.file, `${saved.file}: body is not JSON (${(err as Error).message})`);
  }
}

/** Runs `one` per file; a file that fails is reported and nothing from it is written. */
export async function ingestFiles(
  args: IngestArgs,
  one: (file: string, store: PointStore) => Promise<{ points: number; events: number }>,
): Promise<IngestResult> {
  const result: IngestResult = { files: args.files.length, filesOk: 0, points: 0, events: 0, failures: [] };
  const store = pointStoreOf(args.store);
  for (const file of args.files) {
    try {
      const r = await one(file, store);
      result.points += r.points;
      result.events += r.events;
      result.filesOk++;
      args.log.info({ file, points: r.points, events: r.events }, 'ingested');
    } catch (err) {
      result.failures.push({ file, error: errorMessage(err) });
      args.log.warn({ file, err }, 'file not ingested');
    }
  }
  return result;
}
