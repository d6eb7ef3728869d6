import type { OrderQueries, OrderView, Page, PageRequest } from '@storefront/application';
import type { OrderLine } from '@storefront/domain';
import type { Kysely, Selectable } from 'kysely';
import type { DB, OrdersTable } from '../db/schema';
import { toPage } from './keyset-page';

const orderColumns = ['id', 'user_id', 'status', 'total_amount', 'discount_amount', 'paid_amount', 'user_coupon_id', 'created_at'] as const;

export class PgOrderQueries implements OrderQueries {
  constructor(private readonly db: Kysely<DB>) {}

  async orderById(orderId: number): Promise<OrderView | null> {
    const row = await this.db.selectFrom('orders').select(orderColumns).where('id', '=', orderId).executeTakeFirst();
    if (!row) return null;
    const lines = await this.linesOf([row.id]);
    return toView(row, lines.get(row.id) ?? []);
  }

  /** One query for the page of orders and one for all their lines: no query per order. */
  async ordersOf(userId: number, page: PageRequest): Promise<Page<OrderView>> {
    let query = this.db.selectFrom('orders').select(orderColumns).where('user_id', '=', userId);
    if (page.after !== null) query = query.where('id', '<', page.after);
    const rows = await query.orderBy('id', 'desc').limit(page.limit + 1).execute();
    const lines = await this.linesOf(rows.slice(0, page.limit).map((row) => row.id));
    return toPage(rows, page, (row) => row.id, (row) => toView(row, lines.get(row.id) ?? []));
  }

  private async linesOf(orderIds: number[]): Promise<Map<number, OrderLine[]>> {
    const byOrder = new Map<number, OrderLine[]>();
    if (orderIds.length === 0) return byOrder;
    const rows = await this.db
      .selectFrom('order_lines')
      .select(['order_id', 'product_id', 'name', 'unit_price', 'quantity', 'amount'])
      .where('order_id', 'in', orderIds)
      .orderBy('order_id')
      .orderBy('product_id')
      .execute();
    for (const row of rows) {
      const lines = byOrder.get(row.order_id) ?? [];
      lines.push({ productId: row.product_id, name: row.name, unitPrice: row.unit_price, quantity: row.quantity, amount: row.amount });
      byOrder.set(row.order_id, lines);
    }
    return byOrder;
  }
}

function toView(row: Pick<Selectable<OrdersTable>, (typeof orderColumns)[number]>, items: OrderLine[]): OrderView {
  return {
    orderId: row.id,
    userId: row.user_id,
    status: row.status,
    items,
    totalAmount: row.total_amount,
    discountAmount: row.discount_amount,
    paidAmount: row.paid_amount,
    userCouponId: row.user_coupon_id,
    createdAt: row.created_at,
  };
}
