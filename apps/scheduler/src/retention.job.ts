import cron, { type ScheduledTask } from 'node-cron';
import type { PurgeExpiredRecords, PurgeResult } from '@storefront/application';
import type { SchedulerLogger } from './logger';

/** Runs the purge only where this instance takes the job's lease; `acquired: false` means another one has it. */
export type LeasedPurge = (run: () => Promise<PurgeResult>) => Promise<{ acquired: true; result: PurgeResult } | { acquired: false }>;

export interface RetentionJobOptions {
  /** Cron expression; every hour at :30 unless a test says otherwise (clear of the 00:00 aggregation). */
  cronExpression?: string;
  timeZone: string;
}

/**
 * The retention purge of the scheduler role: delivered events past EVENT_RETENTION_DAYS and
 * idempotency keys past 24 hours, hourly and once on start, under a lease row so that several
 * scheduler instances purge once between them. HTTP instances do not purge.
 */
export class RetentionJob {
  private task: ScheduledTask | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly purge: Pick<PurgeExpiredRecords, 'execute'>,
    private readonly underLease: LeasedPurge,
    private readonly options: RetentionJobOptions,
    private readonly logger: SchedulerLogger,
  ) {}

  start(): void {
    this.task = cron.schedule(this.options.cronExpression ?? '30 * * * *', () => this.runOnce(), {
      name: 'retention-purge',
      timezone: this.options.timeZone,
      noOverlap: true,
    });
  }

  /** One purge now; failures are logged, the next tick tries again. */
  runOnce(): Promise<void> {
    const run = this.inFlight.then(async () => {
      try {
        const outcome = await this.underLease(() => this.purge.execute());
        if (!outcome.acquired) this.logger.debug('retention purge skipped: another scheduler instance is running it');
        else if (outcome.result.events + outcome.result.idempotencyKeys > 0) this.logger.info({ purged: outcome.result }, 'retention purge');
      } catch (error) {
        this.logger.warn({ err: error }, 'retention purge failed; the next run tries again');
      }
    });
    this.inFlight = run;
    return run;
  }

  async stop(): Promise<void> {
    if (this.task) {
      await this.task.stop();
      await this.task.destroy();
      this.task = undefined;
    }
    await this.inFlight;
  }
}
