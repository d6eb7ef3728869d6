import type { OrderLine, OrderPrimitives, RefundPrimitives } from '@storefront/domain';
import type { Kysely, Selectable } from 'kysely';
import type { DB, OrdersTable } from '../db/database.schema';

/** The columns of `orders` an order is rebuilt from. */
export const orderColumns = [
  'id',
  'user_id',
  'status',
  'total_amount',
  'discount_amount',
  'paid_amount',
  'refunded_amount',
  'user_coupon_id',
  'created_at',
  'cancelled_at',
  'cancel_reason',
] as const;

export type OrderRow = Pick<Selectable<OrdersTable>, (typeof orderColumns)[number]>;

/**
 * Orders with their lines and refunds, rebuilt from rows already read: three more queries
 * (lines, refunds, refund lines) however many orders there are. Answers them in `rows`' order.
 */
export async function withLinesAndRefunds(db: Kysely<DB>, rows: readonly OrderRow[]): Promise<OrderPrimitives[]> {
  if (rows.length === 0) return [];
  const orderIds = rows.map((row) => row.id);
  // One after the other: inside a transaction they share one connection anyway.
  const lineRows = await db
      .selectFrom('order_lines')
      .select(['order_id', 'product_id', 'name', 'unit_price', 'quantity', 'amount', 'paid_amount', 'refunded_quantity'])
      .where('order_id', 'in', orderIds)
      .orderBy('order_id')
      .orderBy('product_id')
      .execute();
  const refundRows = await db.selectFrom('refunds').select(['id', 'order_id', 'amount', 'restocked', 'reason', 'created_at']).where('order_id', 'in', orderIds).orderBy('id').execute();
  const refundLineRows =
    refundRows.length === 0
      ? []
      : await db
      .selectFrom('refund_lines')
      .select(['refund_id', 'product_id', 'quantity', 'amount'])
      .where('order_id', 'in', orderIds)
      .orderBy('refund_id')
      .orderBy('product_id')
      .execute();

  const lines = groupBy(lineRows, (l) => l.order_id, (l): OrderLine => ({
    productId: l.product_id,
    name: l.name,
    unitPrice: l.unit_price,
    quantity: l.quantity,
    amount: l.amount,
    paidAmount: l.paid_amount,
    refundedQuantity: l.refunded_quantity,
  }));
  const refundLines = groupBy(refundLineRows, (l) => l.refund_id, (l) => ({ productId: l.product_id, quantity: l.quantity, amount: l.amount }));
  const refunds = groupBy(refundRows, (r) => r.order_id, (r): RefundPrimitives => ({
    id: r.id,
    orderId: r.order_id,
    lines: refundLines.get(r.id) ?? [],
    amount: r.amount,
    restocked: r.restocked,
    reason: r.reason,
    createdAt: r.created_at,
  }));

  return rows.map((row) => ({
    id: row.id,
    userId: row.user_id,
    status: row.status,
    lines: lines.get(row.id) ?? [],
    totalAmount: row.total_amount,
    discountAmount: row.discount_amount,
    paidAmount: row.paid_amount,
    refundedAmount: row.refunded_amount,
    userCouponId: row.user_coupon_id,
    refunds: refunds.get(row.id) ?? [],
    createdAt: row.created_at,
    cancelledAt: row.cancelled_at,
    cancelReason: row.cancel_reason,
  }));
}

function groupBy<R, V>(rows: readonly R[], key: (row: R) => number, map: (row: R) => V): Map<number, V[]> {
  const groups = new Map<number, V[]>();
  for (const row of rows) {
    const group = groups.get(key(row)) ?? [];
    group.push(map(row));
    groups.set(key(row), group);
  }
  return groups;
}
