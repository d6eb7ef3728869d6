/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call -- assertions read parsed JSON responses */
import { useFreshDatabase } from '@storefront/adapters/testing';
import { describe, expect, it } from 'vitest';
import { countBy, serveOnLoopback, type Answer } from './support/loopback';

/*
 * Cancellations and refunds racing each other and new orders, over real HTTP (loopback)
 * against PostgreSQL: hundreds of parallel requests, then the invariants 1–6 (docs/architecture.md) checked
 * on the database after each race.
 */

const testDb = useFreshDatabase({ poolSize: 20 });
// No product cache: every stock read below is the database's.
const service = serveOnLoopback({ open: async () => testDb.current, productCacheTtlMs: 0 });
const { ok, userToken, expectInvariants } = service;

let requestCount = 0;
/**
 * A racing request carries an Idempotency-Key, so the client may retry a 503 (load shed on a busy
 * machine) with it until a definitive answer: what the races assert is about those answers.
 */
const call = (method: string, path: string, jwt: string, body?: unknown) =>
  service.call(method, path, jwt, body, method === 'GET' ? {} : { 'idempotency-key': `lifecycle-race-${++requestCount}` });

async function product(name: string, price: number, stock: number): Promise<number> {
  return (await ok('POST', '/admin/products', service.adminToken, { name, price, stock })).id;
}

async function fund(userId: number, amount: number): Promise<void> {
  await ok('POST', `/users/${userId}/balance/charge`, await userToken(userId), { amount });
}

async function coupon(fields: { discountType: 'FIXED' | 'RATE'; discountValue: number; totalQuantity: number }): Promise<number> {
  return (await ok('POST', '/admin/coupons', service.adminToken, { name: 'Race coupon', ...fields, expiresAt: new Date(Date.now() + 86_400_000).toISOString() })).id;
}

const balanceOf = async (userId: number): Promise<number> => (await ok('GET', `/users/${userId}/balance`, service.adminToken)).balance;
const stockOf = async (productId: number): Promise<number> => (await ok('GET', `/products/${productId}`, service.adminToken)).stock;

