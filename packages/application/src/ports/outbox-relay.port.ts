import type { OrderEventEnvelope } from '../events/order-event';

/** An event a relay has claimed: nobody else delivers it until its lease passes. */
export interface ClaimedOutboxEvent {
  envelope: OrderEventEnvelope;
  /** Delivery attempts including the one about to be made. */
  attempt: number;
  /** Identifies this claim, so a relay whose lease ran out cannot overwrite a newer claim's outcome. */
  claimToken: string;
}

/** One delivery attempt, as the delivery log keeps it. */
export interface DeliveryAttempt {
  at: Date;
  outcome: 'DELIVERED' | 'FAILED';
  /** The platform's HTTP status, when it answered one. */
  httpStatus: number | null;
  durationMs: number;
  error: string | null;
}

/** What becomes of an event after an attempt. */
export type Settlement = { kind: 'delivered' } | { kind: 'retry'; nextAttemptAt: Date } | { kind: 'park' };

export interface SettledDelivery {
  event: ClaimedOutboxEvent;
  attempt: DeliveryAttempt;
  settlement: Settlement;
}

export type RequeueResult = 'REQUEUED' | 'NOT_FOUND' | 'NOT_FAILED';

/**
 * The relay's side of the outbox. Each method is one atomic statement; no transaction is held
 * while an event is on the wire.
 */
export interface OutboxRelayStore {
  /**
   * Claims up to `limit` due events, lowest sequence first, skipping rows other relays hold and
   * every event that has an earlier event of the same order still undelivered (pending or parked).
   */
  claimDue(limit: number, leaseMs: number): Promise<ClaimedOutboxEvent[]>;
  /**
   * Records a pass's deliveries at once: every attempt goes into the delivery log; the event's new
   * state only while the claim is still the event's current one.
   */
  settle(deliveries: readonly SettledDelivery[]): Promise<void>;
  /** Puts a FAILED event back in line for delivery now. */
  requeueFailed(eventId: string): Promise<RequeueResult>;
}

export type DeliveryOutcome =
  | { delivered: true; httpStatus?: number }
  | {
      delivered: false;
      reason: string;
      httpStatus?: number;
      /** The platform asked us to wait this long (a `Retry-After` header). */
      retryAfterMs?: number;
    };

/** Where order events go: signed HTTP, NATS JetStream, or a local file sink. */
export interface DataPlatformClient {
  deliver(envelope: OrderEventEnvelope): Promise<DeliveryOutcome>;
  /** Lets go of connections, if the transport holds any. */
  close?(): Promise<void>;
}
