import { z } from 'zod';

const refund = z.looseObject({
  refundId: z.number().int().positive(),
  orderId: z.number().int().positive(),
  items: z.array(z.looseObject({ productId: z.number().int(), quantity: z.number().int(), amount: z.number().int() })).min(1),
  amount: z.number().int(),
  restocked: z.boolean(),
  reason: z.string().nullable(),
  createdAt: z.string(),
});

/**
 * What a claimed outbox row must hold to be delivered. The relay is an edge: the row was written
 * by a use case (place, cancel, refund), but it crosses a JSON column, so it is checked before it
 * leaves the service. The order's newer fields (shares, refunds, `refund` of order.refunded) pass
 * through as they were written.
 */
export const claimedOutboxRowSchema = z.object({
  seq: z.coerce.number().int(),
  event_id: z.guid(),
  type: z.enum(['order.paid', 'order.cancelled', 'order.refunded']),
  occurred_at: z.coerce.date(),
  attempts: z.coerce.number().int().min(1),
  claim_token: z.guid(),
  /**
   * The order view of API.md; its dates are ISO strings in the JSON column. jsonb keeps keys in
   * its own order; parsing puts them back in the order API.md lists them.
   */
  payload: z.looseObject({
    orderId: z.number().int().positive(),
    userId: z.number().int().positive(),
    status: z.enum(['PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'CANCELLED']),
    items: z
      .array(
        z.looseObject({
          productId: z.number().int(),
          name: z.string(),
          unitPrice: z.number().int(),
          quantity: z.number().int(),
          amount: z.number().int(),
          paidAmount: z.number().int(),
          refundedQuantity: z.number().int(),
        }),
      )
      .min(1),
    totalAmount: z.number().int(),
    discountAmount: z.number().int(),
    paidAmount: z.number().int(),
    refundedAmount: z.number().int(),
    userCouponId: z.number().int().nullable(),
    refunds: z.array(refund),
    createdAt: z.string(),
    cancelledAt: z.string().nullable(),
    /** Only in order.refunded: the refund the event reports. */
    refund: refund.optional(),
  }),
});