describe('order lifecycle races over HTTP against PostgreSQL', () => {
  it('200 parallel cancels of one order: exactly one succeeds, and everything comes back once', async () => {
    const userId = 100;
    const a = await product('Cancel race A', 1_500, 10);
    const b = await product('Cancel race B', 4_000, 10);
    await fund(userId, 50_000);
    const jwt = await userToken(userId);
    const order = await ok('POST', '/orders', jwt, { userId, items: [{ productId: a, quantity: 3 }, { productId: b, quantity: 2 }] });

    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => call('POST', `/orders/${order.orderId}/cancel`, i % 2 === 0 ? jwt : service.adminToken)));
    expect(countBy(answers)).toEqual({ '200': 1, '409 ORDER_NOT_CANCELLABLE': 199 });
    expect(await balanceOf(userId)).toBe(50_000);
    expect([await stockOf(a), await stockOf(b)]).toEqual([10, 10]);
    const history = await ok('GET', `/users/${userId}/balance/history`, jwt);
    expect(history.items.filter((e: { type: string }) => e.type === 'REFUND')).toHaveLength(1);
    await expectInvariants();
  });

  it('100 parallel one-unit refunds of an order of 60 units: exactly 60 succeed and add up to the paid amount to the won', async () => {
    const userId = 200;
    // Odd prices and a 7 % coupon: shares and per-unit amounts that do not divide evenly.
    const ids = [await product('Refund race A', 1_999, 20), await product('Refund race B', 3_333, 20), await product('Refund race C', 777, 20)];
    await fund(userId, 200_000);
    const jwt = await userToken(userId);
    const issued = await ok('POST', `/users/${userId}/coupons`, jwt, { couponId: await coupon({ discountType: 'RATE', discountValue: 7, totalQuantity: 10 }) });
    const order = await ok('POST', '/orders', jwt, { userId, items: ids.map((productId) => ({ productId, quantity: 20 })), userCouponId: issued.userCouponId });
    expect(order.discountAmount).toBeGreaterThan(0);
    const before = await balanceOf(userId);

    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => call('POST', `/admin/orders/${order.orderId}/refunds`, service.adminToken, { items: [{ productId: ids[i % 3], quantity: 1 }] })),
    );
    const refunds = answers.filter((a) => a.status === 201);
    expect(refunds).toHaveLength(60);
    expect(answers.filter((a) => a.status !== 201).every((a) => a.status === 409 && ['REFUND_EXCEEDS_ORDER', 'ORDER_NOT_REFUNDABLE'].includes(a.json.code))).toBe(true);
    expect(refunds.reduce((sum, a) => sum + (a.json.amount as number), 0)).toBe(order.paidAmount);
    const after = await ok('GET', `/orders/${order.orderId}`, jwt);
    expect(after).toMatchObject({ status: 'REFUNDED', refundedAmount: order.paidAmount });
    expect(after.refunds).toHaveLength(60);
    expect(after.items.map((i: { refundedQuantity: number }) => i.refundedQuantity)).toEqual([20, 20, 20]);
    expect(await balanceOf(userId)).toBe(before + order.paidAmount);
    expect(await Promise.all(ids.map(stockOf))).toEqual([20, 20, 20]);
    await expectInvariants();
  });

  it('reads racing 40 refunds of one order: every answer agrees with itself (status, lines and refunds)', async () => {
    const userId = 250;
    const ids = [await product('Read race A', 1_999, 20), await product('Read race B', 3_333, 20)];
    await fund(userId, 200_000);
    const jwt = await userToken(userId);
    const order = await ok('POST', '/orders', jwt, { userId, items: ids.map((productId) => ({ productId, quantity: 20 })) });

    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    const refunds = Array.from({ length: 40 }, (_, i) => call('POST', `/admin/orders/${order.orderId}/refunds`, service.adminToken, { items: [{ productId: ids[i % 2], quantity: 1 }] }));
    const reads = Array.from({ length: 200 }, (_, i) => call('GET', i % 2 === 0 ? `/orders/${order.orderId}` : `/admin/orders?userId=${userId}`, i % 2 === 0 ? jwt : service.adminToken));
    const [refunded, read] = await Promise.all([Promise.all(refunds), Promise.all(reads)]);
    expect(refunded.every((a) => a.status === 201)).toBe(true);
    for (const answer of read) {
      expect(answer.status).toBe(200);
      const seen = answer.json.items[0]?.orderId === undefined ? answer.json : answer.json.items[0];
      const refundedUnits = sum(seen.refunds.flatMap((r: { items: Array<{ quantity: number }> }) => r.items.map((line) => line.quantity)));
      expect(sum(seen.items.map((line: { refundedQuantity: number }) => line.refundedQuantity))).toBe(refundedUnits);
      expect(seen.refundedAmount).toBe(sum(seen.refunds.map((r: { amount: number }) => r.amount)));
      expect(seen.status).toBe(refundedUnits === 0 ? 'PAID' : 'PARTIALLY_REFUNDED');
    }
    await expectInvariants();
  });

  it('40 cancels racing 120 new orders for the last units of a hot product: never oversold, stock exact', async () => {
    const hot = await product('Hot, cancelled and bought', 10_000, 40);
    const first = Array.from({ length: 40 }, (_, i) => 3_000 + i);
    const late = Array.from({ length: 120 }, (_, i) => 4_000 + i);
    for (const userId of [...first, ...late]) await fund(userId, 10_000);
    const orders = await Promise.all(first.map(async (userId) => ok('POST', '/orders', await userToken(userId), { userId, items: [{ productId: hot, quantity: 1 }] })));
    expect(await stockOf(hot)).toBe(0);

    const jwts = await Promise.all(late.map(userToken));
    const [cancels, buys] = await Promise.all([
      Promise.all(orders.map(async (order) => call('POST', `/orders/${order.orderId}/cancel`, await userToken(order.userId)))),
      Promise.all(late.map((userId, i) => call('POST', '/orders', jwts[i]!, { userId, items: [{ productId: hot, quantity: 1 }] }))),
    ]);
    expect(countBy(cancels)).toEqual({ '200': 40 });
    const bought = buys.filter((a) => a.status === 201).length;
    expect(buys.every((a) => a.status === 201 || (a.status === 409 && a.json.code === 'OUT_OF_STOCK'))).toBe(true);
    expect(bought).toBeLessThanOrEqual(40);
    expect(await stockOf(hot)).toBe(40 - bought);
    await expectInvariants();
  });

  it('20 stock edits and 20 price edits by an admin racing 200 orders of one product: no request fails, never oversold, every unit accounted for', async () => {
    // A stock edit locks every stock shard, in the order in which an order's take at commit waits
    // on them; a price edit locks the product's row alone.
    const hot = await product('Hot, restocked while bought', 5_000, 50);
    const buyers = Array.from({ length: 200 }, (_, i) => 6_000 + i);
    for (const userId of buyers) await fund(userId, 10_000);
    const jwts = await Promise.all(buyers.map(userToken));
    const edit = (i: number) => (i % 2 === 0 ? { stock: 10 + i / 2 } : { price: 4_000 + i });
    const [edits, buys] = await Promise.all([
      Promise.all(Array.from({ length: 40 }, (_, i) => call('PATCH', `/admin/products/${hot}`, service.adminToken, edit(i)))),
      Promise.all(buyers.map((userId, i) => call('POST', '/orders', jwts[i]!, { userId, items: [{ productId: hot, quantity: 1 + (i % 2) }] }))),
    ]);
    expect(countBy(edits)).toEqual({ '200': 40 });
    expect(buys.every((a) => a.status === 201 || (a.status === 409 && a.json.code === 'OUT_OF_STOCK'))).toBe(true);
    expect(await stockOf(hot)).toBeGreaterThanOrEqual(0);
    // The price is one an edit set: no stock edit wrote back a price it read before another's.
    const prices = Array.from({ length: 40 }, (_, i) => edit(i).price).filter((price) => price !== undefined);
    expect(prices).toContain((await ok('GET', `/products/${hot}`, service.adminToken)).price);
    await expectInvariants();
  });

  it('a cancel racing a refund of the same order, on 50 orders at once: one wins, the other gets its 409', async () => {
    const item = await product('Cancel or refund', 2_500, 200);
    const users = Array.from({ length: 50 }, (_, i) => 5_000 + i);
    for (const userId of users) await fund(userId, 10_000);
    const orders = await Promise.all(users.map(async (userId) => ok('POST', '/orders', await userToken(userId), { userId, items: [{ productId: item, quantity: 2 }] })));

    const pairs = await Promise.all(
      orders.map(async (order) => {
        const jwt = await userToken(order.userId);
        return Promise.all([
          call('POST', `/orders/${order.orderId}/cancel`, jwt),
          call('POST', `/admin/orders/${order.orderId}/refunds`, service.adminToken, { items: [{ productId: item, quantity: 1 }] }),
        ]);
      }),
    );
    const outcome = (answer: Answer) => (answer.status >= 400 ? `${answer.status} ${answer.json.code}` : String(answer.status));
    const outcomes = pairs.map(([cancel, refund]) => `${outcome(cancel)}/${outcome(refund)}`);
    const counts = countBy(pairs.flat());
    expect(outcomes.filter((o) => o !== '200/409 ORDER_NOT_REFUNDABLE' && o !== '409 ORDER_NOT_CANCELLABLE/201')).toEqual([]);
    expect((counts['200'] ?? 0) + (counts['201'] ?? 0)).toBe(50);
    expect(await stockOf(item)).toBe(200 - 100 + 2 * (counts['200'] ?? 0) + (counts['201'] ?? 0));
    await expectInvariants();
  });

  it('a coupon freed by a cancel, then spent by two parallel orders, for 50 users at once: one order each', async () => {
    const item = await product('Coupon again', 5_000, 500);
    const couponId = await coupon({ discountType: 'FIXED', discountValue: 1_000, totalQuantity: 50 });
    const users = Array.from({ length: 50 }, (_, i) => 6_000 + i);
    const copies = new Map<number, number>();
    for (const userId of users) {
      await fund(userId, 20_000);
      const jwt = await userToken(userId);
      const issued = await ok('POST', `/users/${userId}/coupons`, jwt, { couponId });
      const order = await ok('POST', '/orders', jwt, { userId, items: [{ productId: item, quantity: 1 }], userCouponId: issued.userCouponId });
      await ok('POST', `/orders/${order.orderId}/cancel`, jwt);
      copies.set(userId, issued.userCouponId);
    }

    const pairs = await Promise.all(
      users.map(async (userId) => {
        const jwt = await userToken(userId);
        const body = { userId, items: [{ productId: item, quantity: 1 }], userCouponId: copies.get(userId) };
        return Promise.all([call('POST', '/orders', jwt, body), call('POST', '/orders', jwt, body)]);
      }),
    );
    for (const pair of pairs) expect(countBy(pair)).toEqual({ '201': 1, '409 COUPON_NOT_USABLE': 1 });
    expect(pairs.flat().filter((a) => a.status === 201).every((a) => a.json.discountAmount === 1_000)).toBe(true);
    const listed = await ok('GET', `/users/${users[0]}/coupons`, await userToken(users[0]!));
    expect(listed.items[0].status).toBe('USED');
    await expectInvariants();
  });
});
