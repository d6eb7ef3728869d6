import { CancelOrder, NO_PRODUCT_CACHE, RefundOrder, type UnitOfWork } from '@storefront/application';
import { FaultyUnitOfWork, InjectedFault, ManualClock } from '@storefront/application/testing';
import { ErrorCode } from '@storefront/domain';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../harness';
import { shopperJourney } from '../support/scenario';
import { snapshotOf } from '../support/snapshot';
import { storefrontOn, type Storefront } from '../support/storefront';

/* Every use case of packages/application, end to end on the Kysely adapters and PostgreSQL. */

const testDb = useFreshDatabase();
const clock = new ManualClock(new Date('2025-03-10T03:00:00.000Z')); // 12:00 in Seoul
let shop: Storefront;

beforeAll(() => {
  shop = storefrontOn(testDb.current.db, { clock });
});

describe('a shopper through every use case', () => {
  it('charges, browses, takes a coupon, pays, and shows up in the statistics', async () => {
    // A day of its own: the journey aggregates its day, and no later test may sell on it.
    await shopperJourney(storefrontOn(testDb.current.db, { clock: new ManualClock(new Date('2025-02-01T03:00:00.000Z')) }), 401);
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });
});

describe('ChargeBalance', () => {
  it('stops exactly at the ceiling and changes nothing above it', async () => {
    await shop.chargeBalance.execute({ userId: 411, amount: 9_999_999 });
    expect((await shop.chargeBalance.execute({ userId: 411, amount: 1 })).balance).toBe(10_000_000);
    const before = await snapshotOf(testDb.current.db);
    await expect(shop.chargeBalance.execute({ userId: 411, amount: 1 })).rejects.toMatchObject({ code: ErrorCode.BalanceLimitExceeded });
    expect(await snapshotOf(testDb.current.db)).toEqual(before);
  });

  it('rejects a non-positive amount before touching the database', async () => {
    await expect(shop.chargeBalance.execute({ userId: 412, amount: 0 })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    expect(await shop.queries.wallets.balanceOf(412)).toBeNull();
  });
});

describe('IssueCoupon', () => {
  it('refuses an expired coupon and a sold-out one, issuing nothing', async () => {
    const expiring = await shop.aCoupon({ expiresAt: new Date(clock.now().getTime() + 60_000) });
    const single = await shop.aCoupon({ totalQuantity: 1 });
    await shop.issueCoupon.execute({ userId: 421, couponId: single.id });
    const later = new ManualClock(new Date(clock.now().getTime() + 120_000));
    const laterShop = storefrontOn(testDb.current.db, { clock: later });
    const before = await snapshotOf(testDb.current.db);
    await expect(laterShop.issueCoupon.execute({ userId: 422, couponId: expiring.id })).rejects.toMatchObject({ code: ErrorCode.CouponExpired });
    await expect(shop.issueCoupon.execute({ userId: 422, couponId: single.id })).rejects.toMatchObject({ code: ErrorCode.CouponSoldOut });
    expect(await snapshotOf(testDb.current.db)).toEqual(before);
  });
});

describe('PlaceOrder failing at any step changes nothing', () => {
  let productId: number;
  let otherUsersCoupon: number;
  let usedCoupon: number;
  let expiredCoupon: number;
  const userId = 431;

  beforeAll(async () => {
    productId = (await shop.aProduct({ name: 'Failure probe', price: 10_000, stock: 3 })).id;
    await shop.chargeBalance.execute({ userId, amount: 15_000 });
    const coupon = await shop.aCoupon({ discountType: 'FIXED', discountValue: 1_000 });
    otherUsersCoupon = (await shop.issueCoupon.execute({ userId: 432, couponId: coupon.id })).userCouponId;
    usedCoupon = (await shop.issueCoupon.execute({ userId, couponId: coupon.id })).userCouponId;
    await shop.placeOrder.execute({ userId, items: [{ productId, quantity: 1 }], userCouponId: usedCoupon });
    const shortLived = await shop.aCoupon({ expiresAt: new Date(clock.now().getTime() + 1_000) });
    const early = new ManualClock(clock.now());
    expiredCoupon = (await storefrontOn(testDb.current.db, { clock: early }).issueCoupon.execute({ userId, couponId: shortLived.id })).userCouponId;
  });

  const failures: Array<[string, () => { items: Array<{ productId: number; quantity: number }>; userCouponId: number | null }, string]> = [
    ['an unknown product', () => ({ items: [{ productId, quantity: 1 }, { productId: 999_999, quantity: 1 }], userCouponId: null }), ErrorCode.ProductNotFound],
    ['more than the stock', () => ({ items: [{ productId, quantity: 3 }], userCouponId: null }), ErrorCode.OutOfStock],
    ['another user\'s coupon', () => ({ items: [{ productId, quantity: 1 }], userCouponId: otherUsersCoupon }), ErrorCode.CouponNotUsable],
    ['a used coupon', () => ({ items: [{ productId, quantity: 1 }], userCouponId: usedCoupon }), ErrorCode.CouponNotUsable],
    ['an expired coupon', () => ({ items: [{ productId, quantity: 1 }], userCouponId: expiredCoupon }), ErrorCode.CouponNotUsable],
    ['a coupon that does not exist', () => ({ items: [{ productId, quantity: 1 }], userCouponId: 999_999 }), ErrorCode.CouponNotUsable],
    ['more than the balance', () => ({ items: [{ productId, quantity: 2 }], userCouponId: null }), ErrorCode.InsufficientBalance],
  ];

  it.each(failures)('with %s', async (_what, request, code) => {
    const laterShop = storefrontOn(testDb.current.db, { clock: new ManualClock(new Date(clock.now().getTime() + 5_000)) });
    const before = await snapshotOf(testDb.current.db);
    await expect(laterShop.placeOrder.execute({ userId, ...request() })).rejects.toMatchObject({ code });
    expect(await snapshotOf(testDb.current.db)).toEqual(before);
  });

  it('at the very last step, when the stock is gone by the time it is taken', async () => {
    const scarce = await shop.aProduct({ name: 'Last one', price: 1_000, stock: 1 });
    const before = await snapshotOf(testDb.current.db);
    let placing: Promise<unknown> | undefined;
    // Another transaction holds the product's shards and takes the last unit; the order has
    // read stock 1, passed every check and written its rows, then waits on the shards, and
    // finds none with a unit.
    await testDb.current.db.transaction().execute(async (trx) => {
      await sql`update product_stock_shards set remaining = 0 where product_id = ${scarce.id}`.execute(trx);
      await sql`update products set stock_received = stock_received - 1 where id = ${scarce.id}`.execute(trx);
      placing = shop.placeOrder.execute({ userId, items: [{ productId: scarce.id, quantity: 1 }], userCouponId: null });
      await waitUntilBlocked(testDb.current.db);
    });
    await expect(placing).rejects.toMatchObject({ code: ErrorCode.OutOfStock, details: { productId: scarce.id } });
    const after = await snapshotOf(testDb.current.db);
    // Only the other transaction's change is there: no order, payment, history or outbox row.
    expect({ ...after, products: [], product_stock_shards: [] }).toEqual({ ...before, products: [], product_stock_shards: [] });
  });
});

describe('CancelOrder and RefundOrder failing at any step change nothing', () => {
  /** Runs `attempt` with a fault at each step of its transaction in turn, then once to the end. */
  async function everyStepRollsBack(attempt: (uow: UnitOfWork) => Promise<unknown>): Promise<number> {
    for (let step = 1; step < 100; step += 1) {
      const faulty = new FaultyUnitOfWork(shop.uow, step);
      const before = await snapshotOf(testDb.current.db);
      const outcome = await attempt(faulty).then(
        () => 'completed' as const,
        (error: unknown) => error,
      );
      if (outcome === 'completed') return step - 1;
      expect(outcome).toBeInstanceOf(InjectedFault);
      expect(await snapshotOf(testDb.current.db), `a fault at ${faulty.calls.at(-1)}`).toEqual(before);
    }
    throw new Error('the use case never completed');
  }

  it('a cancellation of an order paid with a coupon: at every one of its statements', async () => {
    const userId = 441;
    const a = await shop.aProduct({ name: 'Cancel probe A', price: 3_000, stock: 5 });
    const b = await shop.aProduct({ name: 'Cancel probe B', price: 7_000, stock: 5 });
    await shop.chargeBalance.execute({ userId, amount: 50_000 });
    const coupon = await shop.issueCoupon.execute({ userId, couponId: (await shop.aCoupon({ discountType: 'FIXED', discountValue: 1_000 })).id });
    const order = await shop.placeOrder.execute({ userId, items: [{ productId: b.id, quantity: 1 }, { productId: a.id, quantity: 2 }], userCouponId: coupon.userCouponId });
    const steps = await everyStepRollsBack((uow) => new CancelOrder(uow, clock, NO_PRODUCT_CACHE).execute({ orderId: order.orderId, actor: { userId, isAdmin: false }, reason: null }));
    // ownerOf, wallet, user coupon, order, credit, history, coupon freed, order saved, outbox, 2 × stock.
    expect(steps).toBe(11);
    expect(await shop.queries.orders.orderById(order.orderId)).toMatchObject({ status: 'CANCELLED' });
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('a refund: at every one of its statements', async () => {
    const userId = 442;
    const a = await shop.aProduct({ name: 'Refund probe', price: 3_333, stock: 9 });
    await shop.chargeBalance.execute({ userId, amount: 50_000 });
    const order = await shop.placeOrder.execute({ userId, items: [{ productId: a.id, quantity: 9 }], userCouponId: null });
    const steps = await everyStepRollsBack((uow) => new RefundOrder(uow, clock, NO_PRODUCT_CACHE).execute({ orderId: order.orderId, items: [{ productId: a.id, quantity: 4 }], restock: true, reason: 'probe' }));
    expect(steps).toBe(10);
    expect(await shop.queries.orders.orderById(order.orderId)).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: Math.floor((29_997 * 4) / 9) });
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });
});

describe('UpdateProduct', () => {
  it('keeps invariant 2 through restocks and reductions', async () => {
    const p = await shop.aProduct({ stock: 10 });
    await shop.chargeBalance.execute({ userId: 441, amount: 1_000_000 });
    await shop.placeOrder.execute({ userId: 441, items: [{ productId: p.id, quantity: 4 }], userCouponId: null });
    await shop.updateProduct.execute({ productId: p.id, changes: { stock: 50 } });
    await shop.updateProduct.execute({ productId: p.id, changes: { stock: 2 } });
    await shop.updateProduct.execute({ productId: p.id, changes: { name: 'Renamed' } });
    expect(await shop.getProduct.execute({ productId: p.id })).toMatchObject({ name: 'Renamed', stock: 2 });
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('edits a price without waiting for the stock that an order in flight holds, and leaves the stock alone', async () => {
    const p = await shop.aProduct({ price: 5_000, stock: 64 });
    const shards = () => sql<{ remaining: number }>`select remaining from product_stock_shards where product_id = ${p.id} order by shard_no`.execute(testDb.current.db);
    const before = (await shards()).rows;
    // Every shard held, as by orders committing on the product: a stock edit would wait for them.
    const edited = await testDb.current.db.transaction().execute(async (trx) => {
      await sql`select 1 from product_stock_shards where product_id = ${p.id} for update`.execute(trx);
      return shop.updateProduct.execute({ productId: p.id, changes: { price: 4_500 } });
    });
    expect(edited).toMatchObject({ price: 4_500, stock: 64 });
    expect((await shards()).rows).toEqual(before);
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });
});

describe('daily statistics', () => {
  it('aggregates business days in Asia/Seoul, catches up missed days and ranks the best sellers', async () => {
    const statsShop = storefrontOn(testDb.current.db, { clock: new ManualClock(new Date('2025-06-01T00:00:00.000Z')) });
    const a = await statsShop.aProduct({ name: 'Stat A', price: 1_000, stock: 1_000 });
    const b = await statsShop.aProduct({ name: 'Stat B', price: 2_000, stock: 1_000 });
    await statsShop.chargeBalance.execute({ userId: 451, amount: 10_000_000 });
    const buyAt = async (instant: string, productId: number, quantity: number) => {
      const at = storefrontOn(testDb.current.db, { clock: new ManualClock(new Date(instant)) });
      await at.placeOrder.execute({ userId: 451, items: [{ productId, quantity }], userCouponId: null });
    };
    await buyAt('2025-06-01T14:59:59.999Z', a.id, 1); // 23:59:59.999 on June 1 in Seoul
    await buyAt('2025-06-01T15:00:00.000Z', a.id, 2); // 00:00 on June 2 in Seoul
    await buyAt('2025-06-02T03:00:00.000Z', b.id, 2);
    await buyAt('2025-06-03T03:00:00.000Z', b.id, 5);

    const onJune4 = storefrontOn(testDb.current.db, { clock: new ManualClock(new Date('2025-06-04T03:00:00.000Z')) });
    expect((await onJune4.aggregateDailySales.execute({ day: '2025-06-02' })).rows).toEqual([
      { day: '2025-06-02', productId: a.id, quantity: 2, revenue: 2_000 },
      { day: '2025-06-02', productId: b.id, quantity: 2, revenue: 4_000 },
    ]);
    // Catch-up fills every complete day up to yesterday that was not aggregated after the last one.
    expect(await onJune4.catchUpDailySales.execute({ maxDays: 3 })).toEqual(['2025-06-03']);
    const top = await onJune4.getTopProducts.execute({ days: 3, limit: 5 });
    expect(top.from).toBe('2025-06-01');
    expect(top.to).toBe('2025-06-03');
    expect(top.items.map((i) => [i.rank, i.productId, i.soldQuantity, i.revenue])).toEqual([
      [1, b.id, 7, 14_000],
      [2, a.id, 2, 2_000],
    ]);
    await expect(onJune4.aggregateDailySales.execute({ day: '2025-02-30' })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    expect(await onJune4.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('counts a day’s net sales: cancellations and refunds on the day they happen, a negative net allowed, re-runs stable', async () => {
    const at = (instant: string) => storefrontOn(testDb.current.db, { clock: new ManualClock(new Date(instant)) });
    const c = await shop.aProduct({ name: 'Net C', price: 3_000, stock: 1_000 });
    const d = await shop.aProduct({ name: 'Net D', price: 500, stock: 1_000 });
    await shop.chargeBalance.execute({ userId: 452, amount: 1_000_000 });
    const buy = (instant: string, items: Array<{ productId: number; quantity: number }>) => at(instant).placeOrder.execute({ userId: 452, items, userCouponId: null });
    // July 1 (Seoul): 10 C. July 2: 4 of those refunded, 1 D bought and cancelled, 2 D bought.
    const early = await buy('2025-07-01T03:00:00.000Z', [{ productId: c.id, quantity: 10 }]);
    const cancelled = await buy('2025-07-02T01:00:00.000Z', [{ productId: d.id, quantity: 1 }]);
    await buy('2025-07-02T02:00:00.000Z', [{ productId: d.id, quantity: 2 }]);
    await at('2025-07-02T03:00:00.000Z').refundOrder.execute({ orderId: early.orderId, items: [{ productId: c.id, quantity: 4 }], restock: false, reason: null });
    await at('2025-07-02T04:00:00.000Z').cancelOrder.execute({ orderId: cancelled.orderId, actor: { userId: 452, isAdmin: false }, reason: null });

    const onJuly3 = at('2025-07-03T03:00:00.000Z');
    const july2 = [
      { day: '2025-07-02', productId: c.id, quantity: -4, revenue: -12_000 },
      { day: '2025-07-02', productId: d.id, quantity: 2, revenue: 1_000 },
    ];
    expect((await onJuly3.aggregateDailySales.execute({ day: '2025-07-02' })).rows).toEqual(july2);
    expect((await onJuly3.aggregateDailySales.execute({ day: '2025-07-02' })).rows).toEqual(july2);
    expect((await onJuly3.aggregateDailySales.execute({ day: '2025-07-01' })).rows).toEqual([{ day: '2025-07-01', productId: c.id, quantity: 10, revenue: 30_000 }]);
    const top = await onJuly3.getTopProducts.execute({ days: 2, limit: 5 });
    expect(top.items.map((i) => [i.productId, i.soldQuantity, i.revenue])).toEqual([
      [c.id, 6, 18_000],
      [d.id, 2, 1_000],
    ]);
    expect(await onJuly3.invariants()).toEqual({ ok: true, violations: [] });
  });
});

/** Resolves once some session of this database waits on a lock. */
async function waitUntilBlocked(db: Storefront['db']): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
    if ((rows[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('No session started waiting on a lock');
}
