import type { ScenarioName } from '../report';
import type { RequestSpec } from './load';

/** Sizes of one run: `--quick` is the same scenarios, smaller. */
export interface BenchSizes {
  users: number;
  walletBalance: number;
  catalogue: number;
  rushRequests: number;
  rushQuantity: number;
  /** Issues of the same route spread over 100 coupons with plenty of units (the rush's yardstick). */
  uncontendedRequests: number;
  /** Units of each flash product, and buyers (distinct funded users, one request each) per phase. */
  flashUnits: number;
  flashBuyers: number;
  /** Seconds per arrival rate of the open loop. */
  openLoopSeconds: number;
  /** A second, larger rush (full runs only): this many distinct users for this many units. */
  largeRush: { users: number; units: number } | null;
  /** Requests per scenario other than the rush. */
  requests: Record<Exclude<ScenarioName, 'coupon-rush'>, number>;
  /** PAID orders seeded in the ceilings' copy per range of the cancel and refund ceilings (seedCancellableOrders). */
  cancellableOrders: number;
  /** A run of one scenario (or of its ceiling) is stopped after this long, whatever is left. */
  maxSeconds: number;
  /** How long the invariant check waits for the relay to deliver the scenario's events. */
  drainSeconds: number;
}

export const FULL: BenchSizes = {
  users: 10_000,
  walletBalance: 5_000_000,
  catalogue: 100,
  rushRequests: 10_000,
  rushQuantity: 1_000,
  uncontendedRequests: 10_000,
  flashUnits: 1_000,
  flashBuyers: 10_000,
  openLoopSeconds: 8,
  largeRush: { users: 100_000, units: 10_000 },
  requests: { 'hot-product-order': 10_000, charge: 20_000, 'product-read': 300_000, mixed: 20_000, 'flash-sale': 20_000, cancel: 10_000, refund: 10_000 },
  cancellableOrders: 100_000,
  maxSeconds: 180,
  drainSeconds: 300,
};

/** Same users, catalogue and concurrency; fewer requests, and a rush of the same 10:1 ratio. */
export const QUICK: BenchSizes = {
  ...FULL,
  rushRequests: 5_000,
  rushQuantity: 500,
  uncontendedRequests: 3_000,
  flashUnits: 500,
  flashBuyers: 5_000,
  openLoopSeconds: 3,
  largeRush: null,
  requests: { 'hot-product-order': 4_000, charge: 5_000, 'product-read': 100_000, mixed: 5_000, 'flash-sale': 10_000, cancel: 3_000, refund: 3_000 },
  cancellableOrders: 30_000,
  maxSeconds: 60,
  drainSeconds: 120,
};

export const CONCURRENCY: Record<ScenarioName, number> = {
  'coupon-rush': 500,
  'hot-product-order': 200,
  charge: 200,
  'product-read': 100,
  mixed: 200,
  'flash-sale': 200,
  cancel: 200,
  refund: 200,
};

/** Coupons of the rush's yardstick: the same route, spread, never sold out. */
export const UNCONTENDED_COUPONS = 100;

export const CHARGE_AMOUNT = 1_000;

/** What the scenarios need to know of the seeded data and the signed tokens. */
export interface ScenarioWorld {
  sizes: BenchSizes;
  tokens: readonly string[];
  /** An admin's token: refunds are an admin's. */
  adminToken: string;
  hotProductId: number;
  rushCouponId: number;
  mixedCouponId: number;
  /** The large rush's coupon (`largeRush.units`), when the run has one. */
  largeRushCouponId: number | null;
  /** Ids of the uncontended coupons (plenty of units each). */
  uncontendedCouponIds: readonly number[];
  /** The flash sale's two products (`flashUnits` each) and, per user, an unused coupon for each phase that uses one. */
  flashProductIds: readonly [number, number];
  flashCouponOf: readonly number[];
  spreadCouponOf: readonly number[];
}

