import { ErrorCode } from '@storefront/domain';
import { expect } from 'vitest';
import type { Storefront } from './storefront';

/**
 * One shopper's day through every use case, with the answers docs/api.md promises. The PostgreSQL
 * suite and the PGlite smoke test both run it, so the embedded mode is held to the same answers.
 */
export async function shopperJourney(shop: Storefront, userId: number): Promise<void> {
  // Wallet.
  expect(await shop.getBalance.execute({ userId })).toEqual({ userId, balance: 0, updatedAt: shop.clock.now() });
  const charged = await shop.chargeBalance.execute({ userId, amount: 50_000 });
  expect(charged).toMatchObject({ userId, balance: 50_000, chargedAmount: 50_000 });
  await expect(shop.chargeBalance.execute({ userId, amount: 10_000_000 })).rejects.toMatchObject({ code: ErrorCode.BalanceLimitExceeded });

  // Catalogue.
  const latte = await shop.createProduct.execute({ name: 'Latte', price: 5_000, stock: 10 });
  const muffin = await shop.createProduct.execute({ name: 'Muffin', price: 3_000, stock: 5 });
  expect(await shop.getProduct.execute({ productId: latte.id })).toEqual(latte);
  await expect(shop.getProduct.execute({ productId: 999_999 })).rejects.toMatchObject({ code: ErrorCode.ProductNotFound });
  expect(await shop.updateProduct.execute({ productId: muffin.id, changes: { price: 3_500, stock: 8 } })).toEqual({ ...muffin, price: 3_500, stock: 8 });
  await expect(shop.updateProduct.execute({ productId: 999_999, changes: { price: 1 } })).rejects.toMatchObject({ code: ErrorCode.ProductNotFound });
  const listed = await shop.listProducts.execute({ page: { limit: 100, after: null } });
  expect(listed.items).toEqual(expect.arrayContaining([latte, { ...muffin, price: 3_500, stock: 8 }]));

  // Coupons.
  const coupon = await shop.createCoupon.execute({
    name: '10% off',
    discountType: 'RATE',
    discountValue: 10,
    totalQuantity: 3,
    expiresAt: new Date(shop.clock.now().getTime() + 86_400_000),
  });
  expect(coupon.remainingQuantity).toBe(3);
  const issued = await shop.issueCoupon.execute({ userId, couponId: coupon.id });
  expect(issued).toMatchObject({ couponId: coupon.id, userId, status: 'AVAILABLE', issuedAt: shop.clock.now(), expiresAt: coupon.expiresAt });
  await expect(shop.issueCoupon.execute({ userId, couponId: coupon.id })).rejects.toMatchObject({ code: ErrorCode.CouponAlreadyIssued });
  await expect(shop.issueCoupon.execute({ userId, couponId: 999_999 })).rejects.toMatchObject({ code: ErrorCode.CouponNotFound });
  expect((await shop.getCoupon.execute({ couponId: coupon.id })).remainingQuantity).toBe(2);

  // An order with the coupon: 2 lattes + 1 muffin = 13,500, 10 % off = 1,350.
  const order = await shop.placeOrder.execute({
    userId,
    items: [
      { productId: muffin.id, quantity: 1 },
      { productId: latte.id, quantity: 2 },
    ],
    userCouponId: issued.userCouponId,
  });
  expect(order.orderId).toBeGreaterThan(0);
  expect(order).toEqual({
    orderId: order.orderId,
    userId,
    status: 'PAID',
    // 12,150 split 10,000 : 3,500 → 9,000 and 3,150 exactly.
    items: [
      { productId: latte.id, name: 'Latte', unitPrice: 5_000, quantity: 2, amount: 10_000, paidAmount: 9_000, refundedQuantity: 0 },
      { productId: muffin.id, name: 'Muffin', unitPrice: 3_500, quantity: 1, amount: 3_500, paidAmount: 3_150, refundedQuantity: 0 },
    ],
    totalAmount: 13_500,
    discountAmount: 1_350,
    paidAmount: 12_150,
    refundedAmount: 0,
    userCouponId: issued.userCouponId,
    refunds: [],
    createdAt: shop.clock.now(),
    cancelledAt: null,
  });
  expect(await shop.getOrder.execute({ orderId: order.orderId, viewer: { userId, isAdmin: false } })).toEqual(order);
  await expect(shop.getOrder.execute({ orderId: order.orderId, viewer: { userId: userId + 1, isAdmin: false } })).rejects.toMatchObject({
    code: ErrorCode.OrderNotFound,
  });
  expect(await shop.getOrder.execute({ orderId: order.orderId, viewer: { userId: userId + 1, isAdmin: true } })).toEqual(order);
  expect(await shop.listUserOrders.execute({ userId, page: { limit: 10, after: null } })).toEqual({ items: [order], nextAfter: null });
  await expect(
    shop.placeOrder.execute({ userId, items: [{ productId: latte.id, quantity: 1 }], userCouponId: issued.userCouponId }),
  ).rejects.toMatchObject({ code: ErrorCode.CouponNotUsable });

  expect(await shop.getBalance.execute({ userId })).toMatchObject({ balance: 50_000 - 12_150 });
  const history = await shop.getBalanceHistory.execute({ userId, page: { limit: 10, after: null } });
  expect(history.items.map((e) => [e.type, e.amount, e.balanceAfter, e.orderId])).toEqual([
    ['PAYMENT', 12_150, 37_850, order.orderId],
    ['CHARGE', 50_000, 50_000, null],
  ]);
  expect((await shop.getProduct.execute({ productId: latte.id })).stock).toBe(8);
  expect((await shop.listUserCoupons.execute({ userId, page: { limit: 10, after: null } })).items).toEqual([{ ...issued, status: 'USED' }]);

  // Statistics: aggregate the order's business day, then read the best sellers the next day.
  const day = shop.calendar.dayOf(shop.clock.now());
  const aggregated = await shop.aggregateDailySales.execute({ day });
  expect(aggregated.rows).toEqual(
    expect.arrayContaining([
      { day, productId: latte.id, quantity: 2, revenue: 10_000 },
      { day, productId: muffin.id, quantity: 1, revenue: 3_500 },
    ]),
  );

  // A refund of one latte: its exact share back, the stock restored, the coupon kept.
  const refund = await shop.refundOrder.execute({ orderId: order.orderId, items: [{ productId: latte.id, quantity: 1 }], restock: true, reason: 'spilled' });
  expect(refund).toEqual({
    refundId: refund.refundId,
    orderId: order.orderId,
    items: [{ productId: latte.id, quantity: 1, amount: 4_500 }],
    amount: 4_500,
    restocked: true,
    reason: 'spilled',
    createdAt: shop.clock.now(),
  });
  await expect(shop.cancelOrder.execute({ orderId: order.orderId, actor: { userId, isAdmin: false }, reason: null })).rejects.toMatchObject({
    code: ErrorCode.OrderNotCancellable,
  });
  expect(await shop.getOrder.execute({ orderId: order.orderId, viewer: { userId, isAdmin: false } })).toMatchObject({
    status: 'PARTIALLY_REFUNDED',
    refundedAmount: 4_500,
    refunds: [refund],
  });

  // A second order, cancelled: everything back, and the wallet where it was.
  const balanceBefore = (await shop.getBalance.execute({ userId })).balance;
  const second = await shop.placeOrder.execute({ userId, items: [{ productId: muffin.id, quantity: 2 }], userCouponId: null });
  const cancelled = await shop.cancelOrder.execute({ orderId: second.orderId, actor: { userId, isAdmin: false }, reason: 'ordered twice' });
  expect(cancelled).toMatchObject({ status: 'CANCELLED', refundedAmount: 7_000, cancelledAt: shop.clock.now() });
  expect((await shop.getBalance.execute({ userId })).balance).toBe(balanceBefore);
  expect((await shop.getProduct.execute({ productId: muffin.id })).stock).toBe(7);
  await expect(shop.refundOrder.execute({ orderId: second.orderId, items: [{ productId: muffin.id, quantity: 1 }], restock: true, reason: null })).rejects.toMatchObject({
    code: ErrorCode.OrderNotRefundable,
  });

  // The day's net sales: one latte fewer; the cancelled muffins were placed and cancelled the same day.
  expect((await shop.aggregateDailySales.execute({ day })).rows).toEqual(
    expect.arrayContaining([
      { day, productId: latte.id, quantity: 1, revenue: 5_000 },
      { day, productId: muffin.id, quantity: 1, revenue: 3_500 },
    ]),
  );
}
