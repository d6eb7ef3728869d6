/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-member-access -- a race test reads the JSON fields it expects */
import { expect, beforeAll, afterAll } from 'vitest';
import { checkInvariants, readinessOf, type Database } from '@storefront/adapters';
import { buildApp } from '../../src/app';
import { composeHttp, postgresPorts } from '../../src/http.composition';
import type { App } from '../../src/routing/route-context';
import { TEST_PORT_CONFIG, testSettings, token } from '../support';

/*
 * The HTTP role listening on loopback over PostgreSQL, for the race tests: hundreds of parallel
 * requests through real sockets, then the invariants (docs/architecture.md#invariants) checked on
 * the database.
 */

const MAX_BALANCE = 10_000_000;
const TIME_ZONE = 'Asia/Seoul';
/** How long a request keeps being retried while the service answers 503. */
const RETRY_DEADLINE_MS = 60_000;

export interface Answer {
  status: number;
  body: string;
  json: any;
}

export interface ServiceOnLoopback {
  /** A token of the admin, set before the tests run. */
  readonly adminToken: string;
  /** A token of the user, made once per user. */
  userToken(userId: number): Promise<string>;
  call(method: string, path: string, jwt: string | null, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  /** `call`, failing the test unless the answer is a success; answers the parsed body. */
  ok(method: string, path: string, jwt: string, body?: unknown): Promise<any>;
  /** Invariants 1–6 on the database, with the ceiling and time zone the service runs with. */
  expectInvariants(): Promise<void>;
}

/**
 * Registers the hooks that open the database (`open`), build the application on it as production
 * does and listen on an ephemeral loopback port; after the tests, the application closes, then
 * `close` runs. `productCacheTtlMs: 0` makes every stock read the database's.
 */
export function serveOnLoopback(options: { open: () => Promise<Database>; close?: () => Promise<void>; productCacheTtlMs: number }): ServiceOnLoopback {
  let database: Database | undefined;
  let app: App | undefined;
  let base = '';
  let adminToken = '';
  const userTokens = new Map<number, string>();

  beforeAll(async () => {
    database = await options.open();
    app = await buildApp(
      composeHttp(
        postgresPorts(database, { ...TEST_PORT_CONFIG, businessTimeZone: TIME_ZONE }),
        testSettings({ maxBalance: MAX_BALANCE, businessTimeZone: TIME_ZONE, readiness: readinessOf(database), productCacheTtlMs: options.productCacheTtlMs }),
      ),
    );
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    adminToken = await token({ sub: '1000000', role: 'admin' });
  });
  afterAll(async () => {
    await app?.close();
    await options.close?.();
  });

  /**
   * A request as a careful client sends it: a 503 (the service shedding load when a pool or lock
   * wait runs out on a busy machine) is retried after its Retry-After until a definitive answer,
   * when retrying is safe — a read, or a mutation with an Idempotency-Key (sent again with it).
   */
  const call: ServiceOnLoopback['call'] = async (method, path, jwt, body, headers = {}) => {
    const retriesAreSafe = method === 'GET' || 'idempotency-key' in headers;
    const deadline = Date.now() + RETRY_DEADLINE_MS;
    for (;;) {
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
      if (response.status !== 503 || !retriesAreSafe || Date.now() > deadline) {
        return { status: response.status, body: text, json: text === '' ? null : JSON.parse(text) };
      }
      const retryAfterSeconds = Number(response.headers.get('retry-after') ?? '1');
      await new Promise((resolve) => setTimeout(resolve, Math.max(retryAfterSeconds, 0.1) * 1_000));
    }
  };

  return {
    get adminToken() {
      return adminToken;
    },
    async userToken(userId) {
      let jwt = userTokens.get(userId);
      if (jwt === undefined) {
        jwt = await token({ sub: String(userId) });
        userTokens.set(userId, jwt);
      }
      return jwt;
    },
    call,
    async ok(method, path, jwt, body) {
      const answer = await call(method, path, jwt, body);
      if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.body}`);
      return answer.json;
    },
    async expectInvariants() {
      if (database === undefined) throw new Error('serveOnLoopback: the database is not open yet');
      const report = await checkInvariants(database.db, { maxBalance: MAX_BALANCE, timeZone: TIME_ZONE });
      expect(report.violations).toEqual([]);
      expect(report.ok).toBe(true);
    },
  };
}

/** How many answers of each kind: `200`, `409 COUPON_SOLD_OUT`, … */
export const countBy = (answers: readonly Answer[]): Record<string, number> =>
  answers.reduce<Record<string, number>>((counts, a) => {
    const key = a.status >= 400 ? `${a.status} ${a.json?.code}` : String(a.status);
    counts[key] = (counts[key] ?? 0) + 1;
    return counts;
  }, {});
