/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return -- assertions read parsed JSON responses */
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_ERROR_CODES, statusOfCode, type ApiErrorCode } from '../src/errors/problem';
import { bearer, charge, json, seedCoupon, seedProduct, token, type AppFactory } from './support';

/*
 * Every error code of the contract (docs/api.md#error-codes), produced through the HTTP API, with its status and an RFC 9457
 * body. The last test checks that no code of the table went unexercised.
 */


function expectProblemIn(seen: Set<ApiErrorCode>, response: { statusCode: number; headers: Record<string, unknown>; body: string }, code: ApiErrorCode): Record<string, unknown> {
  const body = json(response);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(body).toMatchObject({ code, status: statusOfCode[code] });
  expect(response.statusCode).toBe(statusOfCode[code]);
  expect(typeof body.type).toBe('string');
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  seen.add(code);
  return body;
}

/** The suite, run on the in-memory adapters (error-codes.unit) and on PostgreSQL (error-codes.integration). */
export function describeEveryErrorCode(makeApp: AppFactory): void {
describe('every error code of the contract', () => {
  let t: Awaited<ReturnType<AppFactory>>;
  const seen = new Set<ApiErrorCode>();
  const closers: Array<() => Promise<unknown>> = [];
  const expectProblem = (response: Parameters<typeof expectProblemIn>[1], code: ApiErrorCode) => expectProblemIn(seen, response, code);
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
  });

  const app = async (options?: Parameters<AppFactory>[0]) => {
    const created = await makeApp(options);
    closers.push(() => created.close());
    return created;
  };

  it('400 VALIDATION_FAILED with errors[{path,message}]', async () => {
    t = await app();
    const user = bearer(await t.userToken(1));
    const response = await t.app.inject({ method: 'POST', url: '/orders', headers: user, payload: { userId: 1, items: [{ productId: 1, quantity: 0 }] } });
    const body = expectProblem(response, 'VALIDATION_FAILED');
    expect(body.errors).toEqual([{ path: 'items.0.quantity', message: expect.any(String) }]);
  });

  it('401 UNAUTHENTICATED', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/users/1/balance' });
    expectProblem(response, 'UNAUTHENTICATED');
  });

  it('403 FORBIDDEN', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/users/2/balance', headers: bearer(await t.userToken(1)) });
    expectProblem(response, 'FORBIDDEN');
  });

  it('404 NOT_FOUND for an unknown route and an unknown outbox event', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/no/such/route' }), 'NOT_FOUND');
    const admin = bearer(await t.adminToken());
    expectProblem(await t.app.inject({ method: 'POST', url: '/admin/outbox/no-such-event/retry', headers: admin }), 'NOT_FOUND');
  });

  it('404 PRODUCT_NOT_FOUND, COUPON_NOT_FOUND, ORDER_NOT_FOUND', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/products/424242' }), 'PRODUCT_NOT_FOUND');
    expectProblem(await t.app.inject({ method: 'GET', url: '/coupons/424242' }), 'COUPON_NOT_FOUND');
    expectProblem(await t.app.inject({ method: 'GET', url: '/orders/424242', headers: bearer(await t.userToken(1)) }), 'ORDER_NOT_FOUND');
  });

  it('409 BALANCE_LIMIT_EXCEEDED', async () => {
    const small = await app({ maxBalance: 1000 });
    const response = await small.app.inject({ method: 'POST', url: '/users/1/balance/charge', headers: bearer(await small.userToken(1)), payload: { amount: 1001 } });
    expectProblem(response, 'BALANCE_LIMIT_EXCEEDED');
  });

  it('409 COUPON_SOLD_OUT, COUPON_ALREADY_ISSUED, COUPON_EXPIRED', async () => {
    const couponId = await seedCoupon(t, { totalQuantity: 1 });
    const issue = async (userId: number) =>
      t.app.inject({ method: 'POST', url: `/users/${userId}/coupons`, headers: bearer(await t.userToken(userId)), payload: { couponId } });
    expect((await issue(1)).statusCode).toBe(201);
    expectProblem(await issue(1), 'COUPON_ALREADY_ISSUED');
    expectProblem(await issue(2), 'COUPON_SOLD_OUT');

    const expiring = await seedCoupon(t, { expiresAt: '2026-11-24T10:00:00.000Z' });
    t.clock.advanceBy(2 * 60 * 60 * 1000);
    const response = await t.app.inject({ method: 'POST', url: '/users/3/coupons', headers: bearer(await t.userToken(3)), payload: { couponId: expiring } });
    expectProblem(response, 'COUPON_EXPIRED');
  });

  it('409 OUT_OF_STOCK (with productId), INSUFFICIENT_BALANCE, COUPON_NOT_USABLE', async () => {
    const s = await app();
    const productId = await seedProduct(s, { price: 1000, stock: 2 });
    const user = bearer(await s.userToken(1));
    const order = (payload: object) => s.app.inject({ method: 'POST', url: '/orders', headers: user, payload: { userId: 1, ...payload } });

    const outOfStock = expectProblem(await order({ items: [{ productId, quantity: 3 }] }), 'OUT_OF_STOCK');
    expect(outOfStock.productId).toBe(productId);
    expectProblem(await order({ items: [{ productId, quantity: 1 }] }), 'INSUFFICIENT_BALANCE');

    await charge(s, 1, 10_000);
    const couponId = await seedCoupon(s);
    const issued = json(await s.app.inject({ method: 'POST', url: '/users/1/coupons', headers: user, payload: { couponId } }));
    expect((await order({ items: [{ productId, quantity: 1 }], userCouponId: issued.userCouponId })).statusCode).toBe(201);
    expectProblem(await order({ items: [{ productId, quantity: 1 }], userCouponId: issued.userCouponId }), 'COUPON_NOT_USABLE');
  });

  it('409 ORDER_NOT_CANCELLABLE, ORDER_NOT_REFUNDABLE, REFUND_EXCEEDS_ORDER (with productId)', async () => {
    const s = await app();
    const productId = await seedProduct(s, { price: 1000, stock: 10 });
    await charge(s, 1, 10_000);
    const user = bearer(await s.userToken(1));
    const admin = bearer(await s.adminToken());
    const place = async () =>
      json(await s.app.inject({ method: 'POST', url: '/orders', headers: user, payload: { userId: 1, items: [{ productId, quantity: 2 }] } })).orderId as number;
    const refund = (orderId: number, quantity: number) =>
      s.app.inject({ method: 'POST', url: `/admin/orders/${orderId}/refunds`, headers: admin, payload: { items: [{ productId, quantity }] } });
    const cancel = (orderId: number) => s.app.inject({ method: 'POST', url: `/orders/${orderId}/cancel`, headers: user });

    const refunded = await place();
    expect((await refund(refunded, 1)).statusCode).toBe(201);
    expectProblem(await cancel(refunded), 'ORDER_NOT_CANCELLABLE');
    const exceeds = expectProblem(await refund(refunded, 2), 'REFUND_EXCEEDS_ORDER');
    expect(exceeds.productId).toBe(productId);
    const cancelled = await place();
    expect((await cancel(cancelled)).statusCode).toBe(200);
    expectProblem(await refund(cancelled, 1), 'ORDER_NOT_REFUNDABLE');
  });

  it('409 IDEMPOTENCY_IN_PROGRESS while the first request runs; 422 IDEMPOTENCY_KEY_REUSED with another body', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Resolved once the first request holds the key and runs: no guessing with a delay.
    let entered: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const s = await app({
      // Hold the first request's transaction: its key is claimed by then, its charge not yet run.
      overrides: ({ transactions }) => ({
        transactions: {
          run: async (work) => {
            entered();
            await gate;
            return transactions.run(work);
          },
        },
      }),
    });
    const headers = { ...bearer(await s.userToken(1)), 'idempotency-key': 'key-1' };
    const first = s.app.inject({ method: 'POST', url: '/users/1/balance/charge', headers, payload: { amount: 100 } });
    await running;
    expectProblem(await s.app.inject({ method: 'POST', url: '/users/1/balance/charge', headers, payload: { amount: 100 } }), 'IDEMPOTENCY_IN_PROGRESS');
    release();
    expect((await first).statusCode).toBe(200);
    expectProblem(await s.app.inject({ method: 'POST', url: '/users/1/balance/charge', headers, payload: { amount: 200 } }), 'IDEMPOTENCY_KEY_REUSED');
  });

  it('409 OUTBOX_EVENT_NOT_FAILED for an event still pending', async () => {
    const s = await app();
    const productId = await seedProduct(s);
    await charge(s, 1, 10_000);
    await s.app.inject({ method: 'POST', url: '/orders', headers: bearer(await s.userToken(1)), payload: { userId: 1, items: [{ productId, quantity: 1 }] } });
    const admin = bearer(await s.adminToken());
    const pending = json(await s.app.inject({ method: 'GET', url: '/admin/outbox?status=PENDING', headers: admin }));
    expect(pending.items).toHaveLength(1);
    expectProblem(await s.app.inject({ method: 'POST', url: `/admin/outbox/${pending.items[0].eventId}/retry`, headers: admin }), 'OUTBOX_EVENT_NOT_FAILED');
  });

  it('413 PAYLOAD_TOO_LARGE over 64 KiB', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/users/1/balance/charge',
      headers: { ...bearer(await t.userToken(1)), 'content-type': 'application/json' },
      payload: JSON.stringify({ amount: 1, pad: 'x'.repeat(70 * 1024) }),
    });
    expectProblem(response, 'PAYLOAD_TOO_LARGE');
  });

  it('415 UNSUPPORTED_MEDIA_TYPE for a non-JSON body', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/users/1/balance/charge',
        headers: { ...bearer(await t.userToken(1)), 'content-type': contentType },
        payload: 'amount=1',
      });
      expectProblem(response, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('503 UNAVAILABLE when the database does not answer', async () => {
    t.ready.value = false;
    expectProblem(await t.app.inject({ method: 'GET', url: '/health/ready' }), 'UNAVAILABLE');
    t.ready.value = true;
    expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  });

  it('500 INTERNAL with a fixed message: no stack, no SQL', async () => {
    const s = await app({
      overrides: ({ catalogQueries }) => ({
        catalogQueries: {
          products: (page) => catalogQueries.products(page),
          productById: () => Promise.reject(new Error('syntax error at or near "SELECT password FROM secrets"')),
        },
      }),
    });
    const response = await s.app.inject({ method: 'GET', url: '/products/1' });
    const body = expectProblem(response, 'INTERNAL');
    expect(response.body).not.toMatch(/SELECT|secrets|at .*\.ts/);
    expect(Object.keys(body).sort()).toEqual(['code', 'detail', 'status', 'title', 'type']);
  });

  it('405 METHOD_NOT_ALLOWED with Allow for a known path and a wrong method', async () => {
    const response = await t.app.inject({ method: 'DELETE', url: '/users/1/balance', headers: bearer(await t.userToken(1)) });
    expectProblem(response, 'METHOD_NOT_ALLOWED');
    expect(response.headers.allow).toBe('GET, HEAD');
    const onOrders = await t.app.inject({ method: 'PUT', url: '/orders' });
    expectProblem(onOrders, 'METHOD_NOT_ALLOWED');
    expect(onOrders.headers.allow).toBe('POST');
  });

  it('429 RATE_LIMITED with RateLimit and Retry-After once a caller passes its limit', async () => {
    const limited = await app({ build: { protection: { corsOrigins: [], rateLimitPerMinute: 3 } } });
    const user = bearer(await limited.userToken(7));
    for (let i = 0; i < 3; i++) expect((await limited.app.inject({ method: 'GET', url: '/users/7/balance', headers: user })).statusCode).toBe(200);
    const refused = await limited.app.inject({ method: 'GET', url: '/users/7/balance', headers: user });
    expectProblem(refused, 'RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['ratelimit']).toMatch(/^limit=3, remaining=0, reset=\d+$/);
    expect(refused.headers['ratelimit-limit']).toBe('3');
    // The limit is per caller: another user's token, and an anonymous client, still pass.
    expect((await limited.app.inject({ method: 'GET', url: '/users/8/balance', headers: bearer(await limited.userToken(8)) })).statusCode).toBe(200);
    expect((await limited.app.inject({ method: 'GET', url: '/products' })).statusCode).toBe(200);
  });

  it('429 comes before the idempotency key is claimed: a refused client grows no table', async () => {
    const claimed: string[] = [];
    const limited = await app({
      build: { protection: { corsOrigins: [], rateLimitPerMinute: 1 } },
      overrides: ({ idempotencyStore: store }) => ({
        idempotencyStore: {
          claim: (ref, fingerprint, now) => (claimed.push(ref.key), store.claim(ref, fingerprint, now)),
          complete: (ref, response) => store.complete(ref, response),
          release: (ref) => store.release(ref),
          purgeCreatedBefore: (before) => store.purgeCreatedBefore(before),
        },
      }),
    });
    const user = { ...bearer(await limited.userToken(9)), 'content-type': 'application/json' };
    const charge = (key: string) => limited.app.inject({ method: 'POST', url: '/users/9/balance/charge', headers: { ...user, 'idempotency-key': key }, payload: { amount: 100 } });
    expect((await charge('first')).statusCode).toBe(200);
    for (const key of ['second', 'third']) expectProblem(await charge(key), 'RATE_LIMITED');
    expect(claimed).toEqual(['first']);
  });

  it('exercised every code of the status table', () => {
    expect([...seen].sort()).toEqual([...ALL_ERROR_CODES].sort());
  });

  it('a token signed with another secret is 401 too', async () => {
    const forged = await token({ sub: '1' }, { secret: 'another-secret-another-secret-xx' });
    expectProblem(await t.app.inject({ method: 'GET', url: '/users/1/balance', headers: bearer(forged) }), 'UNAUTHENTICATED');
  });
});
}
