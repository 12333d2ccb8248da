import { rawFromJson } from '../json.js';
import { arrayElementLines } from './json-lines.js';
import type { ImporterOptions, ParsedInput } from './types.js';

/** A JSON array of events in the model's own shape (what `calendar export --format json` writes). */
export function parseJson(text: string, opts: ImporterOptions): ParsedInput {
  const file = opts.file;
  const out: ParsedInput = { rows: 0, skipped: 0, candidates: [], errors: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : 1;
    out.errors.push({ file, line, field: 'file', reason: `not valid JSON: ${msg.replace(/^Unexpected/, 'unexpected')}` });
    return out;
  }
  if (!Array.isArray(doc)) {
    out.errors.push({ file, line: 1, field: 'file', reason: 'expected a JSON array of events' });
    return out;
  }
  const lines = arrayElementLines(text);
  doc.forEach((item, i) => {
    out.rows++;
    const line = lines[i] ?? 1;
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      out.errors.push({ file, line, field: 'row', reason: 'expected an object' });
      return;
    }
    const raw = rawFromJson(item as Record<string, unknown>);
    if (raw.tz === undefined && opts.tz) raw.tz = opts.tz;
    if (raw.kind === undefined && opts.kind) raw.kind = opts.kind;
    if (raw.country === undefined && opts.country) raw.country = opts.country;
    out.candidates.push({ line, raw });
  });
  return out;
}
