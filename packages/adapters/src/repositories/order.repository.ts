import type { OrderRepository } from '@storefront/application';
import type { Order } from '@storefront/domain';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';

export class PgOrderRepository implements OrderRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** The id comes from the orders sequence before the order exists, so the domain can place it. */
  async nextId(): Promise<number> {
    const { rows } = await sql<{ id: number }>`select nextval(pg_get_serial_sequence('orders', 'id')) as id`.execute(this.db);
    const id = rows[0]?.id;
    if (id === undefined) throw new Error('The orders sequence answered no value');
    return id;
  }

  async add(order: Order): Promise<void> {
    const p = order.toPrimitives();
    await this.db
      .insertInto('orders')
      .values({
        id: p.id,
        user_id: p.userId,
        status: p.status,
        total_amount: p.totalAmount,
        discount_amount: p.discountAmount,
        paid_amount: p.paidAmount,
        user_coupon_id: p.userCouponId,
        created_at: p.createdAt,
      })
      .execute();
    await this.db
      .insertInto('order_lines')
      .values(
        p.lines.map((line) => ({
          order_id: p.id,
          product_id: line.productId,
          name: line.name,
          unit_price: line.unitPrice,
          quantity: line.quantity,
          amount: line.amount,
        })),
      )
      .execute();
  }
}
