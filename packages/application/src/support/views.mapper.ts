import type { Order, Product, UserCoupon } from '@storefront/domain';
import type { OrderView, ProductView, UserCouponView } from '../ports';

export function productView(product: Product): ProductView {
  return product.toPrimitives();
}

export function orderView(order: Order): OrderView {
  const p = order.toPrimitives();
  return {
    orderId: p.id,
    userId: p.userId,
    status: p.status,
    items: p.lines,
    totalAmount: p.totalAmount,
    discountAmount: p.discountAmount,
    paidAmount: p.paidAmount,
    userCouponId: p.userCouponId,
    createdAt: p.createdAt,
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
