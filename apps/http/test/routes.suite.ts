/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument -- assertions read parsed JSON responses */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { balanceOf, bearer, charge, json, seedCoupon, seedProduct, stockOf, token, type AppFactory } from './support';

/* Every path of the contract (docs/api.md) through fastify.inject, against the in-memory adapters. */

/** The suite, run on the in-memory adapters (routes.unit) and on PostgreSQL (routes.integration). */
export function describeEveryRoute(makeApp: AppFactory): void {
let t: Awaited<ReturnType<AppFactory>>;
beforeEach(async () => {
  t = await makeApp();
});
afterEach(async () => {
  await t.close();
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('wallet', () => {
  it('a user who never charged has balance 0; a charge adds and writes history, newest first', async () => {
    const user = bearer(await t.userToken(7));
    const empty = await t.app.inject({ method: 'GET', url: '/users/7/balance', headers: user });
    expect(empty.statusCode).toBe(200);
    expect(json(empty)).toEqual({ userId: 7, balance: 0, updatedAt: expect.stringMatching(ISO) });

    const charged = await t.app.inject({ method: 'POST', url: '/users/7/balance/charge', headers: user, payload: { amount: 5000 } });
    expect(charged.statusCode).toBe(200);
    expect(json(charged)).toEqual({ userId: 7, balance: 5000, chargedAmount: 5000, transactionId: expect.any(String) });
    await t.app.inject({ method: 'POST', url: '/users/7/balance/charge', headers: user, payload: { amount: 300 } });

    expect(json(await t.app.inject({ method: 'GET', url: '/users/7/balance', headers: user })).balance).toBe(5300);
    const history = json(await t.app.inject({ method: 'GET', url: '/users/7/balance/history', headers: user }));
    expect(history.nextCursor).toBeNull();
    expect(history.items.map((e: { amount: number }) => e.amount)).toEqual([300, 5000]);
    expect(history.items[0]).toEqual({
      transactionId: expect.any(String),
      type: 'CHARGE',
      amount: 300,
      balanceAfter: 5300,
      orderId: null,
      createdAt: expect.stringMatching(ISO),
    });
  });

  it('pages history with opaque cursors; a tampered cursor is a 400', async () => {
    for (let i = 1; i <= 5; i++) await charge(t, 1, i);
    const user = bearer(await t.userToken(1));
    const first = json(await t.app.inject({ method: 'GET', url: '/users/1/balance/history?limit=2', headers: user }));
    expect(first.items.map((e: { amount: number }) => e.amount)).toEqual([5, 4]);
    const second = json(await t.app.inject({ method: 'GET', url: `/users/1/balance/history?limit=2&cursor=${first.nextCursor}`, headers: user }));
    expect(second.items.map((e: { amount: number }) => e.amount)).toEqual([3, 2]);
    const third = json(await t.app.inject({ method: 'GET', url: `/users/1/balance/history?limit=2&cursor=${second.nextCursor}`, headers: user }));
    expect(third.items.map((e: { amount: number }) => e.amount)).toEqual([1]);
    expect(third.nextCursor).toBeNull();

    const [payload, signature] = String(first.nextCursor).split('.');
    const forged = `${Buffer.from('999').toString('base64url')}.${signature}`;
    for (const cursor of [forged, `${payload}.AAAA`, 'garbage', `${payload}`, '%00', 'a.b.c']) {
      const response = await t.app.inject({ method: 'GET', url: `/users/1/balance/history?cursor=${encodeURIComponent(cursor)}`, headers: user });
      expect(response.statusCode, cursor).toBe(400);
      expect(json(response).code).toBe('VALIDATION_FAILED');
    }
  });

  it('rejects bad amounts and unknown fields', async () => {
    const user = bearer(await t.userToken(1));
    for (const payload of [{ amount: 0 }, { amount: -5 }, { amount: 1.5 }, { amount: '100' }, {}, { amount: 1, extra: true }, [1], 'x', null]) {
      const response = await t.app.inject({ method: 'POST', url: '/users/1/balance/charge', headers: { ...user, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });

  it('an admin may act for any user', async () => {
    const admin = bearer(await t.adminToken());
    const response = await t.app.inject({ method: 'POST', url: '/users/3/balance/charge', headers: admin, payload: { amount: 10 } });
    expect(json(response)).toMatchObject({ userId: 3, balance: 10 });
  });
});

describe('idempotency keys', () => {
  it('replays the first response byte for byte and does nothing again', async () => {
    const headers = { ...bearer(await t.userToken(1)), 'idempotency-key': 'charge-abc' };
    const first = await t.app.inject({ method: 'POST', url: '/users/1/balance/charge', headers, payload: { amount: 700 } });
    const again = await t.app.inject({ method: 'POST', url: '/users/1/balance/charge', headers, payload: { amount: 700 } });
    expect(again.statusCode).toBe(first.statusCode);
    expect(again.body).toBe(first.body);
    expect(await balanceOf(t, 1)).toBe(700);
  });

  it('covers every mutating route: a retry replays the same status and bytes, with Idempotent-Replayed, and changes nothing again', async () => {
    const admin = { ...bearer(await t.adminToken()) };
    const user = { ...bearer(await t.userToken(1)) };
    const keyed = (headers: Record<string, string>, key: string) => ({ ...headers, 'idempotency-key': key });
    const twice = async (request: { method: 'POST' | 'PATCH'; url: string; headers: Record<string, string>; payload: object }, status: number) => {
      const first = await t.app.inject(request);
      expect(first.statusCode, `${request.method} ${request.url}: ${first.body}`).toBe(status);
      const again = await t.app.inject(request);
      expect(again.statusCode).toBe(status);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers['content-type']).toBe(first.headers['content-type']);
      expect(again.body).toBe(first.body);
      return json(first);
    };
    const product = await twice({ method: 'POST', url: '/admin/products', headers: keyed(admin, 'p-1'), payload: { name: 'Once', price: 1_000, stock: 5 } }, 201);
    expect(json(await t.app.inject({ method: 'GET', url: '/products' })).items).toHaveLength(1);
    await twice({ method: 'PATCH', url: `/admin/products/${product.id}`, headers: keyed(admin, 'p-2'), payload: { stock: 10 } }, 200);
    const coupon = await twice(
      {
        method: 'POST',
        url: '/admin/coupons',
        headers: keyed(admin, 'c-1'),
        payload: { name: 'Once', discountType: 'FIXED', discountValue: 100, totalQuantity: 5, expiresAt: '2026-12-31T00:00:00Z' },
      },
      201,
    );
    await twice({ method: 'POST', url: '/users/1/balance/charge', headers: keyed(user, 'w-1'), payload: { amount: 50_000 } }, 200);
    const issued = await twice({ method: 'POST', url: '/users/1/coupons', headers: keyed(user, 'u-1'), payload: { couponId: coupon.id } }, 201);
    expect(json(await t.app.inject({ method: 'GET', url: `/coupons/${coupon.id}` })).remainingQuantity).toBe(4);
    await twice(
      { method: 'POST', url: '/orders', headers: keyed(user, 'o-1'), payload: { userId: 1, items: [{ productId: product.id, quantity: 2 }], userCouponId: issued.userCouponId } },
      201,
    );
    expect(await stockOf(t, product.id)).toBe(8);
    expect(await balanceOf(t, 1)).toBe(50_000 - 2 * 1_000 + 100);

    const another = await twice({ method: 'POST', url: '/orders', headers: keyed(user, 'o-2'), payload: { userId: 1, items: [{ productId: product.id, quantity: 3 }] } }, 201);
    await twice({ method: 'POST', url: `/admin/orders/${another.orderId}/refunds`, headers: keyed(admin, 'r-1'), payload: { items: [{ productId: product.id, quantity: 1 }] } }, 201);
    const third = await twice({ method: 'POST', url: '/orders', headers: keyed(user, 'o-3'), payload: { userId: 1, items: [{ productId: product.id, quantity: 1 }] } }, 201);
    await twice({ method: 'POST', url: `/orders/${third.orderId}/cancel`, headers: keyed(user, 'x-1'), payload: { reason: 'changed my mind' } }, 200);
    // 8 − 3 + 1 refunded and restocked − 1 + 1 cancelled; money: −3,000 +1,000 −1,000 +1,000.
    expect(await stockOf(t, product.id)).toBe(6);
    expect(await balanceOf(t, 1)).toBe(50_000 - 2 * 1_000 + 100 - 2_000);
  });

  it('stores failures too: a 409 is replayed, not retried', async () => {
    const small = await makeApp({ maxBalance: 100 });
    const headers = { ...bearer(await small.userToken(1)), 'idempotency-key': 'too-much' };
    const first = await small.app.inject({ method: 'POST', url: '/users/1/balance/charge', headers, payload: { amount: 101 } });
    expect(first.statusCode).toBe(409);
    const again = await small.app.inject({ method: 'POST', url: '/users/1/balance/charge', headers, payload: { amount: 101 } });
    expect(again.statusCode).toBe(409);
    expect(again.body).toBe(first.body);
    await small.close();
  });

  it('is scoped to the caller: two users may use the same key', async () => {
    const a = await t.app.inject({ method: 'POST', url: '/users/1/balance/charge', headers: { ...bearer(await t.userToken(1)), 'idempotency-key': 'same' }, payload: { amount: 1 } });
    const b = await t.app.inject({ method: 'POST', url: '/users/2/balance/charge', headers: { ...bearer(await t.userToken(2)), 'idempotency-key': 'same' }, payload: { amount: 1 } });
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(await balanceOf(t, 2)).toBe(1);
  });

  it('key order in the body does not make another request; a key that is not 1..255 printable ASCII is a 400', async () => {
    const productId = await seedProduct(t, { stock: 10 });
    await charge(t, 1, 100_000);
    const headers = { ...bearer(await t.userToken(1)), 'idempotency-key': 'order-1', 'content-type': 'application/json' };
    const a = await t.app.inject({ method: 'POST', url: '/orders', headers, payload: `{"userId":1,"items":[{"productId":${productId},"quantity":1}]}` });
    const b = await t.app.inject({ method: 'POST', url: '/orders', headers, payload: `{"items":[{"quantity":1,"productId":${productId}}],"userId":1}` });
    expect(a.statusCode).toBe(201);
    expect(b.body).toBe(a.body);
    expect(await stockOf(t, productId)).toBe(9);

    for (const key of ['', 'x'.repeat(256), 'tab\there', 'é']) {
      const response = await t.app.inject({ method: 'POST', url: '/users/1/balance/charge', headers: { ...bearer(await t.userToken(1)), 'idempotency-key': key }, payload: { amount: 1 } });
      expect(response.statusCode, JSON.stringify(key)).toBe(400);
    }
  });
});

describe('products', () => {
  it('lists by id with pages, gets one, creates and patches as admin', async () => {
    const ids = [];
    for (let i = 1; i <= 3; i++) ids.push(await seedProduct(t, { name: `P${i}`, price: i * 100, stock: i }));
    const page = json(await t.app.inject({ method: 'GET', url: '/products?limit=2' }));
    expect(page.items).toEqual([
      { id: ids[0], name: 'P1', price: 100, stock: 1 },
      { id: ids[1], name: 'P2', price: 200, stock: 2 },
    ]);
    const rest = json(await t.app.inject({ method: 'GET', url: `/products?limit=2&cursor=${page.nextCursor}` }));
    expect(rest).toEqual({ items: [{ id: ids[2], name: 'P3', price: 300, stock: 3 }], nextCursor: null });
    expect(json(await t.app.inject({ method: 'GET', url: '/products' })).items).toHaveLength(3);

    expect(json(await t.app.inject({ method: 'GET', url: `/products/${ids[0]}` }))).toEqual({ id: ids[0], name: 'P1', price: 100, stock: 1 });

    const admin = bearer(await t.adminToken());
    const patched = await t.app.inject({ method: 'PATCH', url: `/admin/products/${ids[0]}`, headers: admin, payload: { price: 150 } });
    expect(patched.statusCode).toBe(200);
    expect(json(patched)).toEqual({ id: ids[0], name: 'P1', price: 150, stock: 1 });
    const renamed = json(await t.app.inject({ method: 'PATCH', url: `/admin/products/${ids[0]}`, headers: admin, payload: { name: 'New', stock: 40 } }));
    expect(renamed).toEqual({ id: ids[0], name: 'New', price: 150, stock: 40 });

    expect((await t.app.inject({ method: 'PATCH', url: `/admin/products/${ids[0]}`, headers: admin, payload: {} })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'PATCH', url: `/admin/products/${ids[0]}`, headers: admin, payload: { price: 0 } })).statusCode).toBe(400);
    expect(json(await t.app.inject({ method: 'PATCH', url: '/admin/products/9999', headers: admin, payload: { price: 1 } })).code).toBe('PRODUCT_NOT_FOUND');
    expect((await t.app.inject({ method: 'POST', url: '/admin/products', headers: admin, payload: { name: 'X', price: 1, stock: -1 } })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/admin/products', headers: admin, payload: { name: '', price: 1, stock: 1 } })).statusCode).toBe(400);
  });

  it('ids in paths must be positive integers: 400, never 500', async () => {
    for (const id of ['abc', '-1', '1e3', '0', '99999999999999999999999', '1.5', '%20', '0x10', '01']) {
      const response = await t.app.inject({ method: 'GET', url: `/products/${id}` });
      expect(response.statusCode, id).toBe(400);
      expect(json(response).code).toBe('VALIDATION_FAILED');
    }
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'limit=1e1', 'limit=', 'limit=1&limit=2', 'cursor=x']) {
      expect((await t.app.inject({ method: 'GET', url: `/products?${query}` })).statusCode, query).toBe(400);
    }
  });

  it('ignores unknown query parameters and treats an empty cursor as the first page', async () => {
    await seedProduct(t);
    const response = await t.app.inject({ method: 'GET', url: '/products?_=123&cursor=' });
    expect(response.statusCode).toBe(200);
    expect(json(response).items).toHaveLength(1);
  });

  it('top products: days 1..30 default 3, limit 1..50 default 5, from the daily statistics', async () => {
    const productId = await seedProduct(t, { name: 'Hot', price: 1000, stock: 100 });
    await charge(t, 1, 100_000);
    const user = bearer(await t.userToken(1));
    await t.app.inject({ method: 'POST', url: '/orders', headers: user, payload: { userId: 1, items: [{ productId, quantity: 4 }] } });
    const admin = bearer(await t.adminToken());
    // The in-memory clock is 2026-11-24 18:00 in Seoul; that day is complete the next day.
    const aggregated = await t.app.inject({ method: 'POST', url: '/admin/jobs/aggregate-sales', headers: admin, payload: { date: '2026-11-24' } });
    expect(aggregated.statusCode).toBe(200);
    expect(json(aggregated)).toEqual({
      date: '2026-11-24',
      from: '2026-11-23T15:00:00.000Z',
      to: '2026-11-24T15:00:00.000Z',
      items: [{ productId, soldQuantity: 4, revenue: 4000 }],
    });
    t.clock.advanceBy(24 * 60 * 60 * 1000);
    const top = json(await t.app.inject({ method: 'GET', url: '/products/top' }));
    expect(top).toEqual({ from: '2026-11-22', to: '2026-11-24', items: [{ rank: 1, productId, name: 'Hot', price: 1000, soldQuantity: 4, revenue: 4000 }] });
    expect(json(await t.app.inject({ method: 'GET', url: '/products/top?days=1&limit=1' }))).toMatchObject({ from: '2026-11-24', to: '2026-11-24' });
    for (const query of ['days=0', 'days=31', 'limit=51', 'limit=0', 'days=x']) {
      expect((await t.app.inject({ method: 'GET', url: `/products/top?${query}` })).statusCode, query).toBe(400);
    }
    expect((await t.app.inject({ method: 'POST', url: '/admin/jobs/aggregate-sales', headers: admin, payload: { date: '2026-02-30' } })).statusCode).toBe(400);
  });
});

describe('coupons', () => {
  it('admin creates, anyone reads, a user claims and lists them', async () => {
    const admin = bearer(await t.adminToken());
    const created = await t.app.inject({
      method: 'POST',
      url: '/admin/coupons',
      headers: admin,
      payload: { name: '10% off', discountType: 'RATE', discountValue: 10, totalQuantity: 2, expiresAt: '2026-12-01T00:00:00+09:00' },
    });
    expect(created.statusCode).toBe(201);
    const coupon = json(created);
    expect(coupon).toEqual({
      id: expect.any(Number),
      name: '10% off',
      discountType: 'RATE',
      discountValue: 10,
      totalQuantity: 2,
      remainingQuantity: 2,
      expiresAt: '2026-11-30T15:00:00.000Z',
    });

    const user = bearer(await t.userToken(5));
    const issued = await t.app.inject({ method: 'POST', url: '/users/5/coupons', headers: user, payload: { couponId: coupon.id } });
    expect(issued.statusCode).toBe(201);
    expect(json(issued)).toEqual({
      userCouponId: expect.any(Number),
      couponId: coupon.id,
      userId: 5,
      status: 'AVAILABLE',
      issuedAt: expect.stringMatching(ISO),
      expiresAt: '2026-11-30T15:00:00.000Z',
    });
    expect(json(await t.app.inject({ method: 'GET', url: `/coupons/${coupon.id}` })).remainingQuantity).toBe(1);
    const mine = json(await t.app.inject({ method: 'GET', url: '/users/5/coupons', headers: user }));
    expect(mine).toEqual({ items: [json(issued)], nextCursor: null });

    t.clock.set('2026-12-02T00:00:00.000Z');
    expect(json(await t.app.inject({ method: 'GET', url: '/users/5/coupons', headers: user })).items[0].status).toBe('EXPIRED');
  });

  it('validates coupon terms', async () => {
    const admin = bearer(await t.adminToken());
    const base = { name: 'c', discountType: 'FIXED', discountValue: 100, totalQuantity: 1, expiresAt: '2026-12-01T00:00:00Z' };
    for (const change of [
      { discountType: 'RATE', discountValue: 101 },
      { discountType: 'PERCENT' },
      { discountValue: 0 },
      { totalQuantity: 0 },
      { expiresAt: 'tomorrow' },
      { expiresAt: '2026-12-01T00:00:00' },
      { expiresAt: '2020-01-01T00:00:00Z' },
      { bogus: 1 },
    ]) {
      const response = await t.app.inject({ method: 'POST', url: '/admin/coupons', headers: admin, payload: { ...base, ...change } });
      expect(response.statusCode, JSON.stringify(change)).toBe(400);
    }
  });
});

describe('orders', () => {
  it('places a paid order with a coupon; the owner and admins read it, others get 404', async () => {
    const a = await seedProduct(t, { name: 'A', price: 1000, stock: 10 });
    const b = await seedProduct(t, { name: 'B', price: 2500, stock: 10 });
    const couponId = await seedCoupon(t, { discountType: 'FIXED', discountValue: 500 });
    await charge(t, 1, 10_000);
    const user = bearer(await t.userToken(1));
    const issued = json(await t.app.inject({ method: 'POST', url: '/users/1/coupons', headers: user, payload: { couponId } }));

    const placed = await t.app.inject({
      method: 'POST',
      url: '/orders',
      headers: user,
      payload: { userId: 1, items: [{ productId: b, quantity: 1 }, { productId: a, quantity: 2 }], userCouponId: issued.userCouponId },
    });
    expect(placed.statusCode).toBe(201);
    const order = json(placed);
    expect(order).toEqual({
      orderId: expect.any(Number),
      userId: 1,
      status: 'PAID',
      // 4,000 split 2,000 : 2,500 → 1,777.78 and 2,222.22: the won left over goes to A.
      items: expect.arrayContaining([
        { productId: a, name: 'A', unitPrice: 1000, quantity: 2, amount: 2000, paidAmount: 1778, refundedQuantity: 0 },
        { productId: b, name: 'B', unitPrice: 2500, quantity: 1, amount: 2500, paidAmount: 2222, refundedQuantity: 0 },
      ]),
      totalAmount: 4500,
      discountAmount: 500,
      paidAmount: 4000,
      refundedAmount: 0,
      userCouponId: issued.userCouponId,
      refunds: [],
      createdAt: expect.stringMatching(ISO),
      cancelledAt: null,
    });
    expect(json(await t.app.inject({ method: 'GET', url: '/users/1/balance', headers: user })).balance).toBe(6000);
    expect(json(await t.app.inject({ method: 'GET', url: `/orders/${order.orderId}`, headers: user }))).toEqual(order);
    expect(json(await t.app.inject({ method: 'GET', url: `/orders/${order.orderId}`, headers: bearer(await t.adminToken()) }))).toEqual(order);
    const other = await t.app.inject({ method: 'GET', url: `/orders/${order.orderId}`, headers: bearer(await t.userToken(2)) });
    expect(json(other).code).toBe('ORDER_NOT_FOUND');
    expect(json(await t.app.inject({ method: 'GET', url: '/users/1/orders', headers: user }))).toEqual({ items: [order], nextCursor: null });
    const history = json(await t.app.inject({ method: 'GET', url: '/users/1/balance/history', headers: user }));
    expect(history.items[0]).toMatchObject({ type: 'PAYMENT', amount: 4000, balanceAfter: 6000, orderId: order.orderId });
    const coupons = json(await t.app.inject({ method: 'GET', url: '/users/1/coupons', headers: user }));
    expect(coupons.items[0].status).toBe('USED');
  });

  it('an order for another user is 403; bad shapes are 400', async () => {
    const user = bearer(await t.userToken(1));
    const forbidden = await t.app.inject({ method: 'POST', url: '/orders', headers: user, payload: { userId: 2, items: [{ productId: 1, quantity: 1 }] } });
    expect(json(forbidden).code).toBe('FORBIDDEN');
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ productId: i + 1, quantity: 1 }));
    for (const payload of [
      { userId: 1, items: [] },
      { userId: 1, items: tooMany },
      { userId: 1, items: [{ productId: 1, quantity: 1 }, { productId: 1, quantity: 2 }] },
      { userId: 1, items: [{ productId: 1, quantity: 1001 }] },
      { userId: 1, items: [{ productId: 1, quantity: 1, extra: 1 }] },
      { userId: 1, items: [{ productId: 1, quantity: 1 }], userCouponId: 0 },
      { userId: 'me', items: [{ productId: 1, quantity: 1 }] },
    ]) {
      const response = await t.app.inject({ method: 'POST', url: '/orders', headers: user, payload });
      expect(response.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
    }
  });

  it('a failed order changes nothing', async () => {
    const a = await seedProduct(t, { price: 1000, stock: 5 });
    const b = await seedProduct(t, { price: 1000, stock: 1 });
    await charge(t, 1, 100_000);
    const user = bearer(await t.userToken(1));
    const state = async () => ({
      balance: await balanceOf(t, 1),
      stocks: [await stockOf(t, a), await stockOf(t, b)],
      history: json(await t.app.inject({ method: 'GET', url: '/users/1/balance/history', headers: user })).items.length as number,
      orders: json(await t.app.inject({ method: 'GET', url: '/users/1/orders', headers: user })).items.length as number,
    });
    const before = await state();
    const response = await t.app.inject({
      method: 'POST',
      url: '/orders',
      headers: bearer(await t.userToken(1)),
      payload: { userId: 1, items: [{ productId: a, quantity: 1 }, { productId: b, quantity: 2 }] },
    });
    expect(json(response)).toMatchObject({ code: 'OUT_OF_STOCK', productId: b });
    expect(await state()).toEqual(before);
  });
});

describe('order lifecycle', () => {
  /** Two products, a funded user 1 with a 500-won coupon, and an order of 2 A + 1 B paid 4,000 (shares 1,778 / 2,222). */
  async function paidOrder() {
    const a = await seedProduct(t, { name: 'A', price: 1000, stock: 10 });
    const b = await seedProduct(t, { name: 'B', price: 2500, stock: 10 });
    const couponId = await seedCoupon(t, { discountType: 'FIXED', discountValue: 500, totalQuantity: 10 });
    await charge(t, 1, 10_000);
    const user = bearer(await t.userToken(1));
    const issued = json(await t.app.inject({ method: 'POST', url: '/users/1/coupons', headers: user, payload: { couponId } }));
    const placed = await t.app.inject({
      method: 'POST',
      url: '/orders',
      headers: user,
      payload: { userId: 1, items: [{ productId: a, quantity: 2 }, { productId: b, quantity: 1 }], userCouponId: issued.userCouponId },
    });
    expect(placed.statusCode).toBe(201);
    return { a, b, user, admin: bearer(await t.adminToken()), order: json(placed), userCouponId: issued.userCouponId as number };
  }

  it('the user cancels: CANCELLED with everything back, stock, money and coupon; a REFUND row in the history', async () => {
    const { a, b, user, order, userCouponId } = await paidOrder();
    const response = await t.app.inject({ method: 'POST', url: `/orders/${order.orderId}/cancel`, headers: user, payload: { reason: 'changed my mind' } });
    expect(response.statusCode).toBe(200);
    const cancelled = json(response);
    expect(cancelled).toEqual({
      ...order,
      status: 'CANCELLED',
      refundedAmount: 4000,
      items: order.items.map((i: { quantity: number }) => ({ ...i, refundedQuantity: i.quantity })),
      cancelledAt: expect.stringMatching(ISO),
    });
    expect(json(await t.app.inject({ method: 'GET', url: `/orders/${order.orderId}`, headers: user }))).toEqual(cancelled);
    expect(await balanceOf(t, 1)).toBe(10_000);
    expect([await stockOf(t, a), await stockOf(t, b)]).toEqual([10, 10]);
    const history = json(await t.app.inject({ method: 'GET', url: '/users/1/balance/history', headers: user }));
    expect(history.items[0]).toMatchObject({ type: 'REFUND', amount: 4000, balanceAfter: 10_000, orderId: order.orderId });
    const coupons = json(await t.app.inject({ method: 'GET', url: '/users/1/coupons', headers: user }));
    expect(coupons.items.find((c: { userCouponId: number }) => c.userCouponId === userCouponId).status).toBe('AVAILABLE');
    const again = await t.app.inject({ method: 'POST', url: `/orders/${order.orderId}/cancel`, headers: user });
    expect(json(again)).toMatchObject({ status: 409, code: 'ORDER_NOT_CANCELLABLE' });
  });

  it('another user cannot cancel (404, as for reading it); an admin can, without a body', async () => {
    const { order } = await paidOrder();
    const other = await t.app.inject({ method: 'POST', url: `/orders/${order.orderId}/cancel`, headers: bearer(await t.userToken(2)) });
    expect(json(other)).toMatchObject({ status: 404, code: 'ORDER_NOT_FOUND' });
    const byAdmin = await t.app.inject({ method: 'POST', url: `/orders/${order.orderId}/cancel`, headers: { ...bearer(await t.adminToken()), 'content-type': 'application/json' } });
    expect(json(byAdmin)).toMatchObject({ status: 'CANCELLED' });
  });

  it('an admin refunds units: each unit’s exact share back, PARTIALLY_REFUNDED then REFUNDED, refunds listed on the order', async () => {
    const { a, b, user, admin, order } = await paidOrder();
    const refund = (payload: object) => t.app.inject({ method: 'POST', url: `/admin/orders/${order.orderId}/refunds`, headers: admin, payload });
    const first = await refund({ items: [{ productId: a, quantity: 1 }], reason: 'scratched' });
    expect(first.statusCode).toBe(201);
    // A's share 1,778 over 2 units: floor(1778 × 1 / 2) = 889.
    expect(json(first)).toEqual({
      refundId: expect.any(Number),
      orderId: order.orderId,
      items: [{ productId: a, quantity: 1, amount: 889 }],
      amount: 889,
      restocked: true,
      reason: 'scratched',
      createdAt: expect.stringMatching(ISO),
    });
    expect(await stockOf(t, a)).toBe(9);
    const second = json(await refund({ items: [{ productId: b, quantity: 1 }, { productId: a, quantity: 1 }], restock: false }));
    expect(second).toMatchObject({ amount: 889 + 2222, restocked: false, reason: null });
    expect([await stockOf(t, a), await stockOf(t, b)]).toEqual([9, 9]);
    const refunded = json(await t.app.inject({ method: 'GET', url: `/orders/${order.orderId}`, headers: user }));
    expect(refunded).toMatchObject({ status: 'REFUNDED', refundedAmount: 4000, refunds: [json(first), second] });
    expect(await balanceOf(t, 1)).toBe(10_000);
    expect(json(await refund({ items: [{ productId: a, quantity: 1 }] }))).toMatchObject({ status: 409, code: 'ORDER_NOT_REFUNDABLE' });
  });

  it('a cancellation is credited above MAX_BALANCE, and that balance still pays, but takes no charge', async () => {
    const small = await makeApp({ maxBalance: 10_000 });
    const productId = await seedProduct(small, { price: 4_000, stock: 5 });
    await charge(small, 1, 10_000);
    const user = bearer(await small.userToken(1));
    const order = json(await small.app.inject({ method: 'POST', url: '/orders', headers: user, payload: { userId: 1, items: [{ productId, quantity: 1 }] } }));
    await charge(small, 1, 4_000);
    expect((await small.app.inject({ method: 'POST', url: `/orders/${order.orderId}/cancel`, headers: user })).statusCode).toBe(200);
    expect(await balanceOf(small, 1)).toBe(14_000);
    const charged = await small.app.inject({ method: 'POST', url: '/users/1/balance/charge', headers: user, payload: { amount: 1 } });
    expect(json(charged).code).toBe('BALANCE_LIMIT_EXCEEDED');
    // Paying 1,000 leaves 13,000, still above the ceiling: a payment is not a charge.
    const cheap = await seedProduct(small, { price: 1_000, stock: 5 });
    const again = await small.app.inject({ method: 'POST', url: '/orders', headers: user, payload: { userId: 1, items: [{ productId: cheap, quantity: 1 }] } });
    expect(again.statusCode).toBe(201);
    expect(await balanceOf(small, 1)).toBe(13_000);
    await small.close();
  });

  it('refunds are for admins; bad shapes are 400 and change nothing', async () => {
    const { a, user, admin, order } = await paidOrder();
    const asUser = await t.app.inject({ method: 'POST', url: `/admin/orders/${order.orderId}/refunds`, headers: user, payload: { items: [{ productId: a, quantity: 1 }] } });
    expect(json(asUser).code).toBe('FORBIDDEN');
    for (const payload of [
      {},
      { items: [] },
      { items: [{ productId: a, quantity: 0 }] },
      { items: [{ productId: a, quantity: 1 }, { productId: a, quantity: 1 }] },
      { items: [{ productId: a, quantity: 1 }], restock: 'yes' },
      { items: [{ productId: a, quantity: 1 }], reason: 'x'.repeat(501) },
      { items: [{ productId: a, quantity: 1 }], extra: true },
    ]) {
      const response = await t.app.inject({ method: 'POST', url: `/admin/orders/${order.orderId}/refunds`, headers: admin, payload });
      expect(response.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
    }
    for (const payload of [{ reason: 'x'.repeat(501) }, { why: 'no' }]) {
      const response = await t.app.inject({ method: 'POST', url: `/orders/${order.orderId}/cancel`, headers: user, payload });
      expect(response.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
    }
    expect((await t.app.inject({ method: 'POST', url: '/orders/abc/cancel', headers: user })).statusCode).toBe(400);
    expect(json(await t.app.inject({ method: 'GET', url: `/orders/${order.orderId}`, headers: user }))).toEqual(order);
  });

  it('Idempotency-Key on cancel and refund: a retry replays the answer and does nothing again', async () => {
    const { a, admin, user, order } = await paidOrder();
    const refundHeaders = { ...admin, 'idempotency-key': 'refund-1' };
    const refund = () => t.app.inject({ method: 'POST', url: `/admin/orders/${order.orderId}/refunds`, headers: refundHeaders, payload: { items: [{ productId: a, quantity: 1 }] } });
    const first = await refund();
    const again = await refund();
    expect(first.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await stockOf(t, a)).toBe(9);
    const reused = await t.app.inject({ method: 'POST', url: `/admin/orders/${order.orderId}/refunds`, headers: refundHeaders, payload: { items: [{ productId: a, quantity: 2 }] } });
    expect(json(reused).code).toBe('IDEMPOTENCY_KEY_REUSED');

    const other = await paidOrder();
    const cancelHeaders = { ...user, 'idempotency-key': 'cancel-1' };
    const cancelled = await t.app.inject({ method: 'POST', url: `/orders/${other.order.orderId}/cancel`, headers: cancelHeaders });
    const replayed = await t.app.inject({ method: 'POST', url: `/orders/${other.order.orderId}/cancel`, headers: cancelHeaders });
    expect(cancelled.statusCode).toBe(200);
    expect(replayed.statusCode).toBe(200);
    expect(replayed.body).toBe(cancelled.body);
    const history = json(await t.app.inject({ method: 'GET', url: '/users/1/balance/history', headers: user }));
    expect(history.items.filter((e: { type: string; orderId: number }) => e.type === 'REFUND' && e.orderId === other.order.orderId)).toHaveLength(1);
  });

  it('admins list every order newest first, by status and by user, and every coupon newest first', async () => {
    const { admin, order } = await paidOrder();
    const second = await paidOrder();
    await t.app.inject({ method: 'POST', url: `/orders/${order.orderId}/cancel`, headers: admin });
    const all = json(await t.app.inject({ method: 'GET', url: '/admin/orders?limit=1', headers: admin }));
    expect(all.items.map((o: { orderId: number }) => o.orderId)).toEqual([second.order.orderId]);
    const next = json(await t.app.inject({ method: 'GET', url: `/admin/orders?limit=1&cursor=${all.nextCursor}`, headers: admin }));
    expect(next.items).toEqual([expect.objectContaining({ orderId: order.orderId, status: 'CANCELLED' })]);
    const cancelled = json(await t.app.inject({ method: 'GET', url: '/admin/orders?status=CANCELLED&userId=1', headers: admin }));
    expect(cancelled.items.map((o: { orderId: number }) => o.orderId)).toEqual([order.orderId]);
    expect(json(await t.app.inject({ method: 'GET', url: '/admin/orders?userId=2', headers: admin })).items).toEqual([]);
    for (const query of ['status=GONE', 'userId=0', 'userId=abc', 'limit=0']) {
      expect((await t.app.inject({ method: 'GET', url: `/admin/orders?${query}`, headers: admin })).statusCode, query).toBe(400);
    }
    expect((await t.app.inject({ method: 'GET', url: '/admin/orders', headers: bearer(await t.userToken(1)) })).statusCode).toBe(403);

    const coupons = json(await t.app.inject({ method: 'GET', url: '/admin/coupons?limit=1', headers: admin }));
    expect(coupons.items).toHaveLength(1);
    expect(coupons.items[0]).toMatchObject({ discountType: 'FIXED', discountValue: 500, totalQuantity: 10, remainingQuantity: 9 });
    const older = json(await t.app.inject({ method: 'GET', url: `/admin/coupons?cursor=${coupons.nextCursor}`, headers: admin }));
    expect(older.items[0].id as number).toBeLessThan(coupons.items[0].id as number);
    expect((await t.app.inject({ method: 'GET', url: '/admin/coupons', headers: bearer(await t.userToken(1)) })).statusCode).toBe(403);
  });
});

describe('admin outbox', () => {
  it('lists events by status and re-drives a FAILED one', async () => {
    const productId = await seedProduct(t);
    await charge(t, 1, 10_000);
    await t.app.inject({ method: 'POST', url: '/orders', headers: bearer(await t.userToken(1)), payload: { userId: 1, items: [{ productId, quantity: 1 }] } });
    const admin = bearer(await t.adminToken());
    expect(json(await t.app.inject({ method: 'GET', url: '/admin/outbox', headers: admin }))).toEqual({ items: [], nextCursor: null });

    // Park the event as a relay would after too many failed deliveries.
    const [claimed] = await t.outboxRelayStore.claimDue(10, 60_000);
    const attempt = { at: new Date(), outcome: 'FAILED' as const, httpStatus: 503, durationMs: 7, error: 'platform down' };
    await t.outboxRelayStore.settle([{ event: claimed!, attempt, settlement: { kind: 'park' } }]);
    const failed = json(await t.app.inject({ method: 'GET', url: '/admin/outbox?status=FAILED', headers: admin }));
    expect(failed.items).toEqual([
      {
        eventId: claimed!.envelope.eventId,
        type: 'order.paid',
        status: 'FAILED',
        attempts: expect.any(Number),
        nextAttemptAt: null,
        lastError: 'platform down',
        createdAt: expect.stringMatching(ISO),
        deliveredAt: null,
      },
    ]);
    const retried = await t.app.inject({ method: 'POST', url: `/admin/outbox/${claimed!.envelope.eventId}/retry`, headers: admin });
    expect(retried.statusCode).toBe(200);
    expect(json(retried)).toEqual({ eventId: claimed!.envelope.eventId, status: 'PENDING' });
    expect((await t.app.inject({ method: 'GET', url: '/admin/outbox?status=BOGUS', headers: admin })).statusCode).toBe(400);
  });

  it('shows one event with its delivery log and next attempt; 404 for an unknown one', async () => {
    const productId = await seedProduct(t);
    await charge(t, 1, 10_000);
    const order = json(
      await t.app.inject({ method: 'POST', url: '/orders', headers: bearer(await t.userToken(1)), payload: { userId: 1, items: [{ productId, quantity: 1 }] } }),
    );
    const admin = bearer(await t.adminToken());
    const [claimed] = await t.outboxRelayStore.claimDue(10, 60_000);
    const at = new Date('2026-11-24T09:00:01.000Z');
    const nextAttemptAt = new Date(Date.now() + 3_600_000);
    await t.outboxRelayStore.settle([
      { event: claimed!, attempt: { at, outcome: 'FAILED', httpStatus: 502, durationMs: 31, error: 'HTTP 502: bad gateway' }, settlement: { kind: 'retry', nextAttemptAt } },
    ]);
    const response = await t.app.inject({ method: 'GET', url: `/admin/outbox/${claimed!.envelope.eventId}`, headers: admin });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({
      eventId: claimed!.envelope.eventId,
      type: 'order.paid',
      occurredAt: expect.stringMatching(ISO),
      sequence: claimed!.envelope.sequence,
      data: order,
      status: 'PENDING',
      attempts: [{ at: at.toISOString(), outcome: 'FAILED', httpStatus: 502, durationMs: 31, error: 'HTTP 502: bad gateway' }],
      nextAttemptAt: nextAttemptAt.toISOString(),
      lastError: 'HTTP 502: bad gateway',
      createdAt: expect.stringMatching(ISO),
      deliveredAt: null,
    });
    const unknown = await t.app.inject({ method: 'GET', url: '/admin/outbox/6f1c1a55-3b7c-4f0e-9d55-0a4b0c1d2e3f', headers: admin });
    expect(unknown.statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/admin/outbox/a.b', headers: admin })).statusCode).toBe(400);
  });
});

describe('admin event feed', () => {
  it('serves every event ascending by sequence, from any point, as the data platform receives it', async () => {
    const productId = await seedProduct(t);
    await charge(t, 1, 100_000);
    const orders = [];
    for (let i = 0; i < 3; i += 1) {
      orders.push(
        json(await t.app.inject({ method: 'POST', url: '/orders', headers: bearer(await t.userToken(1)), payload: { userId: 1, items: [{ productId, quantity: 1 }] } })),
      );
    }
    const admin = bearer(await t.adminToken());
    const [first] = await t.outboxRelayStore.claimDue(1, 60_000);
    await t.outboxRelayStore.settle([{ event: first!, attempt: { at: new Date(), outcome: 'DELIVERED', httpStatus: 200, durationMs: 3, error: null }, settlement: { kind: 'delivered' } }]);

    const page = json(await t.app.inject({ method: 'GET', url: '/admin/events?limit=2', headers: admin }));
    expect(page.items).toHaveLength(2);
    expect(page.items[0]).toEqual({ ...first!.envelope, status: 'DELIVERED', attempts: 1, deliveredAt: expect.stringMatching(ISO) });
    expect(page.items[1]).toMatchObject({ type: 'order.paid', status: 'PENDING', attempts: 0, deliveredAt: null, data: orders[1] });
    expect(page.nextAfter).toBe(page.items[1].sequence);
    const rest = json(await t.app.inject({ method: 'GET', url: `/admin/events?after=${page.nextAfter}&limit=2`, headers: admin }));
    expect(rest.items.map((e: { data: { orderId: number } }) => e.data.orderId)).toEqual([orders[2].orderId]);
    const end = json(await t.app.inject({ method: 'GET', url: `/admin/events?after=${rest.nextAfter}`, headers: admin }));
    expect(end).toEqual({ items: [], nextAfter: rest.nextAfter });
    const cancellations = json(await t.app.inject({ method: 'GET', url: '/admin/events?type=order.cancelled', headers: admin }));
    expect(cancellations).toEqual({ items: [], nextAfter: 0 });
    for (const bad of ['after=-1', 'after=x', 'limit=0', 'limit=1001', 'type=order.shipped']) {
      expect((await t.app.inject({ method: 'GET', url: `/admin/events?${bad}`, headers: admin })).statusCode, bad).toBe(400);
    }
  });
});

describe('admin audit', () => {
  it('checks the invariants on the live data: ok after real orders; admins only', async () => {
    const productId = await seedProduct(t, { price: 1000, stock: 5 });
    const couponId = await seedCoupon(t, { discountType: 'FIXED', discountValue: 300 });
    await charge(t, 1, 10_000);
    const user = bearer(await t.userToken(1));
    const issued = json(await t.app.inject({ method: 'POST', url: '/users/1/coupons', headers: user, payload: { couponId } }));
    await t.app.inject({ method: 'POST', url: '/orders', headers: user, payload: { userId: 1, items: [{ productId, quantity: 2 }], userCouponId: issued.userCouponId } });

    const audit = await t.app.inject({ method: 'GET', url: '/admin/audit', headers: bearer(await t.adminToken()) });
    expect(audit.statusCode).toBe(200);
    expect(json(audit)).toEqual({ checkedAt: expect.stringMatching(ISO), durationMs: expect.any(Number), scope: expect.any(String), ok: true, violations: [] });
    // Clean, so on PostgreSQL the next one checks only what changed since (in memory, always
    // everything); every row when asked.
    const admin = bearer(await t.adminToken());
    const next = json(await t.app.inject({ method: 'GET', url: '/admin/audit', headers: admin }));
    expect([next.ok, ['incremental', 'full'].includes(next.scope)]).toEqual([true, true]);
    expect(json(await t.app.inject({ method: 'GET', url: '/admin/audit?scope=full', headers: admin }))).toMatchObject({ scope: 'full', ok: true });
    expect((await t.app.inject({ method: 'GET', url: '/admin/audit?scope=some', headers: admin })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/admin/audit', headers: user })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/admin/audit' })).statusCode).toBe(401);
  });
});

describe('authentication and roles', () => {
  const userRoutes = [
    ['GET', '/users/1/balance'],
    ['POST', '/users/1/balance/charge'],
    ['GET', '/users/1/balance/history'],
    ['POST', '/users/1/coupons'],
    ['GET', '/users/1/coupons'],
    ['GET', '/users/1/orders'],
    ['POST', '/orders'],
    ['GET', '/orders/1'],
  ] as const;
  const adminRoutes = [
    ['POST', '/admin/products'],
    ['PATCH', '/admin/products/1'],
    ['POST', '/admin/coupons'],
    ['GET', '/admin/outbox'],
    ['GET', '/admin/outbox/abc'],
    ['GET', '/admin/events'],
    ['POST', '/admin/outbox/abc/retry'],
    ['POST', '/admin/jobs/aggregate-sales'],
  ] as const;

  it('protected routes answer 401 to a missing, malformed, expired, unsigned or wrongly signed token', async () => {
    const secret = new TextEncoder().encode('test-secret-test-secret-test-secret');
    const header = (obj: object) => Buffer.from(JSON.stringify(obj)).toString('base64url');
    const future = Math.floor(Date.now() / 1000) + 3600;
    const unsigned = `${header({ alg: 'none', typ: 'JWT' })}.${header({ sub: '1', role: 'admin', exp: future })}.`;
    const bad = [
      undefined,
      'Bearer',
      'Bearer ',
      'Basic dXNlcjpwYXNz',
      'Bearer not.a.jwt',
      `Bearer ${unsigned}`,
      `Bearer ${await token({ sub: '1' }, { expiresIn: Math.floor(Date.now() / 1000) - 10 })}`,
      `Bearer ${await token({ sub: '1' }, { secret: 'wrong-secret-wrong-secret-wrong!' })}`,
      `Bearer ${await token({ sub: '1' }, { alg: 'HS512' })}`,
      `Bearer ${await token({ sub: 'alice' })}`,
      `Bearer ${await token({ sub: '0' })}`,
      `Bearer ${await token({ sub: '1', role: 'root' })}`,
      `Bearer ${await token({ role: 'admin' })}`,
    ];
    // No exp at all.
    const { SignJWT } = await import('jose');
    bad.push(`Bearer ${await new SignJWT({ sub: '1' }).setProtectedHeader({ alg: 'HS256' }).sign(secret)}`);

    for (const [method, url] of [...userRoutes, ...adminRoutes]) {
      for (const authorization of bad) {
        const response = await t.app.inject({ method, url, headers: authorization === undefined ? {} : { authorization } });
        expect(response.statusCode, `${method} ${url} ${authorization?.slice(0, 30)}`).toBe(401);
        expect(json(response).code).toBe('UNAUTHENTICATED');
      }
    }
  });

  it("a user on another user's routes, or on admin routes, is 403", async () => {
    const other = bearer(await t.userToken(2));
    for (const [method, url] of userRoutes.filter(([, url]) => url.startsWith('/users/'))) {
      const response = await t.app.inject({ method, url, headers: other, ...(method === 'POST' ? { payload: { amount: 1, couponId: 1 } } : {}) });
      // Bodies differ per route: a 400 would mean validation ran first; the body above fits neither, so
      // only the path's user decides here for GETs. POSTs validate their body first.
      expect([403, 400], `${method} ${url}`).toContain(response.statusCode);
      if (method === 'GET') expect(json(response).code).toBe('FORBIDDEN');
    }
    const okCharge = await t.app.inject({ method: 'POST', url: '/users/1/balance/charge', headers: other, payload: { amount: 1 } });
    expect(json(okCharge).code).toBe('FORBIDDEN');
    const okCoupon = await t.app.inject({ method: 'POST', url: '/users/1/coupons', headers: other, payload: { couponId: 1 } });
    expect(json(okCoupon).code).toBe('FORBIDDEN');
    for (const [method, url] of adminRoutes) {
      const response = await t.app.inject({ method, url, headers: other });
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(json(response).code).toBe('FORBIDDEN');
    }
  });

  it('public routes need no token', async () => {
    for (const url of ['/products', '/products/top', '/health/live', '/health/ready', '/openapi.json']) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
    expect(json(await t.app.inject({ method: 'GET', url: '/health/live' }))).toEqual({ status: 'ok' });
    const docs = await t.app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(docs.statusCode);
  });
});

describe('request ids', () => {
  it('honours a plain x-request-id and generates one otherwise', async () => {
    const given = await t.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers['x-request-id']).toBe('trace-123');
    const generated = await t.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'bad id\u0001' } });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('JSON bodies', () => {
  it('an empty body with a JSON content type is no body: fine for a bodyless POST, a 400 where a body is required', async () => {
    const admin = { ...bearer(await t.adminToken()), 'content-type': 'application/json' };
    const retry = await t.app.inject({ method: 'POST', url: '/admin/outbox/unknown-event/retry', headers: admin, payload: '' });
    expect(json(retry).code).toBe('NOT_FOUND');
    const create = await t.app.inject({ method: 'POST', url: '/admin/products', headers: admin, payload: '' });
    expect(json(create).code).toBe('VALIDATION_FAILED');
  });

  it('refuses prototype poisoning and malformed JSON with a 400', async () => {
    const admin = { ...bearer(await t.adminToken()), 'content-type': 'application/json; charset=utf-8' };
    for (const payload of ['{"name":"x","price":1,"stock":1,"__proto__":{"admin":true}}', '{"name":', '{"name":"x"}}', 'NaN']) {
      const response = await t.app.inject({ method: 'POST', url: '/admin/products', headers: admin, payload });
      expect(response.statusCode, payload).toBe(400);
      expect(json(response).code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('rules only the domain checks', () => {
  it('answer 400 with errors naming the field', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/admin/coupons',
      headers: bearer(await t.adminToken()),
      payload: { name: 'Late', discountType: 'FIXED', discountValue: 100, totalQuantity: 1, expiresAt: '2020-01-01T00:00:00Z' },
    });
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'expiresAt', message: expect.any(String) }] });
  });
});

describe('input PostgreSQL cannot store, or the calendar cannot place', () => {
  it('a NUL or another control character in a product or coupon name is a 400 that changes nothing', async () => {
    const admin = bearer(await t.adminToken());
    const productId = await seedProduct(t, { name: 'Plain' });
    for (const name of ['a\u0000b', '\u0000', 'tab\there', 'bell\u0007']) {
      const created = await t.app.inject({ method: 'POST', url: '/admin/products', headers: admin, payload: { name, price: 1, stock: 1 } });
      expect(created.statusCode).toBe(400);
      expect(json(created)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'name', message: expect.any(String) }] });
      const patched = await t.app.inject({ method: 'PATCH', url: `/admin/products/${productId}`, headers: admin, payload: { name } });
      expect(patched.statusCode).toBe(400);
      expect(json(patched).code).toBe('VALIDATION_FAILED');
      const coupon = await t.app.inject({
        method: 'POST',
        url: '/admin/coupons',
        headers: admin,
        payload: { name, discountType: 'FIXED', discountValue: 100, totalQuantity: 1, expiresAt: '2026-12-31T00:00:00Z' },
      });
      expect(coupon.statusCode).toBe(400);
      expect(json(coupon).code).toBe('VALIDATION_FAILED');
    }
    await charge(t, 1, 10_000);
    const order = json(
      await t.app.inject({ method: 'POST', url: '/orders', headers: bearer(await t.userToken(1)), payload: { userId: 1, items: [{ productId, quantity: 1 }] } }),
    );
    const cancel = await t.app.inject({ method: 'POST', url: `/orders/${order.orderId}/cancel`, headers: bearer(await t.userToken(1)), payload: { reason: 'a\u0000b' } });
    expect(cancel.statusCode).toBe(400);
    expect(json(cancel)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'reason', message: expect.any(String) }] });
    const refund = await t.app.inject({
      method: 'POST',
      url: `/admin/orders/${order.orderId}/refunds`,
      headers: admin,
      payload: { items: [{ productId, quantity: 1 }], reason: '\u0000' },
    });
    expect(refund.statusCode).toBe(400);
    expect(json(await t.app.inject({ method: 'GET', url: `/orders/${order.orderId}`, headers: admin })).status).toBe('PAID');
    expect(json(await t.app.inject({ method: 'GET', url: `/products/${productId}` })).name).toBe('Plain');
    expect(json(await t.app.inject({ method: 'GET', url: '/products' })).items).toHaveLength(1);
  });

  it('aggregate-sales refuses days outside 1970-01-01..9999-12-30 with a 400', async () => {
    const admin = bearer(await t.adminToken());
    for (const date of ['0000-01-01', '0001-01-01', '0099-12-31', '1969-12-31', '9999-12-31']) {
      const response = await t.app.inject({ method: 'POST', url: '/admin/jobs/aggregate-sales', headers: admin, payload: { date } });
      expect(response.statusCode, date).toBe(400);
      expect(json(response)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'date', message: expect.any(String) }] });
    }
    const ok = await t.app.inject({ method: 'POST', url: '/admin/jobs/aggregate-sales', headers: admin, payload: { date: '1970-01-01' } });
    expect(ok.statusCode).toBe(200);
    expect(json(ok)).toMatchObject({ date: '1970-01-01', from: '1969-12-31T15:00:00.000Z', to: '1970-01-01T15:00:00.000Z' });
  });
});
}
