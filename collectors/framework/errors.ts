/**
 * Errors raised while fetching or reading a source's response. Each names where the data came from
 * (`url`: the request URL, or the file for saved responses) so that a failed window can say what failed and why.
 */
export type FetchErrorKind =
  | 'network' // connection reset, other transient network trouble
  | 'unreachable' // the name does not resolve or the connection is refused: not retried now, the next run tries again
  | 'timeout' // no complete answer within the client's timeout
  | 'http' // non-2xx status (after retries for 5xx/429)
  | 'truncated' // body shorter than announced / JSON ends early
  | 'invalid-json' // body is not JSON
  | 'schema' // JSON does not match the real shape
  | 'api-error' // the source answered (often HTTP 200) but said it failed
  | 'mismatch' // a well-formed answer to a different question (entity, datasource, range, step, number of values)
  | 'aborted'; // cancelled by an AbortSignal

export class FetchError extends Error {
  constructor(
    readonly kind: FetchErrorKind,
    readonly url: string,
    message: string,
    readonly extra: { status?: number; path?: string; attempts?: number } = {},
  ) {
    super(message);
    this.name = 'FetchError';
  }
  get status(): number | undefined {
    return this.extra.status;
  }
  /** For schema errors: the field path inside the document, e.g. `data[0][0].values[3]`. */
  get path(): string | undefined {
    return this.extra.path;
  }
}

/** True for the kinds worth another attempt. */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof FetchError)) return false;
  if (err.kind === 'network' || err.kind === 'timeout' || err.kind === 'truncated') return true;
  return err.kind === 'http' && (err.status === 429 || (err.status !== undefined && err.status >= 500));
}

/** DNS failures and refused connections: the source cannot be reached now (offline, wrong URL, server down). */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);

export function isUnreachable(err: unknown): boolean {
  return err instanceof FetchError && err.kind === 'unreachable';
}

export function isAbort(err: unknown): boolean {
  return err instanceof FetchError ? err.kind === 'aborted' : err instanceof Error && err.name === 'AbortError';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
