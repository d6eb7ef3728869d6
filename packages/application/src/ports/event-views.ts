import type { OrderEventEnvelope } from '../events/order-event';
import type { DeliveryAttempt } from './outbox-relay.port';
import type { OutboxStatus } from './views';

/** One event with its whole delivery log (`GET /admin/outbox/{eventId}`). */
export interface OutboxEventDetail {
  envelope: OrderEventEnvelope;
  status: OutboxStatus;
  /** Oldest first. */
  attempts: DeliveryAttempt[];
  nextAttemptAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** An event of the replay feed: the envelope as delivered, and how its delivery stands. */
export interface FeedEvent {
  envelope: OrderEventEnvelope;
  status: OutboxStatus;
  attempts: number;
  deliveredAt: Date | null;
}

export interface EventFeedPage {
  /** Ascending by sequence. */
  items: FeedEvent[];
  /** Pass as `after` for the next page: the last sequence served, or the `after` asked for when none was. */
  nextAfter: number;
}
