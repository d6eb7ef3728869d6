/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- assertions read parsed JSON responses */
import type { Database } from '@storefront/adapters';
import { describe, expect, it } from 'vitest';
import { countBy, serveOnLoopback } from './support/loopback';

/*
 * Races over real HTTP (loopback) against PostgreSQL: hundreds of parallel requests, then
 * the invariants (docs/architecture.md#invariants) checked on the database. Run directly on PostgreSQL
 * (races.integration.test.ts) and through PgBouncer in transaction mode (pgbouncer.integration.test.ts).
 */

/** The database the races run on: opened before the suite, closed (and dropped) after it. */
export type RaceDatabase = Database & { close(): Promise<void> };

export function describeRacesOverHttp(label: string, openDatabase: () => Promise<RaceDatabase>): void {
let database: RaceDatabase | undefined;
const service = serveOnLoopback({
  open: async () => (database = await openDatabase()),
  close: async () => database?.close(),
  productCacheTtlMs: 1_000,
});
const { call, userToken, expectInvariants } = service;

describe(`races over HTTP against ${label}`, () => {
  it('200 parallel charges: the ceiling holds exactly, every charge is in the history', async () => {
    const jwt = await userToken(1);
    const answers = await Promise.all(Array.from({ length: 200 }, () => call('POST', '/users/1/balance/charge', jwt, { amount: 60_000 })));
    // 166 × 60,000 = 9,960,000 ≤ 10,000,000 < 167 × 60,000.
    expect(countBy(answers)).toEqual({ '200': 166, '409 BALANCE_LIMIT_EXCEEDED': 34 });
    expect((await call('GET', '/users/1/balance', jwt)).json.balance).toBe(9_960_000);
    await expectInvariants();
  });

  it('coupon rush: 500 users for 50 coupons → exactly 50 issued', async () => {
    const coupon = await call('POST', '/admin/coupons', service.adminToken, {
      name: 'Rush',
      discountType: 'FIXED',
      discountValue: 1000,
      totalQuantity: 50,
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(coupon.status).toBe(201);
    const users = Array.from({ length: 500 }, (_, i) => 1000 + i);
    const jwts = await Promise.all(users.map(userToken));
    const answers = await Promise.all(users.map((userId, i) => call('POST', `/users/${userId}/coupons`, jwts[i]!, { couponId: coupon.json.id })));
    expect(countBy(answers)).toEqual({ '201': 50, '409 COUPON_SOLD_OUT': 450 });
    expect((await call('GET', `/coupons/${coupon.json.id}`, null)).json.remainingQuantity).toBe(0);
    await expectInvariants();
  });

  it('hot product: 150 buyers for a stock of 50 → exactly 50 orders', async () => {
    const product = await call('POST', '/admin/products', service.adminToken, { name: 'Hot', price: 10_000, stock: 50 });
    const buyers = Array.from({ length: 150 }, (_, i) => 5000 + i);
    const jwts = await Promise.all(buyers.map(userToken));
    await Promise.all(buyers.map((userId, i) => call('POST', `/users/${userId}/balance/charge`, jwts[i]!, { amount: 10_000 })));
    const answers = await Promise.all(
      buyers.map((userId, i) => call('POST', '/orders', jwts[i]!, { userId, items: [{ productId: product.json.id, quantity: 1 }] })),
    );
    expect(countBy(answers)).toEqual({ '201': 50, '409 OUT_OF_STOCK': 100 });
    expect((await call('GET', `/products/${product.json.id}`, null)).json.stock).toBe(0);
    await expectInvariants();
  });

  it('40 parallel retries with one Idempotency-Key charge once; later retries replay the answer', async () => {
    const jwt = await userToken(7);
    const headers = { 'idempotency-key': 'charge-7-once' };
    const answers = await Promise.all(Array.from({ length: 40 }, () => call('POST', '/users/7/balance/charge', jwt, { amount: 1234 }, headers)));
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(answers.every((a) => a.status === 200 || a.json.code === 'IDEMPOTENCY_IN_PROGRESS')).toBe(true);
    expect(new Set(ok.map((a) => a.body)).size).toBe(1);
    const replay = await call('POST', '/users/7/balance/charge', jwt, { amount: 1234 }, headers);
    expect(replay).toMatchObject({ status: 200, body: ok[0]!.body });
    expect((await call('POST', '/users/7/balance/charge', jwt, { amount: 999 }, headers)).json.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await call('GET', '/users/7/balance', jwt)).json.balance).toBe(1234);
    const history = await call('GET', '/users/7/balance/history', jwt);
    expect(history.json.items).toHaveLength(1);
    await expectInvariants();
  });

  it('readiness answers from the database', async () => {
    expect(await call('GET', '/health/ready', null)).toMatchObject({ status: 200, json: { status: 'ok' } });
  });
});
}
