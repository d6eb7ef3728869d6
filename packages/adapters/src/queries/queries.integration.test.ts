import type { Page } from '@storefront/application';
import { ManualClock } from '@storefront/application/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../../test/harness';
import { storefrontOn, type Storefront } from '../../test/support/storefront';

const testDb = useFreshDatabase();
let shop: Storefront;
const clock = new ManualClock(new Date('2025-03-10T03:00:00.000Z'));

beforeAll(() => {
  shop = storefrontOn(testDb.current.db, { clock });
});

/** Walks every page of a keyset-paginated query. */
async function allPages<T>(fetch: (after: number | null) => Promise<Page<T>>): Promise<T[][]> {
  const pages: T[][] = [];
  let after: number | null = null;
  do {
    const page: Page<T> = await fetch(after);
    pages.push(page.items);
    after = page.nextAfter;
  } while (after !== null);
  return pages;
}

describe('PgWalletQueries', () => {
  it('answers null for a user who never charged, and the balance otherwise', async () => {
    expect(await shop.queries.wallets.balanceOf(201)).toBeNull();
    await shop.chargeBalance.execute({ userId: 201, amount: 3_000 });
    expect(await shop.queries.wallets.balanceOf(201)).toEqual({ userId: 201, balance: 3_000, updatedAt: clock.now() });
  });

  it('pages the history newest first', async () => {
    for (const amount of [1, 2, 3, 4, 5]) await shop.chargeBalance.execute({ userId: 202, amount });
    const pages = await allPages((after) => shop.queries.wallets.historyOf(202, { limit: 2, after }));
    expect(pages.map((p) => p.map((e) => e.amount))).toEqual([[5, 4], [3, 2], [1]]);
    expect(pages[0]?.[0]).toMatchObject({ type: 'CHARGE', balanceAfter: 15, orderId: null, createdAt: clock.now() });
    expect(pages.flat().map((e) => Number(e.transactionId))).toEqual([...pages.flat().map((e) => Number(e.transactionId))].sort((a, b) => b - a));
    // An exact multiple of the page size ends without an empty page.
    const exact = await shop.queries.wallets.historyOf(202, { limit: 5, after: null });
    expect(exact.items).toHaveLength(5);
    expect(exact.nextAfter).toBeNull();
    expect(await shop.queries.wallets.historyOf(999, { limit: 5, after: null })).toEqual({ items: [], nextAfter: null });
  });
});

describe('PgCatalogQueries', () => {
  it('finds a product by id and pages the catalogue by id', async () => {
    const created = [];
    for (const name of ['A', 'B', 'C']) created.push(await shop.aProduct({ name, price: 1_000, stock: 5 }));
    expect(await shop.queries.catalog.productById(created[1]!.id)).toEqual(created[1]);
    expect(await shop.queries.catalog.productById(999_999)).toBeNull();
    const ids = (await allPages((after) => shop.queries.catalog.products({ limit: 2, after }))).flat().map((p) => p.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids).toEqual(expect.arrayContaining(created.map((p) => p.id)));
  });
});

