import { z } from 'zod';

/**
 * What a claimed outbox row must hold to be delivered. The relay is an edge: the row was written
 * by place-order, but it crosses a JSON column, so it is checked before it leaves the service.
 */
export const claimedOutboxRowSchema = z.object({
  seq: z.coerce.number().int(),
  event_id: z.guid(),
  type: z.literal('order.paid'),
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
    status: z.literal('PAID'),
    items: z
      .array(
        z.looseObject({
          productId: z.number().int(),
          name: z.string(),
          unitPrice: z.number().int(),
          quantity: z.number().int(),
          amount: z.number().int(),
        }),
      )
      .min(1),
    totalAmount: z.number().int(),
    discountAmount: z.number().int(),
    paidAmount: z.number().int(),
    userCouponId: z.number().int().nullable(),
    createdAt: z.string(),
  }),
});
