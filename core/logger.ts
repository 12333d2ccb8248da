import { createRequire } from 'node:module';
import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

const require = createRequire(import.meta.url);

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * Logs go to stderr (stdout is for command output). JSON lines; pretty only when stderr is a TTY
 * and pino-pretty is installed. Tokens are redacted.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', opts: { pretty?: boolean } = {}): Logger {
  const options: LoggerOptions = {
    level,
    base: { pid: process.pid },
    // errors are logged as `{ err }`: the serializer keeps type, message and stack (and a FetchError's url)
    serializers: { err: pino.stdSerializers.err },
    redact: {
      paths: ['token', 'adminToken', '*.token', '*.adminToken', 'headers.authorization', 'req.headers.authorization', 'req.headers.cookie'],
      censor: '[redacted]',
    },
  };
  const pretty = opts.pretty ?? (process.stderr.isTTY === true && prettyAvailable());
  if (pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } } });
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything (tests, library defaults). */
export const silentLogger: Logger = pino({ level: 'silent' });