describe('PgCouponQueries', () => {
  it('reports remainingQuantity as the sum of the shards', async () => {
    const coupon = await shop.aCoupon({ totalQuantity: 50 });
    expect(await shop.queries.coupons.couponById(coupon.id)).toEqual(coupon);
    await shop.issueCoupon.execute({ userId: 211, couponId: coupon.id });
    await shop.issueCoupon.execute({ userId: 212, couponId: coupon.id });
    expect((await shop.queries.coupons.couponById(coupon.id))?.remainingQuantity).toBe(48);
    expect(await shop.queries.coupons.couponById(999_999)).toBeNull();
    const newer = await shop.aCoupon({ name: 'Newer' });
    const listed = await allPages((after) => shop.queries.coupons.coupons({ limit: 1, after }));
    expect(listed.flat().slice(0, 2)).toEqual([newer, { ...coupon, remainingQuantity: 48 }]);
  });

  it('pages a user\'s coupons newest first, each AVAILABLE, USED or EXPIRED as of now', async () => {
    const soon = await shop.aCoupon({ name: 'Soon over', expiresAt: new Date('2025-03-11T00:00:00.000Z') });
    const used = await shop.aCoupon({ name: 'Used', discountType: 'FIXED', discountValue: 500 });
    const fresh = await shop.aCoupon({ name: 'Fresh' });
    const product = await shop.aProduct({ price: 1_000 });
    await shop.chargeBalance.execute({ userId: 221, amount: 10_000 });
    const a = await shop.issueCoupon.execute({ userId: 221, couponId: soon.id });
    const b = await shop.issueCoupon.execute({ userId: 221, couponId: used.id });
    const c = await shop.issueCoupon.execute({ userId: 221, couponId: fresh.id });
    await shop.placeOrder.execute({ userId: 221, items: [{ productId: product.id, quantity: 1 }], userCouponId: b.userCouponId });

    const later = new Date('2025-03-12T00:00:00.000Z');
    const pages = await allPages((after) => shop.queries.coupons.userCouponsOf(221, { limit: 2, after }, later));
    expect(pages.map((p) => p.map((uc) => [uc.userCouponId, uc.status]))).toEqual([
      [
        [c.userCouponId, 'AVAILABLE'],
        [b.userCouponId, 'USED'],
      ],
      [[a.userCouponId, 'EXPIRED']],
    ]);
    expect(pages[0]?.[0]).toEqual({ ...c, status: 'AVAILABLE' });
  });
});

