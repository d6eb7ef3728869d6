import type { OrderEvent } from './repositories.port';

/** The envelope the data platform receives, exactly as API.md describes it. */
export interface OrderEventEnvelope {
  eventId: string;
  type: OrderEvent['type'];
  /** ISO-8601. */
  occurredAt: string;
  /** The outbox's sequence number: increases with every event written (gaps allowed). */
  sequence: number;
  data: unknown;
}

/** An event a relay has claimed: nobody else delivers it until `leaseUntil` passes. */
export interface ClaimedOutboxEvent {
  envelope: OrderEventEnvelope;
  /** Delivery attempts including the one about to be made. */
  attempt: number;
  /** Identifies this claim, so a relay whose lease ran out cannot overwrite a newer claim's outcome. */
  claimToken: string;
}

export type RequeueResult = 'REQUEUED' | 'NOT_FOUND' | 'NOT_FAILED';

/**
 * The relay's side of the outbox. Each method is one atomic statement; no transaction is held
 * while an event is on the wire.
 */
export interface OutboxRelayStore {
  /** Claims up to `limit` due events (oldest first), skipping rows other relays hold. */
  claimDue(limit: number, leaseMs: number): Promise<ClaimedOutboxEvent[]>;
  markDelivered(event: ClaimedOutboxEvent): Promise<void>;
  scheduleRetry(event: ClaimedOutboxEvent, nextAttemptAt: Date, error: string): Promise<void>;
  park(event: ClaimedOutboxEvent, error: string): Promise<void>;
  /** Puts a FAILED event back in line for delivery now. */
  requeueFailed(eventId: string): Promise<RequeueResult>;
}

export type DeliveryOutcome = { delivered: true } | { delivered: false; reason: string };

/** Where order events go: the data platform over signed HTTP, or a local file sink. */
export interface DataPlatformClient {
  deliver(envelope: OrderEventEnvelope): Promise<DeliveryOutcome>;
}
