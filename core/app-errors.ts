/**
 * The error catalogue: every error a client or user can see has a stable code and an HTTP status,
 * carried by the error itself and never inferred from message text.
 */
export const ERRORS = {
  BAD_PARAMETER: { status: 400, title: 'Bad parameter' },
  BAD_BODY: { status: 400, title: 'Bad request body' },
  UNAUTHORIZED: { status: 401, title: 'Authentication required' },
  WRITES_DISABLED: { status: 403, title: 'Writes are disabled' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  INTERNAL: { status: 500, title: 'Internal error' },
  UNAVAILABLE: { status: 503, title: 'Service unavailable' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERRORS[code].status;
  }
}

export const badParameter = (param: string, reason: string) => new AppError('BAD_PARAMETER', `${param}: ${reason}`, { parameter: param });
export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);

/** A command-line usage error: exit 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An unknown calendar event id on the command line: bad usage (exit 2), with the command that lists the ids. */
export const unknownEvent = (flag: string, id: string) =>
  new UsageError(`${flag}: no calendar event "${id}" (list the ids with \`outagewatch calendar list\`)`);

/** A command that only reads was pointed at a database file that does not exist: exit 1, nothing created. */
export class MissingDatabaseError extends Error {
  readonly exitCode = 1;
  constructor(readonly path: string) {
    super(`no database at ${path} (give --db or OUTAGEWATCH_DB; \`outagewatch demo\` or \`outagewatch start\` creates one)`);
    this.name = 'MissingDatabaseError';
  }
}
