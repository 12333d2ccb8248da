import { readFileSync } from 'node:fs';
import type { ReferenceRepository } from '../../db/repositories.js';
import { sqliteRepositories } from '../../db/sqlite-repositories.js';
import { SqliteStore } from '../../db/store.js';
import { parseReference, type ReferenceFormat, type Rejection } from './parse.js';

export interface ImportFileResult {
  file: string;
  layout: string;
  /** new rows in the list */
  imported: number;
  /** rows already in the list (the same file again, or a shutdown repeated across yearly sheets): kept once */
  repeated: number;
  rejected: number;
}

export interface ImportResult {
  name: string;
  format: ReferenceFormat;
  files: ImportFileResult[];
  rejections: Rejection[];
  imported: number;
  repeated: number;
  rejected: number;
}

/**
 * Imports files into the list `name` (default: the format's name), on either backend (a SQLite store is taken as
 * its reference repository). Good rows are committed per file, each file in one transaction.
 */
export async function importReference(
  target: ReferenceRepository | SqliteStore,
  files: readonly string[],
  format: ReferenceFormat,
  name?: string,
): Promise<ImportResult> {
  const repo = target instanceof SqliteStore ? sqliteRepositories(target).reference : target;
  const list = name ?? format;
  const out: ImportResult = { name: list, format, files: [], rejections: [], imported: 0, repeated: 0, rejected: 0 };
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      out.rejections.push({
        file,
        line: 0,
        field: 'file',
        reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as Error).message,
      });
      out.rejected++;
      out.files.push({ file, layout: 'unreadable', imported: 0, repeated: 0, rejected: 1 });
      continue;
    }
    const parsed = parseReference(format, text, file, list);
    const w = await repo.upsertReferenceOutages(list, format, file, parsed.rows, { rejected: parsed.rejected.length });
    out.files.push({ file, layout: parsed.layout, imported: w.inserted, repeated: w.repeated, rejected: parsed.rejected.length });
    for (const item of parsed.rejected) out.rejections.push(item);
    out.imported += w.inserted;
    out.repeated += w.repeated;
    out.rejected += parsed.rejected.length;
  }
  return out;
}
