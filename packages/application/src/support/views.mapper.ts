import type { Order, OrderPrimitives, Product, RefundPrimitives, UserCoupon } from '@storefront/domain';
import type { OrderView, ProductView, RefundView, UserCouponView } from '../ports';

export function productView(product: Product): ProductView {
  return product.toPrimitives();
}

export function orderView(order: Order): OrderView {
  return orderViewOf(order.toPrimitives());
}

/** The view of stored order primitives (the in-memory queries read them without an aggregate). */
export function orderViewOf(p: OrderPrimitives): OrderView {
  return {
    orderId: p.id,
    userId: p.userId,
    status: p.status,
    items: p.lines.map((line) => ({ ...line })),
    totalAmount: p.totalAmount,
    discountAmount: p.discountAmount,
    paidAmount: p.paidAmount,
    refundedAmount: p.refundedAmount,
    userCouponId: p.userCouponId,
    refunds: p.refunds.map(refundView),
    createdAt: p.createdAt,
    cancelledAt: p.cancelledAt,
  };
}

export function refundView(r: RefundPrimitives): RefundView {
  return {
    refundId: r.id,
    orderId: r.orderId,
    items: r.lines.map((line) => ({ ...line })),
    amount: r.amount,
    restocked: r.restocked,
    reason: r.reason,
    createdAt: r.createdAt,
  };
}

export function userCouponView(userCoupon: UserCoupon, now: Date): UserCouponView {
  return {
    userCouponId: userCoupon.id,
    couponId: userCoupon.couponId,
    userId: userCoupon.userId,
    status: userCoupon.statusAt(now),
    issuedAt: userCoupon.issuedAt,
    expiresAt: userCoupon.expiresAt,
  };
}
