import type { Clock, RetentionStore } from '../../ports';

export interface RetentionPolicy {
  /** Delivered events stay in the replay feed this long after delivery (EVENT_RETENTION_DAYS). */
  eventRetentionMs: number;
  /** Idempotency keys are kept at least this long (the contract says 24 hours). */
  idempotencyKeyRetentionMs: number;
  /** Rows deleted per statement. */
  batchSize: number;
  /** Statements per run at most: a huge backlog is worked off over several runs. */
  maxBatches: number;
}

export interface PurgeResult {
  events: number;
  idempotencyKeys: number;
}

/**
 * Deletes what is past keeping: delivered events (and their delivery logs) after the event
 * retention, idempotency keys after theirs. Batch after batch, each its own short statement,
 * until a batch comes back short or the run's budget of batches is spent. Pending and parked
 * events are never purged, whatever their age.
 */
export class PurgeExpiredRecords {
  constructor(
    private readonly store: RetentionStore,
    private readonly clock: Clock,
    private readonly policy: RetentionPolicy,
  ) {}

  async execute(): Promise<PurgeResult> {
    const now = this.clock.now().getTime();
    const events = await this.inBatches((limit) => this.store.purgeDeliveredEvents(new Date(now - this.policy.eventRetentionMs), limit));
    const idempotencyKeys = await this.inBatches((limit) =>
      this.store.purgeIdempotencyKeys(new Date(now - this.policy.idempotencyKeyRetentionMs), limit),
    );
    return { events, idempotencyKeys };
  }

  private async inBatches(purge: (limit: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (let batch = 0; batch < this.policy.maxBatches; batch += 1) {
      const purged = await purge(this.policy.batchSize);
      total += purged;
      if (purged < this.policy.batchSize) break;
    }
    return total;
  }
}
