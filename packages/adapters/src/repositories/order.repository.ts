import type { OrderRepository } from '@storefront/application';
import { Order, type RefundPrimitives } from '@storefront/domain';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/database.schema';
import { sendWithCommit } from '../db/sent-with-commit';
import { OrderBooking } from './order-booking';
import { orderColumns, withLinesAndRefunds } from './order.loader';

export class PgOrderRepository implements OrderRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async nextRefundId(): Promise<number> {
    const { rows } = await sql<{ id: number }>`select nextval(pg_get_serial_sequence('refunds', 'id')) as id`.execute(this.db);
    const id = rows[0]?.id;
    if (id === undefined) throw new Error('The refunds sequence answered no value');
    return id;
  }

  /**
   * Defers the order, its lines and the user coupon it spent to the COMMIT (see order-booking.ts):
   * they travel in the commit's own round trip, with the payment and the stock.
   */
  async add(order: Order): Promise<void> {
    await sendWithCommit(this.db, new OrderBooking(order));
  }

  async ownerOf(orderId: number): Promise<{ userId: number; userCouponId: number | null } | null> {
    const row = await this.db.selectFrom('orders').select(['user_id', 'user_coupon_id']).where('id', '=', orderId).executeTakeFirst();
    return row ? { userId: row.user_id, userCouponId: row.user_coupon_id } : null;
  }

  /** `SELECT … FOR UPDATE` on the order row: its lines and refunds change only under this lock. */
  async lockById(orderId: number): Promise<Order | null> {
    const row = await this.db.selectFrom('orders').select(orderColumns).where('id', '=', orderId).forUpdate().executeTakeFirst();
    if (!row) return null;
    const [primitives] = await withLinesAndRefunds(this.db, [row]);
    return primitives ? Order.fromPrimitives(primitives) : null;
  }

  async saveLifecycle(order: Order): Promise<void> {
    const p = order.toPrimitives();
    await this.db
      .updateTable('orders')
      .set({ status: p.status, refunded_amount: p.refundedAmount, cancelled_at: p.cancelledAt, cancel_reason: p.cancelReason })
      .where('id', '=', p.id)
      .execute();
    // One statement for every line whose refunded units changed.
    const changed = p.lines.filter((line) => line.refundedQuantity > 0);
    if (changed.length === 0) return;
    await sql`
      update order_lines l set refunded_quantity = v.refunded_quantity
      from (values ${sql.join(changed.map((line) => sql`(${line.productId}::bigint, ${line.refundedQuantity}::int)`))}) as v (product_id, refunded_quantity)
      where l.order_id = ${p.id} and l.product_id = v.product_id`.execute(this.db);
  }

  async addRefund(refund: RefundPrimitives): Promise<void> {
    await this.db
      .insertInto('refunds')
      .values({ id: refund.id, order_id: refund.orderId, amount: refund.amount, restocked: refund.restocked, reason: refund.reason, created_at: refund.createdAt })
      .execute();
    await this.db
      .insertInto('refund_lines')
      .values(refund.lines.map((line) => ({ refund_id: refund.id, order_id: refund.orderId, product_id: line.productId, quantity: line.quantity, amount: line.amount })))
      .execute();
  }
}
