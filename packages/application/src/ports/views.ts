import {
  BALANCE_CHANGE_TYPES,
  DISCOUNT_TYPES,
  ORDER_STATUSES,
  USER_COUPON_STATUSES,
  type OrderLine,
  type RefundLine,
} from '@storefront/domain';
import { z } from 'zod';

/*
 * What the use cases answer with, declared once as zod schemas: the types below are inferred from
 * them, the HTTP routes answer with them (and the OpenAPI document is generated from them), and
 * the order events carry the order as they declare it. Each schema reads JSON and gives the view:
 * `z.input` is the JSON (dates as ISO-8601 strings), `z.output` the view (dates as Date). The
 * descriptions and examples are the published contract's, so they live here too.
 */

export const positiveId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).meta({ example: 42 });
export const won = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).meta({ example: 24_900 });
export const isoDateTime = z.iso.datetime({ offset: true }).meta({ example: '2026-11-24T09:00:00.000Z' });

/*
 * A Date in a view, an ISO-8601 string in JSON. Its Date side describes itself as that string, so
 * a response schema documents it, and serializes a Date, as the string that is sent.
 */
const { $schema: _dialect, ...isoDateTimeJson } = z.toJSONSchema(isoDateTime);
export const timestamp = z.codec(isoDateTime, z.date().meta(isoDateTimeJson), {
  decode: (text) => new Date(text),
  encode: (date) => date.toISOString(),
});

const quantity = z.number().int().min(1).max(1000);

export const balanceSchema = z
  .object({ userId: positiveId, balance: won, updatedAt: timestamp })
  .meta({ id: 'Balance', examples: [{ userId: 42, balance: 37_500, updatedAt: '2026-11-24T09:12:31.000Z' }] });
export type BalanceView = z.output<typeof balanceSchema>;

export const chargeSchema = z
  .object({ userId: positiveId, balance: won, chargedAmount: won, transactionId: z.string() })
  .meta({ id: 'Charge', examples: [{ userId: 42, balance: 87_500, chargedAmount: 50_000, transactionId: '1187' }] });
export type ChargeView = z.output<typeof chargeSchema>;

export const balanceHistoryEntrySchema = z
  .object({
    transactionId: z.string(),
    type: z.enum(BALANCE_CHANGE_TYPES),
    amount: won,
    balanceAfter: won,
    orderId: positiveId.nullable(),
    createdAt: timestamp,
  })
  .meta({
    id: 'BalanceHistoryEntry',
    examples: [{ transactionId: '1188', type: 'PAYMENT', amount: 28_500, balanceAfter: 59_000, orderId: 1024, createdAt: '2026-11-24T09:15:02.000Z' }],
  });
export type BalanceHistoryEntryView = z.output<typeof balanceHistoryEntrySchema>;

export const productSchema = z
  .object({ id: positiveId, name: z.string(), price: won, stock: won })
  .meta({ id: 'Product', examples: [{ id: 12, name: 'Espresso beans 1 kg', price: 28_000, stock: 140 }] });
export type ProductView = z.output<typeof productSchema>;

export const couponSchema = z
  .object({
    id: positiveId,
    name: z.string(),
    discountType: z.enum(DISCOUNT_TYPES),
    discountValue: won,
    totalQuantity: won,
    remainingQuantity: won,
    expiresAt: timestamp,
  })
  .meta({
    id: 'Coupon',
    examples: [
      { id: 3, name: 'Black Friday 5,000 won off', discountType: 'FIXED', discountValue: 5_000, totalQuantity: 1_000, remainingQuantity: 212, expiresAt: '2026-11-30T15:00:00.000Z' },
    ],
  });
export type CouponView = z.output<typeof couponSchema>;

export const userCouponSchema = z
  .object({
    userCouponId: positiveId,
    couponId: positiveId,
    userId: positiveId,
    status: z.enum(USER_COUPON_STATUSES),
    issuedAt: timestamp,
    expiresAt: timestamp,
  })
  .meta({
    id: 'UserCoupon',
    examples: [{ userCouponId: 77, couponId: 3, userId: 42, status: 'AVAILABLE', issuedAt: '2026-11-24T09:00:00.412Z', expiresAt: '2026-11-30T15:00:00.000Z' }],
  });
export type UserCouponView = z.output<typeof userCouponSchema>;

const refundLine = z.object({ productId: positiveId, quantity, amount: won.meta({ description: "The units' exact share of the line's paidAmount" }) });

