import { pino, type Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a log line: tokens and secrets never reach the logs. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'token',
  'tokens',
  'secret',
  'password',
  'jwt',
  '*.authorization',
  '*.token',
  '*.secret',
  '*.password',
  '*.jwtSecret',
  '*.databaseUrl',
];

/** The process's logger; `role` tags every line (hosts of several roles tag child loggers instead). */
export function createLogger(options: { level: string; role?: string }): Logger {
  return pino({
    level: options.level,
    base: options.role === undefined ? {} : { role: options.role },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  });
}
