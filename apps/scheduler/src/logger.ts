import type { BaseLogger } from 'pino';

/** What the scheduler logs through: pino's logger, or Fastify's when `pnpm start` hosts both roles. */
export type SchedulerLogger = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>;
