import { ContendedUnits, NO_PRODUCT_CACHE, PlaceOrder } from '@storefront/application';
import { ErrorCode } from '@storefront/domain';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../harness';
import { staleStockReads } from '../support/stale-stock-reads';
import { storefrontOn, type Storefront } from '../support/storefront';

/*
 * A flash sale on PostgreSQL (a pool of 20): hundreds of orders at once for a few units, the
 * stock taken with each order's COMMIT from the product's shards and refused there when they hold
 * too few units (take_product_stock, migration 0007). Every order reads the stock as it was
 * before the sale (staleStockReads), so none is refused early: each refusal is a failed commit,
 * turned into OUT_OF_STOCK; an order of 3 units near the end takes them from several shards. Then the invariants of
 * docs/architecture.md on the whole database.
 */

const testDb = useFreshDatabase({ poolSize: 20 });
let shop: Storefront;

beforeAll(() => {
  shop = storefrontOn(testDb.current.db);
});

/** PlaceOrder whose early stock check always passes: the stock of `products` as it is now. */
async function placeOrderReadingStockOfNow(...productIds: number[]): Promise<PlaceOrder> {
  const stock = new Map<number, number>();
  for (const productId of productIds) stock.set(productId, (await shop.getProduct.execute({ productId })).stock);
  return new PlaceOrder(staleStockReads(shop.uow, stock), shop.clock, NO_PRODUCT_CACHE, new ContendedUnits());
}

async function fund(users: number[], amount: number): Promise<void> {
  await Promise.all(users.map((userId) => shop.chargeBalance.execute({ userId, amount })));
}

/** Each user's balance and number of history rows. */
async function walletsOf(users: number[]): Promise<Map<number, { balance: number; entries: number }>> {
  const { rows } = await sql<{ user_id: number; balance: number; entries: number }>`
    select w.user_id, w.balance, count(h.id)::int as entries
    from wallets w join balance_history h on h.user_id = w.user_id
    where w.user_id = any(${users}) group by w.user_id, w.balance`.execute(testDb.current.db);
  return new Map(rows.map((row) => [row.user_id, { balance: row.balance, entries: row.entries }]));
}

describe('stock taken at commit', () => {
  it('400 buyers of one unit each for 60 units: exactly 60 paid, every other refused at its commit with its wallet untouched', async () => {
    const product = await shop.aProduct({ name: 'Flash sneaker', price: 50_000, stock: 60 });
    const buyers = Array.from({ length: 400 }, (_, i) => 40_000 + i);
    await fund(buyers, 50_000);
    const placeOrder = await placeOrderReadingStockOfNow(product.id);

    const results = await Promise.allSettled(buyers.map((userId) => placeOrder.execute({ userId, items: [{ productId: product.id, quantity: 1 }], userCouponId: null })));
    const paid = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const refusals = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    expect(paid).toHaveLength(60);
    // The domain's refusal, naming the product and what the commit found: nothing left.
    expect(refusals).toHaveLength(340);
    for (const refusal of refusals) expect(refusal).toMatchObject({ code: ErrorCode.OutOfStock, details: { productId: product.id, available: 0 } });
    expect((await shop.getProduct.execute({ productId: product.id })).stock).toBe(0);

    const winners = new Set(paid.map((order) => order.userId));
    const wallets = await walletsOf(buyers);
    expect(wallets.size).toBe(400);
    for (const [userId, wallet] of wallets) expect(wallet).toEqual(winners.has(userId) ? { balance: 0, entries: 2 } : { balance: 50_000, entries: 1 });
    const { rows } = await sql<{ orders: number }>`select count(*)::int as orders from order_lines where product_id = ${product.id}`.execute(testDb.current.db);
    expect(rows[0]?.orders).toBe(60);
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('300 orders of 1–3 units, a coupon on every third, for 100 units: units sold = orders paid, refusals only for more than is left', async () => {
    const product = await shop.aProduct({ name: 'Flash console', price: 10_000, stock: 100 });
    const other = await shop.aProduct({ name: 'Cable', price: 1_000, stock: 10_000 });
    const coupon = await shop.aCoupon({ totalQuantity: 100, discountType: 'FIXED', discountValue: 2_000 });
    const buyers = Array.from({ length: 300 }, (_, i) => 50_000 + i);
    await fund(buyers, 40_000);
    const withCoupon = buyers.filter((_, i) => i % 3 === 0);
    const userCouponOf = new Map<number, number>();
    for (const userId of withCoupon) userCouponOf.set(userId, (await shop.issueCoupon.execute({ userId, couponId: coupon.id })).userCouponId);
    const quantityOf = (i: number) => (i % 3) + 1;
    const placeOrder = await placeOrderReadingStockOfNow(product.id, other.id);

    const results = await Promise.allSettled(
      buyers.map((userId, i) =>
        placeOrder.execute({
          userId,
          // Every fifth order also buys a cable: two products taken at one commit, in id order.
          items: [{ productId: product.id, quantity: quantityOf(i) }, ...(i % 5 === 0 ? [{ productId: other.id, quantity: 1 }] : [])],
          userCouponId: userCouponOf.get(userId) ?? null,
        }),
      ),
    );
    const left = (await shop.getProduct.execute({ productId: product.id })).stock;
    const paid = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const unitsPaid = paid.reduce((sum, order) => sum + (order.items.find((line) => line.productId === product.id)?.quantity ?? 0), 0);
    expect(left).toBeGreaterThanOrEqual(0);
    expect(unitsPaid).toBe(100 - left);
    // Stock only went down during the sale, so a refused order asked for more than is left now.
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') return;
      expect(result.reason).toMatchObject({ code: ErrorCode.OutOfStock, details: { productId: product.id } });
      expect(quantityOf(i)).toBeGreaterThan(left);
    });
    const cablesPaid = paid.filter((order) => order.items.some((line) => line.productId === other.id)).length;
    expect((await shop.getProduct.execute({ productId: other.id })).stock).toBe(10_000 - cablesPaid);

    // Each wallet debited once by what its order paid, or not at all; a coupon used only by a paid order.
    const paidBy = new Map(paid.map((order) => [order.userId, order]));
    for (const [userId, wallet] of await walletsOf(buyers)) {
      const order = paidBy.get(userId);
      expect(wallet).toEqual(order ? { balance: 40_000 - order.paidAmount, entries: 2 } : { balance: 40_000, entries: 1 });
    }
    const { rows } = await sql<{ user_id: number; order_id: number | null; used: boolean }>`
      select user_id, order_id, used_at is not null as used from user_coupons where coupon_id = ${coupon.id}`.execute(testDb.current.db);
    expect(rows).toHaveLength(withCoupon.length);
    for (const row of rows) {
      const order = paidBy.get(row.user_id);
      expect({ used: row.used, orderId: row.order_id }).toEqual(order ? { used: true, orderId: order.orderId } : { used: false, orderId: null });
    }
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });
});
