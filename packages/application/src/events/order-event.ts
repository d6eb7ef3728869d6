import { z } from 'zod';
import type { OrderView, RefundView } from '../ports/views';

/*
 * The order event contract (docs/events.md), declared once: what a use case writes into the outbox
 * (`OrderEvent`), and the envelope the data platform receives (`OrderEventEnvelope`, checked by
 * `orderEventEnvelopeSchema` where it leaves the service). The order inside is not declared
 * again here: `data` is the order view the use cases already answer with, as JSON.
 */

export const ORDER_EVENT_TYPES = ['order.paid', 'order.cancelled', 'order.refunded'] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/** What a value becomes through JSON.stringify/parse: dates turn into ISO-8601 strings. */
export type Jsonified<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

/** `data` of each event type: the order after the change, plus the refund for `order.refunded`. */
export interface OrderEventData {
  'order.paid': OrderView;
  'order.cancelled': OrderView;
  'order.refunded': OrderView & { refund: RefundView };
}

/** An event as a use case writes it, in the transaction of the change it reports. */
export type OrderEvent = {
  [T in OrderEventType]: { type: T; occurredAt: Date; data: OrderEventData[T] };
}[OrderEventType];

/**
 * The envelope of docs/events.md, as sent: `eventId` is the outbox row's id, `sequence` increases with
 * every event written (gaps allowed), `occurredAt` is ISO-8601.
 */
export type OrderEventEnvelope = {
  [T in OrderEventType]: { eventId: string; type: T; occurredAt: string; sequence: number; data: Jsonified<OrderEventData[T]> };
}[OrderEventType];

/**
 * The envelope checked at the edge where it leaves the service (the relay reads it back from a
 * JSON column). The order's own fields are the order view's business: only what delivery relies
 * on is checked here — the order id (events of one order go out in order) and, for a refund, that
 * the refund is there.
 */
const orderData = z.looseObject({ orderId: z.number().int().positive(), status: z.string() });
const envelopeFields = {
  eventId: z.uuid(),
  occurredAt: z.iso.datetime({ offset: true }),
  sequence: z.number().int().positive(),
};
export const orderEventEnvelopeSchema = z.discriminatedUnion('type', [
  z.object({ ...envelopeFields, type: z.literal('order.paid'), data: orderData }),
  z.object({ ...envelopeFields, type: z.literal('order.cancelled'), data: orderData }),
  z.object({ ...envelopeFields, type: z.literal('order.refunded'), data: orderData.extend({ refund: z.looseObject({}) }) }),
]);

/**
 * Checks an envelope read back from storage; throws a ZodError when it is not one. Answers the
 * value itself, not zod's copy of it, so `data` goes out exactly as it was written.
 */
export function parseOrderEventEnvelope(value: unknown): OrderEventEnvelope {
  orderEventEnvelopeSchema.parse(value);
  return value as OrderEventEnvelope;
}

/** The envelope's fields in the contract's order: the body every transport sends, serialised once. */
export function envelopeBody(envelope: OrderEventEnvelope): string {
  return JSON.stringify({
    eventId: envelope.eventId,
    type: envelope.type,
    occurredAt: envelope.occurredAt,
    sequence: envelope.sequence,
    data: envelope.data,
  });
}