export const refundSchema = z
  .object({
    refundId: positiveId,
    orderId: positiveId,
    items: z.array(refundLine).min(1).max(50),
    amount: won,
    restocked: z.boolean(),
    reason: z.string().nullable(),
    createdAt: timestamp,
  })
  .meta({
    id: 'Refund',
    examples: [
      {
        refundId: 9,
        orderId: 1024,
        items: [{ productId: 7, quantity: 1, amount: 41_918 }],
        amount: 41_918,
        restocked: true,
        reason: 'Arrived dented',
        createdAt: '2026-11-25T02:40:00.000Z',
      },
    ],
  });
export type RefundView = z.output<typeof refundSchema>;

const orderLine = z.object({
  productId: positiveId,
  name: z.string(),
  unitPrice: won,
  quantity,
  amount: won,
  paidAmount: won.meta({ description: "The line's share of the order's paidAmount" }),
  refundedQuantity: won,
});

/** What an order looks like in the document (a paid order of two lines with a coupon). */
export const orderExample = {
  orderId: 1024,
  userId: 42,
  status: 'PAID',
  items: [
    { productId: 12, name: 'Espresso beans 1 kg', unitPrice: 28_000, quantity: 1, amount: 28_000, paidAmount: 26_082, refundedQuantity: 0 },
    { productId: 7, name: 'Pour-over kettle', unitPrice: 45_000, quantity: 1, amount: 45_000, paidAmount: 41_918, refundedQuantity: 0 },
  ],
  totalAmount: 73_000,
  discountAmount: 5_000,
  paidAmount: 68_000,
  refundedAmount: 0,
  userCouponId: 77,
  refunds: [],
  createdAt: '2026-11-24T09:15:02.000Z',
  cancelledAt: null,
};

export const orderSchema = z
  .object({
    orderId: positiveId,
    userId: positiveId,
    status: z.enum(ORDER_STATUSES),
    items: z.array(orderLine).min(1).max(50),
    totalAmount: won,
    discountAmount: won,
    paidAmount: won,
    refundedAmount: won,
    userCouponId: positiveId.nullable(),
    /** Oldest first. */
    refunds: z.array(refundSchema),
    createdAt: timestamp,
    cancelledAt: timestamp.nullable(),
  })
  .meta({ id: 'Order', examples: [orderExample] });
export type OrderView = z.output<typeof orderSchema>;

/*
 * The lines of an order and of a refund are the domain's, as the aggregate keeps them: checked
 * here, so that the view and the aggregate cannot drift apart.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const sameLines: [Same<z.output<typeof orderLine>, OrderLine>, Same<z.output<typeof refundLine>, RefundLine>] = [true, true];
void sameLines;

export interface DailyProductSales {
  /** Business day, YYYY-MM-DD. */
  day: string;
  productId: number;
  quantity: number;
  revenue: number;
}

const topProduct = z.object({ rank: positiveId, productId: positiveId, name: z.string(), price: won, soldQuantity: won, revenue: won });
export type TopProductView = z.output<typeof topProduct>;

/** The best sellers and the business days (YYYY-MM-DD) they cover. */
export const topProductsSchema = z
  .object({ from: z.iso.date(), to: z.iso.date(), items: z.array(topProduct) })
  .meta({
    id: 'TopProducts',
    examples: [
      {
        from: '2026-11-21',
        to: '2026-11-23',
        items: [
          { rank: 1, productId: 12, name: 'Espresso beans 1 kg', price: 28_000, soldQuantity: 310, revenue: 8_680_000 },
          { rank: 2, productId: 7, name: 'Pour-over kettle', price: 45_000, soldQuantity: 96, revenue: 4_320_000 },
        ],
      },
    ],
  });
export type TopProductsView = z.output<typeof topProductsSchema>;

export const OUTBOX_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

export const outboxEventSchema = z
  .object({
    eventId: z.string(),
    type: z.string(),
    status: z.enum(OUTBOX_STATUSES),
    attempts: won,
    nextAttemptAt: timestamp.nullable(),
    lastError: z.string().nullable(),
    createdAt: timestamp,
    deliveredAt: timestamp.nullable(),
  })
  .meta({
    id: 'OutboxEvent',
    examples: [
      {
        eventId: '0b6e2f0c-5a1d-4c61-9d0e-3f3a8c1b7d21',
        type: 'order.paid',
        status: 'FAILED',
        attempts: 12,
        nextAttemptAt: null,
        lastError: 'HTTP 503 from the data platform',
        createdAt: '2026-11-24T09:15:02.000Z',
        deliveredAt: null,
      },
    ],
  });
export type OutboxEventView = z.output<typeof outboxEventSchema>;
