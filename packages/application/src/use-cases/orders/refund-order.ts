import { Money, Order, orderNotFound, requireId, type RequestedLine } from '@storefront/domain';
import type { Clock, ProductCache, RefundView, UnitOfWork } from '../../ports';
import { orderView, refundView } from '../../support/views.mapper';

export interface RefundOrderInput {
  orderId: number;
  items: RequestedLine[];
  /** Whether the units go back into stock (true unless told otherwise). */
  restock: boolean;
  reason: string | null;
}

/**
 * An admin gives back some units of some lines of a PAID or PARTIALLY_REFUNDED order, all or
 * nothing, in one transaction: each unit's exact share of its line's paid amount credited with
 * one REFUND history row (above the ceiling if need be), the stock restored when `restock`, the
 * order PARTIALLY_REFUNDED or REFUNDED with the refund recorded, and one `order.refunded` event
 * in the outbox. The coupon is not given back.
 *
 * Lock order: the user's wallet, then the order row (so two refunds, or a refund and a
 * cancellation, of one order queue on it and the second sees what the first did), then the
 * stock of the refunded products, put back at commit in ascending id order.
 */
export class RefundOrder {
  constructor(
    private readonly transactions: UnitOfWork,
    private readonly clock: Clock,
    /** Told which products got units back (a refund that restocks), once the refund committed. */
    private readonly productCache: ProductCache,
  ) {}

  async execute(input: RefundOrderInput): Promise<RefundView> {
    const orderId = requireId(input.orderId, 'orderId');
    // Shape and reason are checked before anything is read or locked.
    Order.validateRequest(input.items);
    Order.validReason(input.reason);

    this.productCache.beginWrite();
    const refunded = await this.transactions.run(async (tx) => {
      const now = this.clock.now();
      const owner = await tx.orders.ownerOf(orderId);
      if (!owner) throw orderNotFound(orderId);

      const wallet = await tx.wallets.lockForUser(owner.userId, now);
      const order = await tx.orders.lockById(orderId);
      if (!order) throw orderNotFound(orderId);

      const refund = order.refund({ refundId: await tx.orders.nextRefundId(), items: input.items, restock: input.restock, reason: input.reason, now });
      const credit = wallet.refund(Money.of(refund.amount), now);
      await tx.wallets.saveRefunded(wallet);
      await tx.balanceHistory.append(credit, order.id);
      await tx.orders.addRefund(refund);
      await tx.orders.saveLifecycle(order);
      const view = refundView(refund);
      await tx.outbox.append({ type: 'order.refunded', occurredAt: now, data: { ...orderView(order), refund: view } });

      if (refund.restocked) {
        for (const line of refund.lines) await tx.products.putBackStockAtCommit(line.productId, line.quantity);
      }
      return view;
    });
    this.productCache.evict(refunded.restocked ? refunded.items.map((line) => line.productId) : []);
    return refunded;
  }
}
