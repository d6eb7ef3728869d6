import type { ClaimedOutboxEvent, Clock, DataPlatformClient, OutboxRelayStore } from '../../ports';

export interface RelayPolicy {
  batchSize: number;
  /** How long a claim protects an event from other relays; a dead relay's events come back after it. */
  leaseMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffCapMs: number;
}

export interface RelayPassResult {
  claimed: number;
  delivered: number;
  retried: number;
  parked: number;
}

/**
 * One pass of the outbox relay: claim due events, deliver each outside any transaction, then
 * record the outcome. An event is marked delivered only after a 2xx; otherwise it waits
 * `random(0, min(cap, base × 2^(attempt−1)))` (exponential backoff with full jitter) and is
 * parked as FAILED once `maxAttempts` deliveries have failed.
 */
export class RelayOutboxEvents {
  constructor(
    private readonly outbox: OutboxRelayStore,
    private readonly platform: DataPlatformClient,
    private readonly clock: Clock,
    private readonly policy: RelayPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  async execute(): Promise<RelayPassResult> {
    const claimed = await this.outbox.claimDue(this.policy.batchSize, this.policy.leaseMs);
    const outcomes = await Promise.all(claimed.map((event) => this.deliver(event)));
    return {
      claimed: claimed.length,
      delivered: outcomes.filter((o) => o === 'delivered').length,
      retried: outcomes.filter((o) => o === 'retried').length,
      parked: outcomes.filter((o) => o === 'parked').length,
    };
  }

  private async deliver(event: ClaimedOutboxEvent): Promise<'delivered' | 'retried' | 'parked'> {
    let reason: string;
    try {
      const outcome = await this.platform.deliver(event.envelope);
      if (outcome.delivered) {
        await this.outbox.markDelivered(event);
        return 'delivered';
      }
      reason = outcome.reason;
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    if (event.attempt >= this.policy.maxAttempts) {
      await this.outbox.park(event, reason);
      return 'parked';
    }
    await this.outbox.scheduleRetry(event, new Date(this.clock.now().getTime() + this.backoffMs(event.attempt)), reason);
    return 'retried';
  }

  backoffMs(attempt: number): number {
    const ceiling = Math.min(this.policy.backoffCapMs, this.policy.backoffBaseMs * 2 ** (attempt - 1));
    return Math.floor(this.random() * ceiling);
  }
}