describe('PgOrderQueries', () => {
  it('finds an order with its lines, and pages a user\'s orders newest first with their lines', async () => {
    const tea = await shop.aProduct({ name: 'Tea', price: 3_000 });
    const cake = await shop.aProduct({ name: 'Cake', price: 6_000 });
    await shop.chargeBalance.execute({ userId: 231, amount: 1_000_000 });
    const placed = [];
    for (let i = 1; i <= 5; i++) {
      placed.push(
        await shop.placeOrder.execute({
          userId: 231,
          items: [
            { productId: cake.id, quantity: i },
            { productId: tea.id, quantity: 1 },
          ],
          userCouponId: null,
        }),
      );
    }
    expect(await shop.queries.orders.orderById(placed[2]!.orderId)).toEqual(placed[2]);
    expect(placed[2]?.items.map((l) => l.productId)).toEqual([tea.id, cake.id]);
    expect(await shop.queries.orders.orderById(999_999)).toBeNull();

    const pages = await allPages((after) => shop.queries.orders.ordersOf(231, { limit: 2, after }));
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual([...placed].reverse());
    expect(await shop.queries.orders.ordersOf(999, { limit: 2, after: null })).toEqual({ items: [], nextAfter: null });
  });

  it('reads a page of orders in three queries (orders, lines, refunds), however many orders it holds', async () => {
    const statements: string[] = [];
    const { PgOrderQueries } = await import('./order.queries');
    const logged = testDb.current.db.withPlugin({
      transformQuery: (args) => {
        statements.push(args.node.kind);
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const page = await new PgOrderQueries(logged).ordersOf(231, { limit: 5, after: null });
    expect(page.items).toHaveLength(5);
    expect(statements).toHaveLength(3);
    // With refunds, a fourth for their lines.
    await shop.refundOrder.execute({ orderId: page.items[0]!.orderId, items: [{ productId: page.items[0]!.items[0]!.productId, quantity: 1 }], restock: true, reason: null });
    statements.length = 0;
    const again = await new PgOrderQueries(logged).ordersOf(231, { limit: 5, after: null });
    expect(statements).toHaveLength(4);
    expect(again.items[0]?.refunds).toHaveLength(1);
  });

  it('lists every order newest first for an admin, by status and by user, with refunds and cancellations', async () => {
    const tea = await shop.aProduct({ name: 'Admin tea', price: 1_000 });
    await shop.chargeBalance.execute({ userId: 241, amount: 100_000 });
    await shop.chargeBalance.execute({ userId: 242, amount: 100_000 });
    const place = (userId: number) => shop.placeOrder.execute({ userId, items: [{ productId: tea.id, quantity: 3 }], userCouponId: null });
    const [a, b, c] = [await place(241), await place(242), await place(241)];
    const cancelled = await shop.cancelOrder.execute({ orderId: a.orderId, actor: { userId: 241, isAdmin: false }, reason: 'mistake' });
    const refund = await shop.refundOrder.execute({ orderId: b.orderId, items: [{ productId: tea.id, quantity: 1 }], restock: false, reason: 'broken' });

    expect(await shop.queries.orders.orderById(a.orderId)).toEqual(cancelled);
    expect(await shop.queries.orders.orderById(b.orderId)).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 1_000, refunds: [refund] });
    const of241 = await allPages((after) => shop.queries.orders.orders({ status: null, userId: 241 }, { limit: 1, after }));
    expect(of241.flat().map((o) => o.orderId)).toEqual([c.orderId, a.orderId]);
    const cancelledOnes = await shop.queries.orders.orders({ status: 'CANCELLED', userId: null }, { limit: 10, after: null });
    expect(cancelledOnes.items.map((o) => o.orderId)).toContain(a.orderId);
    expect(cancelledOnes.items.every((o) => o.status === 'CANCELLED')).toBe(true);
    const everyOrder = await allPages((after) => shop.queries.orders.orders({ status: null, userId: null }, { limit: 3, after }));
    const ids = everyOrder.flat().map((o) => o.orderId);
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    expect(ids).toEqual(expect.arrayContaining([a.orderId, b.orderId, c.orderId]));
    expect((await shop.queries.orders.orders({ status: 'REFUNDED', userId: 242 }, { limit: 10, after: null })).items).toEqual([]);
  });
});

describe('PgSalesQueries', () => {
  it('ranks best sellers over the days by quantity, then revenue, then product id', async () => {
    const [p1, p2, p3, p4] = [
      await shop.aProduct({ name: 'P1', price: 100 }),
      await shop.aProduct({ name: 'P2', price: 200 }),
      await shop.aProduct({ name: 'P3', price: 200 }),
      await shop.aProduct({ name: 'P4', price: 50 }),
    ];
    const rows = [
      { day: '2024-06-01', product_id: p1.id, quantity: 5, revenue: 500 },
      { day: '2024-06-02', product_id: p1.id, quantity: 5, revenue: 500 },
      { day: '2024-06-01', product_id: p2.id, quantity: 10, revenue: 2_000 },
      { day: '2024-06-02', product_id: p3.id, quantity: 10, revenue: 2_000 },
      { day: '2024-06-03', product_id: p4.id, quantity: 99, revenue: 4_950 }, // outside the range
    ];
    await testDb.current.db.insertInto('daily_product_sales').values(rows).execute();
    const top = await shop.queries.sales.topProducts('2024-06-01', '2024-06-02', 10);
    expect(top).toEqual([
      { rank: 1, productId: p2.id, name: 'P2', price: 200, soldQuantity: 10, revenue: 2_000 },
      { rank: 2, productId: p3.id, name: 'P3', price: 200, soldQuantity: 10, revenue: 2_000 },
      { rank: 3, productId: p1.id, name: 'P1', price: 100, soldQuantity: 10, revenue: 1_000 },
    ]);
    expect(await shop.queries.sales.topProducts('2024-06-01', '2024-06-02', 2)).toEqual(top.slice(0, 2));
    expect(await shop.queries.sales.topProducts('2024-06-03', '2024-06-03', 5)).toEqual([
      { rank: 1, productId: p4.id, name: 'P4', price: 50, soldQuantity: 99, revenue: 4_950 },
    ]);
  });

  it('answers the last day aggregated after it ended, ignoring partial runs', async () => {
    const { db } = testDb.current;
    expect(await shop.queries.sales.lastCompletedDay()).toBeNull();
    await db
      .insertInto('sales_aggregation_runs')
      .values([
        { day: '2024-06-01', aggregated_at: new Date('2024-06-01T15:00:01Z'), complete: true },
        { day: '2024-06-02', aggregated_at: new Date('2024-06-02T15:00:01Z'), complete: true },
        { day: '2024-06-03', aggregated_at: new Date('2024-06-03T10:00:00Z'), complete: false },
      ])
      .execute();
    expect(await shop.queries.sales.lastCompletedDay()).toBe('2024-06-02');
  });
});
