import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, inMemoryApp, seedProduct, token, type TestApp } from './support';

/*
 * Hostile input never gets a 5xx: random bodies, paths, query strings, headers and tokens on
 * every route. Runs against the in-memory adapters, so a 500 here is an edge bug.
 */

const ROUTES = [
  ['GET', '/users/:u/balance'],
  ['POST', '/users/:u/balance/charge'],
  ['GET', '/users/:u/balance/history'],
  ['GET', '/products'],
  ['GET', '/products/:p'],
  ['GET', '/products/top'],
  ['POST', '/admin/products'],
  ['PATCH', '/admin/products/:p'],
  ['POST', '/admin/coupons'],
  ['GET', '/coupons/:p'],
  ['POST', '/users/:u/coupons'],
  ['GET', '/users/:u/coupons'],
  ['POST', '/orders'],
  ['GET', '/orders/:p'],
  ['GET', '/users/:u/orders'],
  ['POST', '/orders/:p/cancel'],
  ['POST', '/admin/orders/:p/refunds'],
  ['GET', '/admin/orders'],
  ['GET', '/admin/coupons'],
  ['GET', '/admin/outbox'],
  ['POST', '/admin/outbox/:p/retry'],
  ['POST', '/admin/jobs/aggregate-sales'],
  ['GET', '/health/live'],
  ['GET', '/health/ready'],
] as const;

const segment = fc.oneof(
  fc.constantFrom('1', '2', '0', '-1', '1e3', '1.5', 'abc', '99999999999999999999999', '9007199254740993', '%00', '%2e%2e', '..', 'null', '[]', '%F0%9F%92%A9'),
  fc.integer({ min: -10, max: 10_000 }).map(String),
  fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
);

const jsonValue = fc.jsonValue({ maxDepth: 4 });
const plausibleBody = fc.record(
  {
    amount: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.constant(Number.MAX_SAFE_INTEGER)),
    userId: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.string()),
    items: fc.oneof(
      fc.array(fc.record({ productId: fc.oneof(fc.integer({ min: -1, max: 3 }), jsonValue), quantity: fc.oneof(fc.integer({ min: -1, max: 2000 }), jsonValue) }, { requiredKeys: [] }), { maxLength: 60 }),
      jsonValue,
    ),
    couponId: fc.oneof(fc.integer({ min: -1, max: 3 }), jsonValue),
    userCouponId: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.constant(null), jsonValue),
    name: fc.oneof(fc.string({ maxLength: 300 }), jsonValue),
    price: fc.oneof(fc.integer(), jsonValue),
    stock: fc.oneof(fc.integer(), jsonValue),
    discountType: fc.constantFrom('FIXED', 'RATE', 'OTHER', ''),
    discountValue: fc.oneof(fc.integer({ min: -5, max: 200 }), jsonValue),
    totalQuantity: fc.oneof(fc.integer({ min: -5, max: 2_000_000 }), jsonValue),
    expiresAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
    date: fc.oneof(fc.constantFrom('2026-11-24', '2026-02-30', '0000-00-00', '9999-12-31'), fc.string()),
    restock: fc.oneof(fc.boolean(), jsonValue),
    reason: fc.oneof(fc.string({ maxLength: 600 }), jsonValue),
    __proto__: jsonValue,
    constructor: jsonValue,
  },
  { requiredKeys: [] },
);

const rawBody = fc.oneof(
  plausibleBody.map((b) => JSON.stringify(b)),
  jsonValue.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', '{"amount":1', 'null', '[]', '{"__proto__":{"polluted":1}}', '{"amount":1e400}', '\u0000', '{"a":'.repeat(500)),
);

const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/problem+json',
  'application/json; charset=latin1',
  '',
  '*/*',
);

const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?limit=0', '?limit=101', '?limit=-1', '?limit=1e2', '?cursor=x', '?cursor=', '?days=31', '?status=FAILED', '?status=CANCELLED', '?userId=0', '?limit=5&limit=6', '?cursor[a]=1', '?__proto__=1'),
  fc.dictionary(fc.constantFrom('limit', 'cursor', 'days', 'status', 'userId', 'x'), fc.string({ maxLength: 30 }), { maxKeys: 3 }).map(
    (q) => `?${new URLSearchParams(q).toString()}`,
  ),
);

describe('fuzz: hostile requests never get a 5xx', () => {
  let t: TestApp;
  let tokens: string[];
  beforeAll(async () => {
    t = await inMemoryApp();
    await seedProduct(t);
    tokens = [
      await token({ sub: '1' }),
      await token({ sub: '1', role: 'admin' }),
      await token({ sub: '2' }),
      await token({ sub: '1' }, { secret: 'some-other-secret-some-other-secret' }),
      await token({ sub: '1' }, { expiresIn: 1 }),
      await token({ sub: '-1' }),
      await token({ sub: '1', role: ['admin'] }),
      'e30.e30.',
      'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIn0.',
    ];
  });
  afterAll(async () => {
    await t.app.close();
  });

  it('on every route, with any body, content type, path segment, query and token', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        segment,
        segment,
        query,
        rawBody,
        contentType,
        fc.option(fc.oneof(fc.integer({ min: 0, max: 8 }), fc.string({ maxLength: 60 })), { nil: undefined }),
        fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
        async ([method, pattern], u, p, q, body, type, auth, idempotencyKey) => {
          const url = pattern.replace(':u', u).replace(':p', p) + q;
          const headers: Record<string, string> = {};
          if (type !== undefined) headers['content-type'] = type;
          if (typeof auth === 'number') Object.assign(headers, bearer(tokens[auth]!));
          else if (auth !== undefined) headers.authorization = auth;
          if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
          let response;
          try {
            response = await t.app.inject({ method, url, headers, ...(method === 'GET' ? {} : { payload: body }) });
          } catch (error) {
            // light-my-request refuses header values Node itself would never send (e.g. control characters).
            if (error instanceof TypeError && /header/i.test(error.message)) return;
            throw error;
          }
          expect(response.statusCode, `${method} ${url} ${JSON.stringify(headers)} ${body.slice(0, 200)}`).toBeLessThan(500);
          if (response.statusCode >= 400) expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        },
      ),
      { numRuns: 1500, seed: 20261124 },
    );
    // Bounded by its run count, not by time: 1,500 requests are CPU work that a busy machine stretches.
  }, 120_000);

  it('arbitrary paths and methods', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
        fc.array(segment, { minLength: 0, maxLength: 5 }),
        async (method, segments) => {
          const response = await t.app.inject({ method, url: `/${segments.join('/')}` });
          expect(response.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  }, 120_000);
});