/** A small seeded PRNG (mulberry32), so that every run sends the same sequence of requests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (random: () => number, n: number): number => 1 + Math.floor(random() * n);

const auth = (world: ScenarioWorld, user: number): Record<string, string> => ({ authorization: `Bearer ${world.tokens[user] ?? ''}` });

const charge = (world: ScenarioWorld, user: number): RequestSpec => ({
  kind: 'charge',
  method: 'POST',
  path: `/users/${user}/balance/charge`,
  headers: auth(world, user),
  body: JSON.stringify({ amount: CHARGE_AMOUNT }),
});

const order = (world: ScenarioWorld, user: number, productId: number): RequestSpec => ({
  kind: 'order',
  method: 'POST',
  path: '/orders',
  headers: auth(world, user),
  body: JSON.stringify({ userId: user, items: [{ productId, quantity: 1 }] }),
});

const issueCoupon = (world: ScenarioWorld, user: number, couponId: number): RequestSpec => ({
  kind: 'coupon',
  method: 'POST',
  path: `/users/${user}/coupons`,
  headers: auth(world, user),
  body: JSON.stringify({ couponId }),
});

const readProduct = (productId: number): RequestSpec => ({ kind: 'read', method: 'GET', path: `/products/${productId}` });

const orderOf = (world: ScenarioWorld, user: number, productId: number, quantity: number, userCouponId: number | null): RequestSpec => ({
  kind: 'order',
  method: 'POST',
  path: '/orders',
  headers: auth(world, user),
  body: JSON.stringify({ userId: user, items: [{ productId, quantity }], ...(userCouponId === null ? {} : { userCouponId }) }),
});

/** Users 1..users in a seeded random order: each phase that must not repeat a buyer walks one. */
function shuffledUsers(users: number, random: () => number): number[] {
  const order = Array.from({ length: users }, (_, i) => i + 1);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * Issues of the uncontended coupons: request i goes to coupon (i + ⌊i / users⌋) mod 100 for user
 * shuffle[i mod users], so consecutive requests hit different coupons and no (user, coupon) pair
 * repeats for the first users × 100 requests. `from` continues a sequence (the open loop after
 * the closed one).
 */
export function uncontendedCouponGenerator(world: ScenarioWorld, from = 0): () => RequestSpec {
  const users = shuffledUsers(world.sizes.users, seededRandom(0xc0ffee));
  const coupons = world.uncontendedCouponIds;
  let i = from;
  return () => {
    const n = i++;
    const user = users[n % users.length]!;
    const coupon = coupons[(n + Math.floor(n / users.length)) % coupons.length]!;
    return issueCoupon(world, user, coupon);
  };
}

/** The most requests the warm-up may send: its coupon issues end where the uncontended sequence starts repeating. */
export const WARM_UP_MAX_REQUESTS = 10_000;

/**
 * The warm-up before the first scenario: in turn, an issue of an uncontended coupon (pairs no
 * measured request uses), a product read, a charge and an order of a catalogue product: every
 * route the scenarios load, on none of the rows a scenario checks (the rush and flash products
 * and coupons are untouched).
 */
export function warmUpGenerator(world: ScenarioWorld): () => RequestSpec {
  const random = seededRandom(0x3a2d);
  // The last pairs before the sequence repeats: no measured run sends that many issues.
  const coupons = uncontendedCouponGenerator(world, world.sizes.users * world.uncontendedCouponIds.length - WARM_UP_MAX_REQUESTS);
  const { users, catalogue } = world.sizes;
  const routes: (() => RequestSpec)[] = [
    coupons,
    () => readProduct(pick(random, catalogue)),
    () => charge(world, pick(random, users)),
    () => order(world, pick(random, users), pick(random, catalogue)),
  ];
  let i = 0;
  return () => routes[i++ % routes.length]!();
}

/** The large rush: every user of 1..users once, in a seeded random order, for its coupon. */
export function largeRushGenerator(world: ScenarioWorld): () => RequestSpec {
  const users = shuffledUsers(world.sizes.largeRush?.users ?? 0, seededRandom(0x1a79e));
  let i = 0;
  return () => issueCoupon(world, users[i++ % users.length]!, world.largeRushCouponId ?? 0);
}

export type FlashPhase = 'flash-one' | 'flash-mixed' | 'spread-one' | 'spread-mixed';

/**
 * The flash sale's phases, each from distinct users (a seeded shuffle per phase):
 * - flash-one: one unit of the first flash product each;
 * - flash-mixed: 1–3 units of the second flash product, every third order with the user's coupon;
 * - spread-one / spread-mixed: the same two shapes over the 100 products of the catalogue.
 */
export function flashGenerator(world: ScenarioWorld, phase: FlashPhase): () => RequestSpec {
  const random = seededRandom(0xf1a5 + phase.length * 7 + (phase.startsWith('spread') ? 1 : 0));
  const users = shuffledUsers(world.sizes.users, random);
  const mixed = phase.endsWith('mixed');
  const coupons = phase.startsWith('flash') ? world.flashCouponOf : world.spreadCouponOf;
  let i = 0;
  return () => {
    const n = i++;
    const user = users[n % users.length]!;
    const product = phase === 'flash-one' ? world.flashProductIds[0] : phase === 'flash-mixed' ? world.flashProductIds[1] : pick(random, world.sizes.catalogue);
    if (!mixed) return orderOf(world, user, product, 1, null);
    return orderOf(world, user, product, pick(random, 3), n % 3 === 0 ? (coupons[user] ?? null) : null);
  };
}

/** Orders of one unit of a random catalogue product by random funded users: the ones `cancel` and `refund` undo. */
export function cancellableOrderGenerator(world: ScenarioWorld, seed: number): () => RequestSpec {
  const random = seededRandom(0xca9ce1 + seed);
  return () => order(world, pick(random, world.sizes.users), pick(random, world.sizes.catalogue));
}

/** Orders of the order lifecycle's scenarios: each is cancelled or refunded once. */
export interface PlacedOrder {
  orderId: number;
  userId: number;
  productId: number;
}

/**
 * The order lifecycle's requests, one per order in the order they were placed: `cancel`, by the
 * order's own user; `refund`, by an admin, of the order's one unit, restocked.
 */
export function lifecycleGenerator(world: ScenarioWorld, name: 'cancel' | 'refund', orders: readonly PlacedOrder[]): () => RequestSpec {
  let i = 0;
  return () => {
    const { orderId, userId, productId } = orders[i++ % orders.length]!;
    if (name === 'cancel') return { kind: 'cancel', method: 'POST', path: `/orders/${orderId}/cancel`, headers: auth(world, userId), body: JSON.stringify({ reason: 'bench' }) };
    const admin = { authorization: `Bearer ${world.adminToken}` };
    return { kind: 'refund', method: 'POST', path: `/admin/orders/${orderId}/refunds`, headers: admin, body: JSON.stringify({ items: [{ productId, quantity: 1 }], restock: true, reason: 'bench' }) };
  };
}

/**
 * The request generator of each scenario: called once per request sent, in order.
 * - coupon-rush: every request from a different user (a seeded shuffle of all users);
 * - hot-product-order: random funded users, one unit of the hot product each;
 * - charge: random users over every wallet;
 * - product-read: random products of the catalogue;
 * - mixed: browse 70 %, charge 10 %, coupon 5 % (an everyday coupon with plenty of units),
 *   order 15 % (a random catalogue product).
 */
export function requestGenerator(name: ScenarioName, world: ScenarioWorld): () => RequestSpec {
  const random = seededRandom(0x5eed + name.length);
  const { users, catalogue } = world.sizes;
  switch (name) {
    case 'coupon-rush': {
      const order = shuffledUsers(users, random);
      let next = 0;
      return () => issueCoupon(world, order[next++ % users]!, world.rushCouponId);
    }
    case 'hot-product-order':
      return () => order(world, pick(random, users), world.hotProductId);
    case 'charge':
      return () => charge(world, pick(random, users));
    case 'product-read':
      return () => readProduct(pick(random, catalogue));
    case 'mixed':
      return () => {
        const roll = random() * 100;
        if (roll < 70) return readProduct(pick(random, catalogue));
        if (roll < 80) return charge(world, pick(random, users));
        if (roll < 85) return issueCoupon(world, pick(random, users), world.mixedCouponId);
        return order(world, pick(random, users), pick(random, catalogue));
      };
    case 'flash-sale':
      return flashGenerator(world, 'flash-one');
    case 'cancel':
    case 'refund':
      throw new Error(`${name} requests need the orders placed for them: lifecycleGenerator`);
  }
}

/**
 * Statuses that are answers, not errors: the success of each kind of request, and the 409s of
 * business refusals (sold out, already issued, out of stock, balance limit). Anything else —
 * a 5xx above all, but also a 4xx that means the benchmark or the service is wrong — is an error.
 */
export function isExpectedStatus(status: number, kind: string): boolean {
  switch (kind) {
    case 'read':
    case 'charge':
      return status === 200 || (kind === 'charge' && status === 409);
    case 'coupon':
    case 'order':
      return status === 201 || status === 409;
    case 'cancel':
      return status === 200;
    case 'refund':
      return status === 201;
    default:
      return false;
  }
}

/** How many requests a scenario sends in a run of these sizes. */
export function scenarioRequests(name: ScenarioName, sizes: BenchSizes): number {
  return name === 'coupon-rush' ? sizes.rushRequests : sizes.requests[name];
}
