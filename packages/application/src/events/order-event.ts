import { z } from 'zod';
import { orderSchema, refundSchema, timestamp, won, type OrderView, type RefundView } from '../ports/views';

/*
 * The order event contract (docs/events.md), declared once: the envelope the data platform receives
 * (`orderEventEnvelopeSchema`, served as it is by the admin routes and checked where it leaves the
 * service), and what a use case writes into the outbox (`OrderEvent`). The order inside is the
 * order view the use cases already answer with, as JSON.
 */

export const ORDER_EVENT_TYPES = ['order.paid', 'order.cancelled', 'order.refunded'] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/**
 * The envelope of docs/events.md: `eventId` is the outbox row's id, `sequence` increases with every event
 * written (gaps allowed), `occurredAt` is ISO-8601, `data` the order after the change — with the
 * refund for `order.refunded`.
 */
export const orderEventEnvelopeSchema = z.object({
  eventId: z.string(),
  type: z.enum(ORDER_EVENT_TYPES),
  occurredAt: timestamp,
  sequence: won,
  data: orderSchema
    .extend({ refund: refundSchema.optional().meta({ description: 'The refund, for order.refunded' }) })
    .meta({ description: 'The order after the change' }),
});

/** `data` of each event type: the order after the change, plus the refund for `order.refunded`. */
type DataOf<T extends OrderEventType, Order, Refund> = T extends 'order.refunded' ? Order & { refund: Refund } : Order;

/** An event as a use case writes it, in the transaction of the change it reports. */
export type OrderEvent = {
  [T in OrderEventType]: { type: T; occurredAt: Date; data: DataOf<T, OrderView, RefundView> };
}[OrderEventType];

/** The envelope as sent: JSON, each type with its own `data`. */
export type OrderEventEnvelope = {
  [T in OrderEventType]: Omit<z.input<typeof orderEventEnvelopeSchema>, 'type' | 'data'> & {
    type: T;
    data: DataOf<T, z.input<typeof orderSchema>, z.input<typeof refundSchema>>;
  };
}[OrderEventType];

/**
 * What the relay checks before it sends an envelope read back from storage: the envelope's own
 * fields, a sequenced event with a UUID, and of the order only what delivery relies on — the
 * order id (events of one order go out in order) and, for a refund, that the refund is there. The
 * order's own fields are the order view's business: a row written by an older version still goes out.
 */
const deliverableEnvelopeSchema = orderEventEnvelopeSchema
  .extend({
    eventId: z.uuid(),
    sequence: z.number().int().positive(),
    data: z.looseObject({ orderId: orderSchema.shape.orderId, status: z.string(), refund: z.looseObject({}).optional() }),
  })
  .refine((envelope) => envelope.type !== 'order.refunded' || envelope.data.refund !== undefined, {
    path: ['data', 'refund'],
    message: 'an order.refunded event carries its refund',
  });

/**
 * Checks an envelope read back from storage; throws a ZodError when it is not one. Answers the
 * value itself, not zod's copy of it, so `data` goes out exactly as it was written.
 */
export function parseOrderEventEnvelope(value: unknown): OrderEventEnvelope {
  deliverableEnvelopeSchema.parse(value);
  return value as OrderEventEnvelope;
}

const ENVELOPE_FIELDS = Object.keys(orderEventEnvelopeSchema.shape) as Array<keyof OrderEventEnvelope>;

/**
 * The envelope's fields in the contract's order, and only those: the body every transport
 * sends, serialised once.
 */
export function envelopeBody(envelope: OrderEventEnvelope): string {
  return JSON.stringify(Object.fromEntries(ENVELOPE_FIELDS.map((field) => [field, envelope[field]])));
}
