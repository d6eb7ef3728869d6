import { pino, type BaseLogger, type Logger } from 'pino';

/** What the scheduler logs through: pino's logger, or Fastify's when `pnpm start` hosts both roles. */
export type SchedulerLogger = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>;

/**
 * The scheduler process's own logger (`pnpm start:scheduler`): JSON lines tagged with the role,
 * rendered for a person with pino-pretty in development when the output is a terminal.
 */
export function createSchedulerLogger(options: { level: string; pretty: boolean }): Logger {
  const settings = { level: options.level, base: { role: 'scheduler' } };
  if (options.pretty && process.stdout.isTTY === true) {
    return pino({ ...settings, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return pino(settings);
}

/** Writes out what the logger still holds; call before `process.exit`. */
export function flushSchedulerLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1_000);
    logger.flush(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
