import type { ClaimedOutboxEvent, Clock, DataPlatformClient, DeliveryOutcome, OutboxRelayStore, SettledDelivery, Settlement } from '../../ports';
import { DeliveryCircuit, type CircuitPolicy, type CircuitState } from './delivery-circuit';
import { backoffMs, type RetrySchedulePolicy } from './retry-schedule';

export interface RelayPolicy extends RetrySchedulePolicy, CircuitPolicy {
  batchSize: number;
  /** How long a claim protects an event from other relays; a dead relay's events come back after it. */
  leaseMs: number;
  /** Failed deliveries after which an event is parked as FAILED. */
  maxAttempts: number;
}

/** A failed delivery of a pass, for the log. */
export interface DeliveryFailure {
  eventId: string;
  type: string;
  attempt: number;
  reason: string;
  httpStatus: number | null;
  parked: boolean;
}

export interface RelayPassResult {
  claimed: number;
  delivered: number;
  retried: number;
  parked: number;
  failures: DeliveryFailure[];
  /** The circuit after the pass, and what changed in it during the pass. */
  circuit: CircuitState;
  circuitChange: 'opened' | 'closed' | null;
}

/**
 * Sees every attempt as it is recorded: the place to hang counters (attempts, latency, parked
 * events) without the relay knowing about metrics.
 */
export interface RelayObserver {
  attempted(delivery: SettledDelivery): void;
}

/**
 * One pass of the outbox relay: claim due events (as many as the circuit allows), deliver each
 * outside any transaction, then record every attempt and outcome in one statement. An event is
 * delivered on a 2xx or a publish acknowledgement; otherwise it is tried again after the retry
 * schedule (or the platform's `Retry-After`, if longer), and parked as FAILED once `maxAttempts`
 * deliveries have failed.
 */
export class RelayOutboxEvents {
  private readonly circuit: DeliveryCircuit;

  constructor(
    private readonly outbox: OutboxRelayStore,
    private readonly platform: DataPlatformClient,
    private readonly clock: Clock,
    private readonly policy: RelayPolicy,
    private readonly random: () => number = Math.random,
    private readonly observer: RelayObserver | null = null,
  ) {
    this.circuit = new DeliveryCircuit(policy);
  }

  get circuitState(): CircuitState {
    return this.circuit.current;
  }

  async execute(): Promise<RelayPassResult> {
    const permits = this.circuit.permits(this.clock.now(), this.policy.batchSize);
    const claimed = permits > 0 ? await this.outbox.claimDue(permits, this.policy.leaseMs) : [];
    if (permits > 0 && claimed.length === 0) this.circuit.nothingToProbe(this.clock.now());

    const attempts = await Promise.all(claimed.map((event) => this.attempt(event)));
    const now = this.clock.now();
    const circuitChange = this.circuit.record(
      attempts.map((a) => a.outcome),
      now,
    );
    const settled = attempts.map(({ event, outcome, at, durationMs }) => this.settlementOf(event, outcome, at, durationMs, now));
    if (settled.length > 0) await this.outbox.settle(settled);
    for (const delivery of settled) this.observer?.attempted(delivery);

    return {
      claimed: claimed.length,
      delivered: settled.filter((s) => s.settlement.kind === 'delivered').length,
      retried: settled.filter((s) => s.settlement.kind === 'retry').length,
      parked: settled.filter((s) => s.settlement.kind === 'park').length,
      failures: settled
        .filter((s) => s.settlement.kind !== 'delivered')
        .map((s) => ({
          eventId: s.event.envelope.eventId,
          type: s.event.envelope.type,
          attempt: s.event.attempt,
          reason: s.attempt.error ?? 'unknown',
          httpStatus: s.attempt.httpStatus,
          parked: s.settlement.kind === 'park',
        })),
      circuit: this.circuit.current,
      circuitChange,
    };
  }

  /** The wait after failed attempt `attempt`: the retry schedule with this relay's jitter. */
  backoffMs(attempt: number): number {
    return backoffMs(this.policy, attempt, this.random());
  }

  private async attempt(event: ClaimedOutboxEvent): Promise<{ event: ClaimedOutboxEvent; outcome: DeliveryOutcome; at: Date; durationMs: number }> {
    const at = this.clock.now();
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.platform.deliver(event.envelope);
    } catch (error) {
      // A transport that throws instead of answering still made a failed attempt.
      outcome = { delivered: false, reason: error instanceof Error ? error.message : String(error) };
    }
    return { event, outcome, at, durationMs: Math.max(0, this.clock.now().getTime() - at.getTime()) };
  }

  private settlementOf(event: ClaimedOutboxEvent, outcome: DeliveryOutcome, at: Date, durationMs: number, now: Date): SettledDelivery {
    const attempt = {
      at,
      outcome: outcome.delivered ? ('DELIVERED' as const) : ('FAILED' as const),
      httpStatus: outcome.httpStatus ?? null,
      durationMs,
      error: outcome.delivered ? null : outcome.reason,
    };
    let settlement: Settlement;
    if (outcome.delivered) settlement = { kind: 'delivered' };
    else if (event.attempt >= this.policy.maxAttempts) settlement = { kind: 'park' };
    else {
      const retryAfterMs = Math.min(outcome.retryAfterMs ?? 0, this.policy.retryAfterCapMs);
      settlement = { kind: 'retry', nextAttemptAt: new Date(now.getTime() + Math.max(this.backoffMs(event.attempt), retryAfterMs)) };
    }
    return { event, attempt, settlement };
  }
}
