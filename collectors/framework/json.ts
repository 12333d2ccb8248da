import type { z } from 'zod';
import { FetchError } from './errors.js';

/** `['data', 0, 0, 'values', 3]` → `data[0][0].values[3]` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

/**
 * Parses a response body and checks it against the schema of the real shape. The same function serves
 * fetched responses and saved files (`origin` is then the file name): an invalid or truncated body, or a
 * mismatch, throws a FetchError naming the origin and, for a mismatch, the field path.
 */
export function parseJsonBody<S extends z.ZodType>(
  text: string,
  schema: S,
  origin: string,
  opts: { expectedBytes?: number } = {},
): z.infer<S> {
  if (opts.expectedBytes !== undefined && Buffer.byteLength(text) < opts.expectedBytes) {
    throw new FetchError('truncated', origin, `${origin}: truncated body (${Buffer.byteLength(text)} of ${opts.expectedBytes} bytes)`);
  }
  // an empty 200 (a proxy or a backend that gave up) or a body cut short and padded with NUL bytes within
  // its announced length is a truncation: retried like one
  if (text.trim() === '') throw new FetchError('truncated', origin, `${origin}: truncated body (empty)`);
  const nul = text.indexOf('\0');
  if (nul >= 0 && /^\0*$/.test(text.slice(nul)))
    throw new FetchError(
      'truncated',
      origin,
      `${origin}: truncated body (${Buffer.byteLength(text.slice(0, nul))} bytes, then ${text.length - nul} NUL bytes)`,
    );
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const trimmed = text.trimEnd();
    // JSON that stops early (a cut connection, a partial file) is "truncated", not just invalid
    const endsEarly = /Unexpected end of JSON input/i.test(msg) || (/^[[{]/.test(text.trimStart()) && !/[}\]]$/.test(trimmed));
    if (endsEarly && trimmed.length > 0) {
      throw new FetchError('truncated', origin, `${origin}: truncated body (${msg})`);
    }
    throw new FetchError('invalid-json', origin, `${origin}: invalid JSON (${msg})`);
  }
  return parseShape(doc, schema, origin, { countMore: true });
}

/**
 * A parsed document checked against the expected shape: the data, or a `schema` FetchError naming the first
 * issue's path (under `under` when `doc` is a part of the answer, and, with `countMore`, how many more issues there
 * are). Every collector's answer check ends here.
 */
export function parseShape<S extends z.ZodType>(
  doc: unknown,
  schema: S,
  origin: string,
  opts: { countMore?: boolean; under?: ReadonlyArray<PropertyKey> } = {},
): z.infer<S> {
  const parsed = schema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = formatPath((opts.under ?? []).concat(issue.path));
    const more = opts.countMore && parsed.error.issues.length > 1 ? ` (+${parsed.error.issues.length - 1} more)` : '';
    throw new FetchError('schema', origin, `${origin}: unexpected response shape at ${path}: ${issue.message}${more}`, { path });
  }
  return parsed.data as z.infer<S>;
}
