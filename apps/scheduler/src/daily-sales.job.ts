import cron, { type ScheduledTask } from 'node-cron';
import type { CatchUpDailySales } from '@storefront/application';
import type { SchedulerLogger } from './logger';

export interface DailySalesJobOptions {
  /** Business time zone (TZ_BUSINESS): "00:00" is midnight there. */
  timeZone: string;
  /** Missed days caught up at most, oldest beyond that left alone. */
  maxCatchUpDays: number;
  /** Cron expression; 00:00 every day unless a test says otherwise. */
  cronExpression?: string;
  /**
   * How long a scheduled run waits before aggregating (default 5 s): room for the clocks of the
   * instances and of the database to disagree a little about when midnight is. Transactions that
   * took their timestamp before midnight and are still open are not this pause's business: the
   * aggregation waits for them itself (AggregateDailySales, TransactionHorizon).
   */
  settleMs?: number;
}

/** Runs the catch-up only where this instance wins the job's lock; `acquired: false` means another one has it. */
export type LockedCatchUp = (run: () => Promise<string[]>) => Promise<{ acquired: true; result: string[] } | { acquired: false }>;

/**
 * The 00:00 sales aggregation. Each run is a catch-up of every complete business day not yet
 * aggregated (yesterday, on a normal night), under a PostgreSQL advisory lock so that several
 * scheduler instances aggregate a day once. A run also happens on start, so days missed while
 * no scheduler was up are filled in.
 */
export class DailySalesJob {
  private task: ScheduledTask | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;
  private cancelSettle: (() => void) | undefined;

  constructor(
    private readonly catchUp: Pick<CatchUpDailySales, 'execute'>,
    private readonly underLock: LockedCatchUp,
    private readonly options: DailySalesJobOptions,
    private readonly logger: SchedulerLogger,
  ) {}

  start(): void {
    this.stopped = false;
    this.task = cron.schedule(this.options.cronExpression ?? '0 0 * * *', () => this.runScheduled(), {
      name: 'daily-sales-aggregation',
      timezone: this.options.timeZone,
      // A run still going at the next tick is not started twice in this process; the advisory
      // lock does the same across processes.
      noOverlap: true,
    });
  }

  /** When the next scheduled run starts, or null when not started. */
  nextRun(): Date | null {
    return this.task?.getNextRun() ?? null;
  }

  private async runScheduled(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.options.settleMs ?? 5_000);
      this.cancelSettle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.cancelSettle = undefined;
    if (!this.stopped) await this.runOnce();
  }

  /** One catch-up now, as on start; failures are logged, the next tick tries again. */
  runOnce(): Promise<void> {
    const run = this.inFlight.then(async () => {
      try {
        const outcome = await this.underLock(() => this.catchUp.execute({ maxDays: this.options.maxCatchUpDays }));
        if (!outcome.acquired) this.logger.info('daily sales aggregation skipped: another scheduler instance is running it');
        else if (outcome.result.length > 0) this.logger.info({ days: outcome.result }, 'daily sales aggregated');
        else this.logger.debug('daily sales aggregation: nothing to catch up');
      } catch (error) {
        this.logger.error({ err: error }, 'daily sales aggregation failed');
      }
    });
    this.inFlight = run;
    return run;
  }

  /** Stops the schedule and waits for a run in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelSettle?.();
    if (this.task) {
      await this.task.stop();
      await this.task.destroy();
      this.task = undefined;
    }
    await this.inFlight;
  }
}
