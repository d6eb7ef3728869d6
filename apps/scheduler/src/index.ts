import 'reflect-metadata';
import { JobLeases, JobLockKeys, runUnderAdvisoryLock, runUnderLease, type AppConfig, type Database } from '@storefront/adapters';
import { createSchedulerContainer, resolve, Tokens, type SchedulerOverrides } from './container';
import { DailySalesJob } from './daily-sales.job';
import type { SchedulerLogger } from './logger';
import { OutboxRelayLoop } from './outbox-relay.loop';
import { RetentionJob } from './retention.job';

export type { SchedulerLogger } from './logger';
export { OutboxRelayLoop } from './outbox-relay.loop';
export { DailySalesJob } from './daily-sales.job';
export { RetentionJob } from './retention.job';
export { createSchedulerContainer, relayPolicyFrom, retentionPolicyFrom, Tokens, type SchedulerOverrides } from './container';

export interface SchedulerRoleOptions extends SchedulerOverrides {
  config: AppConfig;
  database: Database;
  logger: SchedulerLogger;
  /** Pause between relay passes that found less than a full batch. */
  pollIntervalMs?: number;
  /** Relay passes side by side in this process (default 4). */
  relayConcurrency?: number;
  /** Business days caught up at most on start and at 00:00. */
  maxCatchUpDays?: number;
  /** The aggregation's schedule; 00:00 in TZ_BUSINESS. */
  cronExpression?: string;
  /** Whether to run the catch-up once on start (default true). */
  catchUpOnStart?: boolean;
  /** The retention purge's schedule; hourly at :30. It also runs once on start. */
  retentionCronExpression?: string;
}

export interface SchedulerRole {
  /** Stops the schedule and the relay, letting the pass and the aggregation in flight finish. */
  close(): Promise<void>;
}

/**
 * The scheduler role: the outbox relay loop, the 00:00 sales aggregation (with a catch-up
 * now) and the hourly retention purge. `pnpm start:scheduler` runs it alone; `pnpm start` hosts it beside the HTTP app.
 * The caller owns the database and closes it after `close()`.
 */
export function startSchedulerRole(options: SchedulerRoleOptions): SchedulerRole {
  const { config, database, logger } = options;
  const container = createSchedulerContainer(config, database, options);
  const policy = resolve(container, Tokens.relayPolicy);

  const relay = new OutboxRelayLoop(
    resolve(container, Tokens.relayOutboxEvents),
    { batchSize: policy.batchSize, pollIntervalMs: options.pollIntervalMs ?? 300, errorDelayMs: 2_000, concurrency: options.relayConcurrency ?? 4 },
    logger,
  );
  const dailySales = new DailySalesJob(
    resolve(container, Tokens.catchUpDailySales),
    (run) => runUnderAdvisoryLock(database.db, JobLockKeys.dailySalesAggregation, run),
    {
      timeZone: config.businessTimeZone,
      maxCatchUpDays: options.maxCatchUpDays ?? 31,
      ...(options.cronExpression !== undefined ? { cronExpression: options.cronExpression } : {}),
    },
    logger,
  );

  const retention = new RetentionJob(
    resolve(container, Tokens.purgeExpiredRecords),
    // Ten minutes: far longer than a purge's bounded batches take.
    (run) => runUnderLease(database.db, JobLeases.retention, 10 * 60_000, run),
    {
      timeZone: config.businessTimeZone,
      ...(options.retentionCronExpression !== undefined ? { cronExpression: options.retentionCronExpression } : {}),
    },
    logger,
  );

  if (config.dataPlatform.kind === 'file') {
    const note = { sinkPath: config.dataPlatform.sinkPath };
    const message = 'DATA_PLATFORM_URL is not set: order events go to a local file, not to the data platform';
    if (config.nodeEnv === 'production') logger.warn(note, message);
    else logger.info(note, message);
  }
  relay.start();
  dailySales.start();
  retention.start();
  if (options.catchUpOnStart ?? true) void dailySales.runOnce();
  void retention.runOnce();
  logger.info(
    {
      timeZone: config.businessTimeZone,
      nextAggregation: dailySales.nextRun(),
      maxAttempts: policy.maxAttempts,
      dataPlatform: config.dataPlatform.kind,
      eventRetentionDays: config.eventRetentionDays,
    },
    'scheduler started: outbox relay, 00:00 sales aggregation, hourly retention purge',
  );

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        await Promise.all([relay.stop(), dailySales.stop(), retention.stop()]);
        await resolve(container, Tokens.dataPlatform).close?.();
        await container.dispose();
        logger.info('scheduler stopped');
      })();
      return closing;
    },
  };
}
