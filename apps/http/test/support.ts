/* eslint-disable @typescript-eslint/no-unsafe-member-access -- assertions read parsed JSON responses */
import type { OutboxRelayStore, StorefrontPorts } from '@storefront/application';
import { aCoupon, aProduct, createInMemoryStorefront, TEST_COUPON_EXPIRY, type InMemoryStorefront, type ManualClock } from '@storefront/application/testing';
import { SignJWT } from 'jose';
import { buildApp, type BuildAppOptions } from '../src/app';
import type { App } from '../src/routing/route-context';
import { composeHttp, type HttpOverrides, type HttpSettings } from '../src/http.composition';
import { holdToTheDocument, theServedDocument } from './openapi-contract';

export const TEST_SECRET = 'test-secret-test-secret-test-secret';

/** The HTTP role's settings in tests: the production defaults, the product cache off unless asked for. */
export function testSettings(settings: Partial<HttpSettings> = {}): HttpSettings {
  return { jwtSecret: TEST_SECRET, maxBalance: 10_000_000, businessTimeZone: 'Asia/Seoul', readiness: async () => true, productCacheTtlMs: 0, ...settings };
}

/** What `postgresPorts` reads of the configuration, as the defaults set it. */
export const TEST_PORT_CONFIG = { idempotencyLeaseMs: 10_000, businessTimeZone: 'Asia/Seoul', eventRetentionDays: 90 };

export async function token(
  claims: { sub?: string; role?: unknown; [claim: string]: unknown },
  options: { secret?: string; expiresIn?: string | number; alg?: string } = {},
): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256' }).setIssuedAt();
  if (options.expiresIn !== undefined) jwt = jwt.setExpirationTime(options.expiresIn);
  else jwt = jwt.setExpirationTime('1h');
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_SECRET));
}

export const bearer = (jwt: string) => ({ authorization: `Bearer ${jwt}` });

export interface TestApp {
  app: App;
  store: InMemoryStorefront;
  /** The clock every use case reads; tests move it. */
  clock: ManualClock;
  /** Closes the app (and drops its database, on PostgreSQL). */
  close: () => Promise<void>;
  /** The relay's side of the outbox, for tests that park an event as a failing relay would. */
  outboxRelayStore: OutboxRelayStore;
  userToken: (userId: number) => Promise<string>;
  adminToken: () => Promise<string>;
  ready: { value: boolean };
}

export interface AppOptions {
  maxBalance?: number;
  /** Ports to replace, given the app's own: composed in a child container, as `composeHttp` does. */
  overrides?: (ports: StorefrontPorts) => HttpOverrides;
  /** Logger, metrics and protection settings, as the HTTP role passes them. */
  build?: BuildAppOptions;
}

/** Builds an app for a test: in-memory, or on a fresh PostgreSQL database. */
export type AppFactory = (options?: AppOptions) => Promise<Omit<TestApp, 'store'>>;

/** The app over in-memory adapters, its clock at the in-memory default (2026-11-24T09:00Z). */
export async function inMemoryApp(options: AppOptions = {}): Promise<TestApp> {
  const store = createInMemoryStorefront();
  const ready = { value: true };
  const settings = testSettings({ maxBalance: options.maxBalance ?? 10_000_000, readiness: async () => ready.value, productCacheTtlMs: 1_000 });
  const deps = composeHttp(store, settings, options.overrides?.(store));
  const contract = await theServedDocument();
  const app = await buildApp(deps, options.build);
  holdToTheDocument(app, contract);
  return {
    app,
    store,
    clock: store.clock,
    close: () => app.close(),
    outboxRelayStore: store.outboxRelayStore,
    ready,
    userToken: (userId) => token({ sub: String(userId) }),
    adminToken: () => token({ sub: '999', role: 'admin' }),
  };
}

/** JSON body of a response, typed loosely for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads any field it expects
export const json = (response: { body: string }): any => JSON.parse(response.body);

/**
 * Seeds through the admin API: products and coupons as a client would create them, with the
 * fixed defaults of `aProduct()` and `aCoupon()` (`@storefront/application/testing`) for any field
 * not given.
 */
export async function seedProduct(t: Omit<TestApp, 'store'>, product: { name?: string; price?: number; stock?: number } = {}): Promise<number> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/admin/products',
    headers: bearer(await t.adminToken()),
    payload: { ...aProduct().build(), ...product },
  });
  if (response.statusCode !== 201) throw new Error(`seeding a product failed: ${response.body}`);
  return json(response).id as number;
}

export async function seedCoupon(
  t: Omit<TestApp, 'store'>,
  coupon: { discountType?: 'FIXED' | 'RATE'; discountValue?: number; totalQuantity?: number; expiresAt?: string } = {},
): Promise<number> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/admin/coupons',
    headers: bearer(await t.adminToken()),
    payload: { ...aCoupon().build(), expiresAt: TEST_COUPON_EXPIRY, ...coupon },
  });
  if (response.statusCode !== 201) throw new Error(`seeding a coupon failed: ${response.body}`);
  return json(response).id as number;
}

export async function charge(t: Omit<TestApp, 'store'>, userId: number, amount: number): Promise<void> {
  const response = await t.app.inject({
    method: 'POST',
    url: `/users/${userId}/balance/charge`,
    headers: bearer(await t.userToken(userId)),
    payload: { amount },
  });
  if (response.statusCode !== 200) throw new Error(`charging failed: ${response.body}`);
}

/** What the API says about a user's balance and a product's stock: state as a client sees it. */
export async function balanceOf(t: Omit<TestApp, 'store'>, userId: number): Promise<number> {
  const response = await t.app.inject({ method: 'GET', url: `/users/${userId}/balance`, headers: bearer(await t.adminToken()) });
  return json(response).balance as number;
}

export async function stockOf(t: Omit<TestApp, 'store'>, productId: number): Promise<number> {
  return json(await t.app.inject({ method: 'GET', url: `/products/${productId}` })).stock as number;
}
