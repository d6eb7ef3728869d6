import { orderEventEnvelopeSchema, type FeedEvent, type OrderEventEnvelope, type OutboxEventDetail } from '@storefront/application';

/*
 * The use cases' views are the answers: their schemas (`@storefront/application`'s views) are the
 * routes' response schemas, and the serializer writes their dates as ISO-8601 strings. What is
 * left here reshapes an answer: an event is served as its envelope with its delivery status.
 */

/** The envelope as the response schemas take it: stored as JSON, read back into its view. */
const envelopeView = (envelope: OrderEventEnvelope) => orderEventEnvelopeSchema.parse(envelope);

export const presentFeedEvent = (v: FeedEvent) => ({
  ...envelopeView(v.envelope),
  status: v.status,
  attempts: v.attempts,
  deliveredAt: v.deliveredAt,
});

export const presentEventDetail = (v: OutboxEventDetail) => ({
  ...envelopeView(v.envelope),
  status: v.status,
  attempts: v.attempts,
  nextAttemptAt: v.nextAttemptAt,
  lastError: v.lastError,
  createdAt: v.createdAt,
  deliveredAt: v.deliveredAt,
});
