import { orderView } from '@storefront/application';
import { ErrorCode, Money, Order, Quantity } from '@storefront/domain';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { freshDatabase, useFreshDatabase } from '../../test/harness';
import { storefrontOn } from '../../test/support/storefront';
import { PgProductRepository } from '../repositories/product.repository';
import { KyselyUnitOfWork } from './kysely.unit-of-work';

const testDb = useFreshDatabase();
const now = new Date('2025-03-10T03:00:00.000Z');

const countRows = async (table: 'wallets' | 'balance_history' | 'outbox') =>
  Number((await testDb.current.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

/** Every row an order of `userId` could write, and its wallet's balance. */
async function everythingOf(userId: number) {
  const db = testDb.current.db;
  return {
    wallet: await db.selectFrom('wallets').select('balance').where('user_id', '=', userId).executeTakeFirst(),
    orders: await db.selectFrom('orders').select('id').where('user_id', '=', userId).execute(),
    lines: await db.selectFrom('order_lines').innerJoin('orders', 'orders.id', 'order_lines.order_id').select('order_lines.order_id').where('orders.user_id', '=', userId).execute(),
    history: await db.selectFrom('balance_history').select(['type', 'amount']).where('user_id', '=', userId).execute(),
    outbox: await db.selectFrom('outbox').select('seq').where(sql`payload ->> 'userId'`, '=', String(userId)).execute(),
    coupons: await db.selectFrom('user_coupons').select(['used_at', 'order_id']).where('user_id', '=', userId).execute(),
    shards: await db.selectFrom('product_stock_shards').selectAll().orderBy(['product_id', 'shard_no']).execute(),
  };
}

describe('KyselyUnitOfWork', () => {
  it('commits what the work wrote when it resolves, and answers its result', async () => {
    const uow = new KyselyUnitOfWork(testDb.current.db);
    const balance = await uow.run(async (tx) => {
      const { wallet, transactionId } = await tx.wallets.lockForCharge(301);
      const change = wallet.charge(Money.of(1_000), Money.of(10_000), now);
      await tx.wallets.addCharge(change, Money.of(10_000), transactionId);
      return change.balanceAfter;
    });
    expect(balance).toBe(1_000);
    const stored = await testDb.current.db.selectFrom('wallets').select('balance').where('user_id', '=', 301).executeTakeFirstOrThrow();
    expect(stored.balance).toBe(1_000);
  });

  it('rolls back both the state change and its outbox row when the work fails', async () => {
    const uow = new KyselyUnitOfWork(testDb.current.db);
    const before = { wallets: await countRows('wallets'), history: await countRows('balance_history'), outbox: await countRows('outbox') };
    await expect(
      uow.run(async (tx) => {
        const { wallet, transactionId } = await tx.wallets.lockForCharge(302);
        const change = wallet.charge(Money.of(1_000), Money.of(10_000), now);
        await tx.wallets.addCharge(change, Money.of(10_000), transactionId);
        await tx.outbox.append({
          type: 'order.paid',
          occurredAt: now,
          data: { orderId: 1, userId: 302, status: 'PAID', items: [], totalAmount: 0, discountAmount: 0, paidAmount: 0, refundedAmount: 0, userCouponId: null, refunds: [], createdAt: now, cancelledAt: null },
        });
        throw new Error('the last step failed');
      }),
    ).rejects.toThrow('the last step failed');
    expect({ wallets: await countRows('wallets'), history: await countRows('balance_history'), outbox: await countRows('outbox') }).toEqual(before);
  });

  it('keeps nothing of what was sent with a COMMIT that failed: order, lines, payment, outbox row, coupon mark', async () => {
    const db = testDb.current.db;
    const uow = new KyselyUnitOfWork(db);
    await uow.run(async (tx) => {
      const { wallet, transactionId } = await tx.wallets.lockForCharge(305);
      await tx.wallets.addCharge(wallet.charge(Money.of(50_000), Money.of(1_000_000), now), Money.of(1_000_000), transactionId);
    });
    const row = (await new PgProductRepository(db).add({ name: 'Last one', price: 2_000, stock: 1 })).toPrimitives();
    const product = { id: row.id, name: row.name, price: Money.of(2_000) };
    const coupon = await uow.run((tx) => tx.coupons.add({ name: 'Spring', discountType: 'FIXED', discountValue: 500, totalQuantity: 1, expiresAt: new Date('2025-04-01T00:00:00.000Z') }));
    const copy = await uow.run((tx) => tx.userCoupons.add(coupon.issueTo(305, now)));
    const before = await everythingOf(305);

    // Two units of a product with one left: the take of stock fails the COMMIT that carries every write.
    await expect(
      uow.run(async (tx) => {
        const { wallet, orderId, paymentId } = await tx.wallets.lockForOrder(305, now);
        const userCoupon = await tx.userCoupons.lockById(copy.id);
        const order = Order.place({
          id: orderId,
          userId: 305,
          lines: [{ product, quantity: Quantity.of(2) }],
          coupon: { userCouponId: copy.id, discount: userCoupon!.useFor(305, now) },
          now,
        });
        await tx.orders.add(order);
        await tx.wallets.addPayment(wallet.pay(Money.of(order.paidAmount.won), now), orderId, paymentId);
        await tx.outbox.append({ type: 'order.paid', occurredAt: now, data: orderView(order) });
        await tx.products.takeStockAtCommit(product.id, 2);
      }),
    ).rejects.toMatchObject({ code: ErrorCode.OutOfStock });
    expect(await everythingOf(305)).toEqual(before);
  });

  it('hands each run fresh repositories bound to its own transaction', async () => {
    const uow = new KyselyUnitOfWork(testDb.current.db);
    const scopes: unknown[] = [];
    const backends = await Promise.all(
      [1, 2].map(() =>
        uow.run(async (tx) => {
          scopes.push(tx.wallets);
          // Inside the run, the repositories see the transaction's own uncommitted write.
          await tx.wallets.lockForUser(303, now);
          return true;
        }),
      ),
    );
    expect(backends).toEqual([true, true]);
    expect(scopes[0]).not.toBe(scopes[1]);
  });

  it('never reruns work that failed with a domain error', async () => {
    const uow = new KyselyUnitOfWork(testDb.current.db);
    let runs = 0;
    await expect(
      uow.run(async (tx) => {
        runs++;
        const wallet = await tx.wallets.lockForUser(304, now);
        wallet.pay(Money.of(1), now);
      }),
    ).rejects.toMatchObject({ code: ErrorCode.InsufficientBalance });
    expect(runs).toBe(1);
  });

  it('reruns the whole work after a deadlock, so both crossed transactions succeed', async () => {
    const uow = new KyselyUnitOfWork(testDb.current.db);
    await sql`insert into wallets (user_id, balance, updated_at) values (311, 0, now()), (312, 0, now())`.execute(testDb.current.db);
    let runs = 0;
    let arrived = 0;
    let releaseBoth: () => void = () => {};
    const bothLockedFirst = new Promise<void>((resolve) => (releaseBoth = resolve));
    const crossed = (first: number, second: number) =>
      uow.run(async (tx) => {
        runs++;
        await tx.wallets.lockForUser(first, now);
        // The first attempts meet here, each holding one row: then each asks for the other's.
        if (++arrived === 2) releaseBoth();
        if (arrived <= 2) await bothLockedFirst;
        await tx.wallets.lockForUser(second, now);
        return 'done';
      });
    expect(await Promise.all([crossed(311, 312), crossed(312, 311)])).toEqual(['done', 'done']);
    expect(runs).toBe(3);
  });

  it('gives up after a bounded number of attempts on a conflict that never clears', async () => {
    const uow = new KyselyUnitOfWork(testDb.current.db, { retry: { maxAttempts: 3, baseDelayMs: 1 } });
    let runs = 0;
    await expect(
      uow.run(async () => {
        runs++;
        throw Object.assign(new Error('could not serialize access'), { code: '40001' });
      }),
    ).rejects.toMatchObject({ code: '40001' });
    expect(runs).toBe(3);
  });

  it('runs 500 units of work in parallel on a pool of 5 connections, losing none', async () => {
    const small = await freshDatabase({ poolSize: 5 });
    try {
      const shop = storefrontOn(small.db);
      const runs = Array.from({ length: 500 }, (_, i) => shop.chargeBalance.execute({ userId: 1 + (i % 10), amount: 1 + i }));
      const results = await Promise.all(runs);
      expect(results).toHaveLength(500);
      const total = await small.db.selectFrom('wallets').select(sql<number>`sum(balance)::bigint`.as('sum')).executeTakeFirstOrThrow();
      expect(total.sum).toBe((500 * 501) / 2);
      expect(await shop.invariants()).toEqual({ ok: true, violations: [] });
    } finally {
      await small.close();
    }
  });
});
