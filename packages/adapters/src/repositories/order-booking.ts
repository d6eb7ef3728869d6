import type { Order } from '@storefront/domain';
import type { SentWithCommit } from '../db/sent-with-commit';
import { inlinedInteger, inlinedText, inlinedTimestamp } from '../db/sql-literals';

/**
 * A placed order, written with the COMMIT (sent-with-commit.ts): its row, its lines and, when it
 * spent a user coupon, that copy marked used by it. Values are inlined as checked literals
 * (sql-literals.ts): the statements travel in the COMMIT's simple-protocol query.
 *
 * The copy is marked in the order row's own statement, and the row is written only if the copy
 * was still free and the buyer's: the store's guard behind the domain's `useFor`. A copy spent
 * meanwhile or another user's (a bug: the use case holds its lock and asks the domain) leaves no
 * order row, so the lines' reference to it fails the statement after, and with it the COMMIT.
 */
export class OrderBooking implements SentWithCommit {
  private readonly sql: string[];

  constructor(order: Order) {
    const p = order.toPrimitives();
    const id = inlinedInteger(p.id, 'The order id');
    const userId = inlinedInteger(p.userId, "The order's user id");
    const at = inlinedTimestamp(p.createdAt, "The order's time");
    const values = [
      id,
      userId,
      inlinedText(p.status, "The order's status"),
      inlinedInteger(p.totalAmount, "The order's total"),
      inlinedInteger(p.discountAmount, "The order's discount"),
      inlinedInteger(p.paidAmount, "The order's paid amount"),
      inlinedInteger(p.refundedAmount, "The order's refunded amount"),
    ].join(', ');
    const columns = 'insert into orders (id, user_id, status, total_amount, discount_amount, paid_amount, refunded_amount, user_coupon_id, created_at)';
    const orderRow =
      p.userCouponId === null
        ? `${columns} values (${values}, null, ${at})`
        : `with spent as (update user_coupons set used_at = ${at}, order_id = ${id} where id = ${inlinedInteger(p.userCouponId, "The order's user coupon id")} and user_id = ${userId} and used_at is null returning id)` +
          ` ${columns} select ${values}, spent.id, ${at} from spent`;
    const lines = p.lines.map(
      (line) =>
        `(${id}, ${inlinedInteger(line.productId, 'A line’s product id')}, ${inlinedText(line.name, 'A line’s name')}, ${inlinedInteger(line.unitPrice, 'A line’s unit price')}, ` +
        `${inlinedInteger(line.quantity, 'A line’s quantity')}, ${inlinedInteger(line.amount, 'A line’s amount')}, ${inlinedInteger(line.paidAmount, 'A line’s paid amount')}, ` +
        `${inlinedInteger(line.refundedQuantity, 'A line’s refunded quantity')})`,
    );
    this.sql = [orderRow, `insert into order_lines (order_id, product_id, name, unit_price, quantity, amount, paid_amount, refunded_quantity) values ${lines.join(', ')}`];
  }

  statements(): string[] {
    return this.sql;
  }
}
