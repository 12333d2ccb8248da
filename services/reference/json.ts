import { isoUtc } from '../../core/time.js';

/** What a reference list summary holds (db/reference.ts ReferenceListRow has these fields). */
export interface ReferenceListSummary {
  name: string;
  format: string;
  count: number;
  countries: number;
  first: number | null;
  last: number | null;
  kinds: Record<string, number>;
  scopes: Record<string, number>;
  files: Array<{ file: string; importedAt: number; imported: number; rejected: number; duplicates: number }>;
}

/** The shape of `outagewatch reference list --json` (services/commands/reference.ts). */
export interface ReferenceListJson {
  name: string;
  format: string;
  outages: number;
  countries: number;
  first: string | null;
  last: string | null;
  kinds: Record<string, number>;
  /** outages per scope (national, regional, local, asn, unknown; absent = none) */
  scopes: Record<string, number>;
  files: Array<{ file: string; importedAt: string; imported: number; rejected: number; duplicates: number }>;
}

export function referenceListJson(l: ReferenceListSummary): ReferenceListJson {
  return {
    name: l.name,
    format: l.format,
    outages: l.count,
    countries: l.countries,
    first: l.first === null ? null : isoUtc(l.first),
    last: l.last === null ? null : isoUtc(l.last),
    kinds: { ...l.kinds },
    scopes: { ...l.scopes },
    files: l.files.map((f) => ({
      file: f.file,
      importedAt: isoUtc(f.importedAt),
      imported: f.imported,
      rejected: f.rejected,
      duplicates: f.duplicates,
    })),
  };
}
