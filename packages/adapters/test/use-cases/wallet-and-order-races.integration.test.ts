import { ContendedUnits, NO_PRODUCT_CACHE, PlaceOrder, productStockKey } from '@storefront/application';
import { ErrorCode } from '@storefront/domain';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../harness';
import { countWaits, HeldUntilSomeoneWaits } from '../support/held-transactions';
import { settleAll, storefrontOn, type Storefront } from '../support/storefront';

/*
 * Hundreds of real use-case executions at once on PostgreSQL (a pool of 20), then the
 * invariants of docs/architecture.md checked on the whole database.
 */

const testDb = useFreshDatabase({ poolSize: 20 });
let shop: Storefront;

beforeAll(() => {
  shop = storefrontOn(testDb.current.db);
});

const walletOf = (userId: number) => testDb.current.db.selectFrom('wallets').selectAll().where('user_id', '=', userId).executeTakeFirst();
const historyCount = async (userId: number) =>
  (await testDb.current.db.selectFrom('balance_history').select('id').where('user_id', '=', userId).execute()).length;

describe('concurrent charges', () => {
  it('200 parallel charges on one wallet add up exactly', async () => {
    const { codes } = await settleAll(Array.from({ length: 200 }, (_, i) => shop.chargeBalance.execute({ userId: 501, amount: i + 1 })));
    expect(codes).toEqual({ ok: 200 });
    expect((await walletOf(501))?.balance).toBe((200 * 201) / 2);
    expect(await historyCount(501)).toBe(200);
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('30 charges of 1,000,000 on an empty wallet with a ceiling of 10,000,000: exactly 10 pass', async () => {
    const { codes } = await settleAll(Array.from({ length: 30 }, () => shop.chargeBalance.execute({ userId: 502, amount: 1_000_000 })));
    expect(codes).toEqual({ ok: 10, [ErrorCode.BalanceLimitExceeded]: 20 });
    expect((await walletOf(502))?.balance).toBe(10_000_000);
    expect(await historyCount(502)).toBe(10);
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });
});

describe('concurrent orders', () => {
  it('300 buyers of a product with stock 100: exactly 100 orders, each wallet debited once or not at all', async () => {
    const product = await shop.aProduct({ name: 'Limited sneaker', price: 120_000, stock: 100 });
    const buyers = Array.from({ length: 300 }, (_, i) => 10_000 + i);
    await Promise.all(buyers.map((userId) => shop.chargeBalance.execute({ userId, amount: 120_000 })));

    const { codes, values } = await settleAll(
      buyers.map((userId) => shop.placeOrder.execute({ userId, items: [{ productId: product.id, quantity: 1 }], userCouponId: null })),
    );
    expect(codes).toEqual({ ok: 100, [ErrorCode.OutOfStock]: 200 });
    expect((await shop.getProduct.execute({ productId: product.id })).stock).toBe(0);

    const winners = new Set(values.map((order) => order.userId));
    const { rows } = await sql<{ user_id: number; balance: number; entries: number }>`
      select w.user_id, w.balance, count(h.id)::int as entries
      from wallets w join balance_history h on h.user_id = w.user_id
      where w.user_id between 10000 and 10299 group by w.user_id, w.balance`.execute(testDb.current.db);
    expect(rows).toHaveLength(300);
    for (const row of rows) {
      expect([row.user_id, row.balance, row.entries]).toEqual(winners.has(row.user_id) ? [row.user_id, 0, 2] : [row.user_id, 120_000, 1]);
    }
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('a flash sale through the gate: 400 buyers of 1–3 units for a stock of 150, the latecomers wait in memory, never an oversell', async () => {
    const product = await shop.aProduct({ name: 'Flash lamp', price: 10_000, stock: 150 });
    const buyers = Array.from({ length: 400 }, (_, i) => 40_000 + i);
    const quantityOf = (userId: number) => (userId % 3) + 1;
    await Promise.all(buyers.map((userId) => shop.chargeBalance.execute({ userId, amount: 30_000 })));
    const gate = new ContendedUnits();
    const key = productStockKey(product.id);
    const transactions = new HeldUntilSomeoneWaits(shop.uow, gate, key);
    const waits = countWaits(gate);
    const placeOrder = new PlaceOrder(transactions, shop.clock, NO_PRODUCT_CACHE, gate);

    const { codes, values } = await settleAll(
      buyers.map((userId) => placeOrder.execute({ userId, items: [{ productId: product.id, quantity: quantityOf(userId) }], userCouponId: null })),
    );
    expect(Object.keys(codes).sort()).toEqual([ErrorCode.OutOfStock, 'ok'].sort());
    const sold = values.reduce((sum, order) => sum + (order.items[0]?.quantity ?? 0), 0);
    const stock = (await shop.getProduct.execute({ productId: product.id })).stock;
    expect(stock).toBeGreaterThanOrEqual(0);
    expect(sold + stock).toBe(150);
    expect(stock).toBeLessThan(3); // refused only when too few units were left for them
    expect(waits()).toBeGreaterThan(0);
    expect(gate.stateOf(key)).toMatchObject({ inFlight: 0, waiting: 0 });

    const winners = new Map(values.map((order) => [order.userId, order.paidAmount]));
    const { rows } = await sql<{ user_id: number; balance: number; entries: number }>`
      select w.user_id, w.balance, count(h.id)::int as entries
      from wallets w join balance_history h on h.user_id = w.user_id
      where w.user_id between 40000 and 40399 group by w.user_id, w.balance`.execute(testDb.current.db);
    expect(rows).toHaveLength(400);
    for (const row of rows) {
      const paid = winners.get(row.user_id);
      expect([row.balance, row.entries]).toEqual(paid === undefined ? [30_000, 1] : [30_000 - paid, 2]);
    }
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('200 crossed two-product orders (A+B and B+A) all succeed without a deadlock error', async () => {
    const a = await shop.aProduct({ name: 'A', price: 1_000, stock: 1_000 });
    const b = await shop.aProduct({ name: 'B', price: 2_000, stock: 1_000 });
    const users = Array.from({ length: 200 }, (_, i) => 20_000 + i);
    await Promise.all(users.map((userId) => shop.chargeBalance.execute({ userId, amount: 3_000 })));

    const { codes } = await settleAll(
      users.map((userId, i) =>
        shop.placeOrder.execute({
          userId,
          items:
            i % 2 === 0
              ? [{ productId: a.id, quantity: 1 }, { productId: b.id, quantity: 1 }]
              : [{ productId: b.id, quantity: 1 }, { productId: a.id, quantity: 1 }],
          userCouponId: null,
        }),
      ),
    );
    expect(codes).toEqual({ ok: 200 });
    expect((await shop.getProduct.execute({ productId: a.id })).stock).toBe(800);
    expect((await shop.getProduct.execute({ productId: b.id })).stock).toBe(800);
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });

  it('a mixed crowd charging, taking coupons and paying with them keeps every invariant', async () => {
    const coupon = await shop.aCoupon({ discountType: 'FIXED', discountValue: 500, totalQuantity: 50 });
    const hot = await shop.aProduct({ name: 'Hot', price: 1_500, stock: 60 });
    const cold = await shop.aProduct({ name: 'Cold', price: 700, stock: 1_000 });
    const users = Array.from({ length: 150 }, (_, i) => 30_000 + i);
    await settleAll(
      users.flatMap((userId): Array<Promise<unknown>> => [
        shop.chargeBalance.execute({ userId, amount: 2_000 }),
        shop.issueCoupon.execute({ userId, couponId: coupon.id }),
      ]),
    );
    const owned = await sql<{ id: number; user_id: number }>`select id, user_id from user_coupons where coupon_id = ${coupon.id}`.execute(testDb.current.db);
    const couponOf = new Map(owned.rows.map((r) => [r.user_id, r.id]));
    expect(couponOf.size).toBe(50);
    const { codes } = await settleAll(
      users.flatMap((userId) => [
        shop.placeOrder.execute({
          userId,
          items: [{ productId: cold.id, quantity: 1 }, { productId: hot.id, quantity: 1 }],
          userCouponId: couponOf.get(userId) ?? null,
        }),
        // A double click with the same coupon: at most one of the two may use it.
        shop.placeOrder.execute({ userId, items: [{ productId: hot.id, quantity: 1 }], userCouponId: couponOf.get(userId) ?? null }),
      ]),
    );
    expect(Object.keys(codes).every((code) => ['ok', ErrorCode.OutOfStock, ErrorCode.InsufficientBalance, ErrorCode.CouponNotUsable].includes(code))).toBe(true);
    expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
  });
});
