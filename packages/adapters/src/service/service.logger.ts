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

/**
 * The process's logger; `role` tags every line (hosts of several roles tag child loggers instead).
 * `pretty` (development) renders lines for a person with pino-pretty when the output is a
 * terminal; otherwise (production, pipes, files) every line is one JSON object.
 */
export function createLogger(options: { level: string; role?: string; pretty?: boolean }): Logger {
  const settings = {
    level: options.level,
    base: options.role === undefined ? {} : { role: options.role },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (options.pretty === true && process.stdout.isTTY === true) {
    return pino({ ...settings, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return pino(
    settings,
    // Asynchronous writes: under load, lines written while one write is in flight go out together
    // instead of one blocking write(2) per request. `flushLogs` drains it before the process exits.
    pino.destination({ dest: 1, sync: false }),
  );
}

/** Writes out what the asynchronous destination still holds; call before `process.exit`. */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1_000);
    logger.flush(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
