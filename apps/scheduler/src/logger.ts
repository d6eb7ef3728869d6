import type { BaseLogger } from 'pino';

/** What the scheduler's jobs log through: the process's pino logger, or a test's recording one. */
export type SchedulerLogger = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>;
