import createClient from 'openapi-fetch';
import type { components, paths } from './storefront-api.generated';

/*
 * A storefront written the way a client team would write it: against the TypeScript types that
 * openapi-typescript generates from the served document, with openapi-fetch, and not one type
 * written by hand. generated-client.unit.test.ts generates the types, type-checks this file
 * against them (so a breaking change to the document breaks the build) and runs it against a live
 * service. This file is outside the package's tsconfig and ESLint because the types it imports
 * exist only once that test has generated them.
 */

type OutOfStock = components['schemas']['OutOfStockProblem'];

export interface Shopper {
  baseUrl: string;
  userId: number;
  userToken: string;
  adminToken: string;
}

export interface ShoppingTrip {
  balanceAfterCharge: number;
  orderId: number;
  paidAmount: number;
  discountAmount: number;
  readBack: components['schemas']['Order'];
  refusal: Pick<OutOfStock, 'code' | 'productId' | 'available'>;
}

export async function shop({ baseUrl, userId, userToken, adminToken }: Shopper): Promise<ShoppingTrip> {
  const shopper = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${userToken}` } });
  const admin = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${adminToken}` } });

  const product = await admin.POST('/admin/products', { body: { name: 'Espresso beans 1 kg', price: 28_000, stock: 3 } });
  if (!product.data) throw new Error(`creating a product failed: ${product.error.code}: ${product.error.detail}`);

  const coupon = await admin.POST('/admin/coupons', {
    body: { name: 'Welcome 5,000 won off', discountType: 'FIXED', discountValue: 5_000, totalQuantity: 100, expiresAt: '2026-12-31T00:00:00+09:00' },
  });
  if (!coupon.data) throw new Error(`creating a coupon failed: ${coupon.error.code}`);

  const charged = await shopper.POST('/users/{userId}/balance/charge', {
    params: { path: { userId }, header: { 'idempotency-key': `charge-${userId}-1` } },
    body: { amount: 100_000 },
  });
  if (!charged.data) throw new Error(`charging failed: ${charged.error.code}`);

  const issued = await shopper.POST('/users/{userId}/coupons', { params: { path: { userId } }, body: { couponId: coupon.data.id } });
  if (!issued.data) throw new Error(`claiming the coupon failed: ${issued.error.code}`);

  const placed = await shopper.POST('/orders', {
    params: { header: { 'idempotency-key': `order-${userId}-1` } },
    body: { userId, items: [{ productId: product.data.id, quantity: 2 }], userCouponId: issued.data.userCouponId },
  });
  if (!placed.data) throw new Error(`ordering failed: ${placed.error.code}`);

  const read = await shopper.GET('/orders/{orderId}', { params: { path: { orderId: placed.data.orderId } } });
  if (!read.data) throw new Error(`reading the order failed: ${read.error.code}`);

  // One unit is left: asking for two is refused, and the refusal says which product and how many remain.
  const refused = await shopper.POST('/orders', { body: { userId, items: [{ productId: product.data.id, quantity: 2 }] } });
  if (refused.error?.code !== 'OUT_OF_STOCK') throw new Error(`expected OUT_OF_STOCK, got ${refused.response.status}`);
  const { code, productId, available } = refused.error;

  return {
    balanceAfterCharge: charged.data.balance,
    orderId: placed.data.orderId,
    paidAmount: placed.data.paidAmount,
    discountAmount: placed.data.discountAmount,
    readBack: read.data,
    refusal: { code, productId, available },
  };
}
