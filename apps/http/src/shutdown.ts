import type { Logger } from 'pino';
import { flushLogs } from './logger';

const FORCE_EXIT_AFTER_MS = 10_000;

/**
 * On SIGTERM or SIGINT: run `stop` (stop accepting, finish in-flight work, close the pool) and
 * exit 0; exit 1 if it fails, and force the exit if it has not finished after 10 seconds.
 */
export function installShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting now');
      process.exit(1);
    }, FORCE_EXIT_AFTER_MS);
    force.unref();
    stop().then(
      () => flushLogs(logger).then(() => process.exit(0)),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        return flushLogs(logger).then(() => process.exit(1));
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
