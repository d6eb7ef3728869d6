import type { DeliveryOutcome } from '../../ports';

export interface CircuitPolicy {
  /** Failed deliveries in a row, with no success between, that open the circuit. */
  failureThreshold: number;
  /** Wait before the first probe; each failed probe doubles it, up to the maximum. */
  probeIntervalMinMs: number;
  probeIntervalMaxMs: number;
  /** A `Retry-After` longer than this is cut to it: a platform cannot silence us for days. */
  retryAfterCapMs: number;
}

export type CircuitState = 'CLOSED' | 'OPEN' | 'PROBING';

/**
 * The relay's circuit breaker against a failing data platform, so that an outage does not turn
 * every due event into a request (a retry storm) or burn the events' attempts.
 *
 * CLOSED: a pass claims a full batch. After `failureThreshold` failures in a row (or one answer
 * with `Retry-After`) it OPENs: no event is claimed until the probe time, so due events keep
 * their attempts and simply wait. Then one pass claims ONE event (PROBING); its success closes
 * the circuit at once (full speed), its failure opens it again with the interval doubled, or for
 * as long as `Retry-After` asked. Events are never dropped here: they stay in the outbox.
 *
 * One circuit per relay process; several relays side by side probe one event each.
 */
export class DeliveryCircuit {
  private state: CircuitState = 'CLOSED';
  private failuresInARow = 0;
  private openUntil = 0;
  private intervalMs: number;

  constructor(private readonly policy: CircuitPolicy) {
    this.intervalMs = policy.probeIntervalMinMs;
  }

  get current(): CircuitState {
    return this.state;
  }

  /** When the next probe may go, while OPEN. */
  get probeAt(): Date | null {
    return this.state === 'OPEN' ? new Date(this.openUntil) : null;
  }

  /** How many events the next pass may claim: the batch, one probe, or none. */
  permits(now: Date, batchSize: number): number {
    if (this.state === 'CLOSED') return batchSize;
    if (this.state === 'OPEN' && now.getTime() >= this.openUntil) {
      this.state = 'PROBING';
      return 1;
    }
    return 0;
  }

  /** A probe found nothing due: probe again on the next pass. */
  nothingToProbe(now: Date): void {
    if (this.state === 'PROBING') {
      this.state = 'OPEN';
      this.openUntil = now.getTime();
    }
  }

  /** The outcomes of one pass's deliveries. Answers the transition, if any, for the log. */
  record(outcomes: readonly DeliveryOutcome[], now: Date): 'opened' | 'closed' | null {
    if (outcomes.length === 0) return null;
    if (outcomes.some((o) => o.delivered)) {
      const wasClosed = this.state === 'CLOSED';
      this.state = 'CLOSED';
      this.failuresInARow = 0;
      this.intervalMs = this.policy.probeIntervalMinMs;
      return wasClosed ? null : 'closed';
    }
    const retryAfterMs = Math.max(0, ...outcomes.map((o) => (!o.delivered && o.retryAfterMs !== undefined ? o.retryAfterMs : 0)));
    if (this.state === 'PROBING') {
      this.intervalMs = Math.min(this.policy.probeIntervalMaxMs, this.intervalMs * 2);
      this.open(now, retryAfterMs);
      return null;
    }
    this.failuresInARow += outcomes.length;
    if (this.state === 'CLOSED' && (this.failuresInARow >= this.policy.failureThreshold || retryAfterMs > 0)) {
      this.open(now, retryAfterMs);
      return 'opened';
    }
    return null;
  }

  private open(now: Date, retryAfterMs: number): void {
    this.state = 'OPEN';
    this.openUntil = now.getTime() + Math.max(this.intervalMs, Math.min(retryAfterMs, this.policy.retryAfterCapMs));
  }
}
