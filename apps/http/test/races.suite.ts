/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- assertions read parsed JSON responses */
import { checkInvariants, readinessOf } from '@storefront/adapters';
import type { Database } from '@storefront/adapters';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import type { App } from '../src/routing/route-context';
import { composeHttp, postgresPorts } from '../src/http.composition';
import { TEST_PORT_CONFIG, testSettings, token } from './support';

/*
 * Races over real HTTP (loopback) against PostgreSQL: hundreds of parallel requests, then
 * the invariants (docs/architecture.md#invariants) checked on the database. Run directly on PostgreSQL
 * (races.integration.test.ts) and through PgBouncer in transaction mode (pgbouncer.integration.test.ts).
 */

const MAX_BALANCE = 10_000_000;
const TIME_ZONE = 'Asia/Seoul';

/** The database the races run on: opened before the suite, closed (and dropped) after it. */
export type RaceDatabase = Database & { close(): Promise<void> };

export function describeRacesOverHttp(label: string, openDatabase: () => Promise<RaceDatabase>): void {
let database: RaceDatabase;
let app: App;
let base: string;
let adminToken: string;
const userTokens = new Map<number, string>();

async function userToken(userId: number): Promise<string> {
  let jwt = userTokens.get(userId);
  if (jwt === undefined) {
    jwt = await token({ sub: String(userId) });
    userTokens.set(userId, jwt);
  }
  return jwt;
}

interface Answer {
  status: number;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads the fields it expects
  json: any;
}

async function call(method: string, path: string, jwt: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(jwt === null ? {} : { authorization: `Bearer ${jwt}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text, json: text === '' ? null : JSON.parse(text) };
}

async function expectInvariants(): Promise<void> {
  const report = await checkInvariants(database.db, { maxBalance: MAX_BALANCE, timeZone: TIME_ZONE });
  expect(report.violations).toEqual([]);
  expect(report.ok).toBe(true);
}

const countBy = (answers: Answer[]) =>
  answers.reduce<Record<string, number>>((counts, a) => {
    const key = a.status >= 400 ? `${a.status} ${a.json?.code}` : String(a.status);
    counts[key] = (counts[key] ?? 0) + 1;
    return counts;
  }, {});

beforeAll(async () => {
  database = await openDatabase();
  app = await buildApp(
    composeHttp(postgresPorts(database, { ...TEST_PORT_CONFIG, businessTimeZone: TIME_ZONE }), testSettings({ maxBalance: MAX_BALANCE, businessTimeZone: TIME_ZONE, readiness: readinessOf(database), productCacheTtlMs: 1_000 })),
  );
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  adminToken = await token({ sub: '1000000', role: 'admin' });
});

afterAll(async () => {
  await app?.close();
  await database?.close();
});

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
    const coupon = await call('POST', '/admin/coupons', adminToken, {
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
    const product = await call('POST', '/admin/products', adminToken, { name: 'Hot', price: 10_000, stock: 50 });
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
