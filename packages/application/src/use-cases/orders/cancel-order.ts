import { Order, orderNotFound, requireId, type UserCoupon } from '@storefront/domain';
import type { Clock, OrderView, ProductCache, TransactionScope, UnitOfWork } from '../../ports';
import { orderView } from '../../support/views.mapper';
import type { Viewer } from './get-order';

export interface CancelOrderInput {
  orderId: number;
  /** Who asks: the order's own user, or an admin. Anyone else is told the order does not exist. */
  actor: Viewer;
  reason: string | null;
}

/**
 * Undoes a PAID order without refunds, all or nothing, in one transaction: the stock of every
 * line back, the paid amount credited with one REFUND history row (above the ceiling if need be),
 * the user coupon usable again, the order CANCELLED, and one `order.cancelled` event in the
 * outbox.
 *
 * The lock order is PlaceOrder's: the user's own rows first — the wallet, the user coupon, then
 * the order row, whose status decides — and the stock of each product last, put back at commit
 * in ascending id order, so a cancellation and an order of the same hot product cannot deadlock.
 */
export class CancelOrder {
  constructor(
    private readonly transactions: UnitOfWork,
    private readonly clock: Clock,
    /** Told which products got their units back, once the cancellation committed. */
    private readonly productCache: ProductCache,
  ) {}

  async execute(input: CancelOrderInput): Promise<OrderView> {
    const orderId = requireId(input.orderId, 'orderId');
    const reason = Order.validReason(input.reason);

    this.productCache.beginWrite();
    const cancelled = await this.transactions.run(async (tx) => {
      const now = this.clock.now();
      const owner = await tx.orders.ownerOf(orderId);
      if (!owner || (!input.actor.isAdmin && owner.userId !== input.actor.userId)) throw orderNotFound(orderId);

      const wallet = await tx.wallets.lockForUser(owner.userId, now);
      const userCoupon = owner.userCouponId === null ? null : await lockUserCoupon(tx, owner.userCouponId);
      const order = await tx.orders.lockById(orderId);
      if (!order) throw orderNotFound(orderId);

      order.cancel(now, reason);
      const credit = wallet.refund(order.paidAmount, now);
      await tx.wallets.saveRefunded(wallet);
      await tx.balanceHistory.append(credit, order.id);
      if (userCoupon) {
        userCoupon.release();
        await tx.userCoupons.markReleased(userCoupon, order.id);
      }
      await tx.orders.saveLifecycle(order);
      const view = orderView(order);
      await tx.outbox.append({ type: 'order.cancelled', occurredAt: now, data: view });

      for (const line of order.lines) await tx.products.putBackStockAtCommit(line.productId, line.quantity);
      return view;
    });
    this.productCache.evict(cancelled.items.map((line) => line.productId));
    return cancelled;
  }
}

async function lockUserCoupon(tx: TransactionScope, userCouponId: number): Promise<UserCoupon> {
  const userCoupon = await tx.userCoupons.lockById(userCouponId);
  // The order references it by a foreign key: a missing copy is a broken database, not a request.
  if (!userCoupon) throw new Error(`User coupon ${userCouponId} of an order does not exist`);
  return userCoupon;
}
