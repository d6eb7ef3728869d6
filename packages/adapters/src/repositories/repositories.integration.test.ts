import { Coupon, ErrorCode, Money, Order, Quantity, UserCoupon, Wallet, type Product } from '@storefront/domain';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { TransactionScope } from '@storefront/application';
import { useFreshDatabase } from '../../test/harness';
import { KyselyUnitOfWork } from '../unit-of-work/kysely.unit-of-work';
import { PgCouponQueries } from '../queries/coupon.queries';
import { PgBalanceHistoryRepository } from './balance-history.repository';
import { COUPON_STOCK_SHARDS, PgCouponRepository } from './coupon.repository';
import { PgProductRepository } from './product.repository';
import { PgSalesStatisticsRepository } from './sales-statistics.repository';
import { PgUserCouponRepository } from './user-coupon.repository';
import { PgWalletRepository } from './wallet.repository';

const testDb = useFreshDatabase();
const db = () => testDb.current.db;
const now = new Date('2025-03-10T03:00:00.000Z');
const inAWeek = new Date('2025-03-17T03:00:00.000Z');

async function newCoupon(totalQuantity: number) {
  return new PgCouponRepository(db()).add({ name: 'Spring', discountType: 'FIXED', discountValue: 1_000, totalQuantity, expiresAt: inAWeek });
}

/** Until a statement of this database waits for a lock (another transaction's row lock). */
async function untilSomeoneWaitsForALock(): Promise<void> {
  for (;;) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db());
    if ((rows[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The units of each stock shard of a product, in shard order. */
async function shardsOf(productId: number): Promise<number[]> {
  const rows = await db().selectFrom('product_stock_shards').select('remaining').where('product_id', '=', productId).orderBy('shard_no').execute();
  return rows.map((row) => row.remaining);
}

const sum = (units: readonly number[]): number => units.reduce((total, n) => total + n, 0);

/**
 * A charge as ChargeBalance makes it: lockForCharge and addCharge in one transaction, whose COMMIT
 * carries the write. `domainCeiling` is the ceiling the domain checked against, to bypass it.
 */
async function charge(userId: number, won: number, ceiling: Money, at = now, domainCeiling = ceiling): Promise<string> {
  return db()
    .transaction()
    .execute(async (trx) => {
      const wallets = new PgWalletRepository(trx);
      const { wallet, transactionId } = await wallets.lockForCharge(userId);
      await wallets.addCharge(wallet.charge(Money.of(won), domainCeiling, at), ceiling, transactionId);
      return transactionId;
    });
}

/** `work` in a unit of work on the test database, whose COMMIT carries what the repositories deferred. */
const inTransaction = <T>(work: (scope: TransactionScope) => Promise<T>): Promise<T> => new KyselyUnitOfWork(db()).run(work);

/** A payment as PlaceOrder makes it, for an order of `won` placed elsewhere: lockForOrder and addPayment in one transaction. */
async function pay(userId: number, won: number, at = now): Promise<{ orderId: number; paymentId: string }> {
  return db()
    .transaction()
    .execute(async (trx) => {
      const wallets = new PgWalletRepository(trx);
      const { wallet, orderId, paymentId } = await wallets.lockForOrder(userId, at);
      // The PAYMENT row refers to its order: a bare order row stands in for it.
      await trx.insertInto('orders').values({ id: orderId, user_id: userId, status: 'PAID', total_amount: won, discount_amount: 0, paid_amount: won, refunded_amount: 0, user_coupon_id: null, created_at: at }).execute();
      await wallets.addPayment(wallet.pay(Money.of(won), at), orderId, paymentId);
      return { orderId, paymentId };
    });
}

const historyRow = async (id: string) =>
  db().selectFrom('balance_history').select(['user_id', 'type', 'amount', 'balance_after', 'created_at']).where('id', '=', Number(id)).executeTakeFirst();

/** PostgreSQL's refusal of a history row without a balance: the charge's (or payment's) update did not happen. */
const CHARGE_NOT_BOOKED = /null value in column "balance_after"/;

describe('PgWalletRepository', () => {
  it('creates a missing wallet at 0, and books a charge under the id reserved by the lock', async () => {
    const wallets = new PgWalletRepository(db());
    const created = await wallets.lockForUser(101, now);
    expect(created.toPrimitives()).toEqual({ userId: 101, balance: 0, updatedAt: now });

    const chargedAt = new Date('2025-03-10T04:00:00.000Z');
    const id = await charge(101, 5_000, Money.of(10_000_000), chargedAt);
    expect(await historyRow(id)).toEqual({ user_id: 101, type: 'CHARGE', amount: 5_000, balance_after: 5_000, created_at: chargedAt });
    const again = await wallets.lockForUser(101, new Date('2025-03-11T00:00:00.000Z'));
    expect(again.toPrimitives()).toEqual({ userId: 101, balance: 5_000, updatedAt: chargedAt });
  });

  it('refuses, in SQL at the commit, a charge that takes the stored balance above the ceiling even if the domain was bypassed', async () => {
    const ceiling = Money.of(10_000);
    await charge(104, 6_000, ceiling);
    // A charge the domain allowed under a laxer ceiling: only the condition on the column stands in the way.
    await expect(charge(104, 5_000, ceiling, now, Money.of(1_000_000))).rejects.toThrow(CHARGE_NOT_BOOKED);
    expect((await new PgWalletRepository(db()).lockForUser(104, now)).balance.won).toBe(6_000);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from balance_history where user_id = 104`.execute(db());
    expect(rows[0]?.n).toBe(1);
  });

  it('refuses at the commit a charge of a balance the wallet no longer holds, and keeps nothing of its transaction', async () => {
    const ceiling = Money.of(10_000_000);
    await charge(106, 1_000, ceiling);
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          const wallets = new PgWalletRepository(trx);
          const { wallet, transactionId } = await wallets.lockForCharge(106);
          // A bug that writes the locked row behind the domain's back.
          await trx.updateTable('wallets').set({ balance: 0 }).where('user_id', '=', 106).execute();
          await wallets.addCharge(wallet.charge(Money.of(500), ceiling, now), ceiling, transactionId);
        }),
    ).rejects.toThrow(CHARGE_NOT_BOOKED);
    expect((await new PgWalletRepository(db()).lockForUser(106, now)).balance.won).toBe(1_000);
  });

  it('credits a refund above the ceiling, and a payment from such a balance may still be saved', async () => {
    const ceiling = Money.of(10_000);
    const wallets = new PgWalletRepository(db());
    await charge(105, 10_000, ceiling);
    const wallet = await wallets.lockForUser(105, now);
    wallet.refund(Money.of(2_500), now);
    await wallets.saveRefunded(wallet);
    expect((await wallets.lockForUser(105, now)).balance.won).toBe(12_500);
    await pay(105, 1_000);
    expect((await wallets.lockForUser(105, now)).balance.won).toBe(11_500);
    // Still no charge past it, nor a "refund" that lowers the balance.
    await expect(charge(105, 1, ceiling, now, Money.of(1_000_000))).rejects.toThrow(CHARGE_NOT_BOOKED);
    const stale = await wallets.lockForUser(105, now);
    stale.pay(Money.of(1), now);
    await expect(wallets.saveRefunded(stale)).rejects.toThrow(/not credited/);
  });

  it('books a payment under the ids reserved by the lock, for its order', async () => {
    await charge(107, 10_000, Money.of(10_000_000));
    const first = await pay(107, 2_500);
    const second = await pay(107, 500);
    expect(second.orderId).toBe(first.orderId + 1);
    expect(await historyRow(second.paymentId)).toEqual({ user_id: 107, type: 'PAYMENT', amount: 500, balance_after: 7_000, created_at: now });
    const { rows } = await sql<{ order_id: number }>`select order_id from balance_history where id = ${Number(first.paymentId)}`.execute(db());
    expect(rows[0]?.order_id).toBe(first.orderId);
    expect((await new PgWalletRepository(db()).lockForUser(107, now)).balance.won).toBe(7_000);
  });

  it('refuses at the commit a payment from a balance the wallet no longer holds, and keeps nothing of its transaction', async () => {
    await charge(108, 1_000, Money.of(10_000_000));
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          const wallets = new PgWalletRepository(trx);
          const { wallet, orderId, paymentId } = await wallets.lockForOrder(108, now);
          await trx.insertInto('orders').values({ id: orderId, user_id: 108, status: 'PAID', total_amount: 600, discount_amount: 0, paid_amount: 600, refunded_amount: 0, user_coupon_id: null, created_at: now }).execute();
          // A bug that writes the locked row behind the domain's back.
          await trx.updateTable('wallets').set({ balance: 900 }).where('user_id', '=', 108).execute();
          await wallets.addPayment(wallet.pay(Money.of(600), now), orderId, paymentId);
        }),
    ).rejects.toThrow(CHARGE_NOT_BOOKED);
    expect((await new PgWalletRepository(db()).lockForUser(108, now)).balance.won).toBe(1_000);
    expect(await db().selectFrom('orders').select('id').where('user_id', '=', 108).execute()).toEqual([]);
  });

  it('holds the row lock until commit: a second locker waits', async () => {
    const events: string[] = [];
    let second: Promise<void> | undefined;
    await db()
      .transaction()
      .execute(async (trx) => {
        await new PgWalletRepository(trx).lockForUser(102, now);
        second = db()
          .transaction()
          .execute(async (trx2) => {
            await new PgWalletRepository(trx2).lockForUser(102, now);
            events.push('second locked');
          });
        await new Promise((resolve) => setTimeout(resolve, 100));
        events.push('first commits');
      });
    await second;
    expect(events).toEqual(['first commits', 'second locked']);
  });

  it('refuses to write a wallet that was never locked into existence', async () => {
    const wallets = new PgWalletRepository(db());
    const ceiling = Money.of(10_000_000);
    // Outside a transaction there is no COMMIT to carry it; in one, the update finds no row.
    await expect(wallets.addCharge(Wallet.openFor(103, now).charge(Money.of(1), ceiling, now), ceiling, '1')).rejects.toThrow(/need a transaction/);
    await expect(
      db()
        .transaction()
        .execute((trx) => new PgWalletRepository(trx).addCharge(Wallet.openFor(103, now).charge(Money.of(1), ceiling, now), ceiling, '1')),
    ).rejects.toThrow(CHARGE_NOT_BOOKED);
  });
});

describe('PgBalanceHistoryRepository', () => {
  it('appends a change and answers its transaction id as a string', async () => {
    await new PgWalletRepository(db()).lockForUser(111, now);
    const id = await new PgBalanceHistoryRepository(db()).append(
      { userId: 111, type: 'CHARGE', amount: 700, balanceAfter: 700, occurredAt: now },
      null,
    );
    expect(id).toMatch(/^\d+$/);
    const row = await db().selectFrom('balance_history').selectAll().where('id', '=', Number(id)).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ user_id: 111, type: 'CHARGE', amount: 700, balance_after: 700, order_id: null, created_at: now });
  });
});

describe('PgProductRepository', () => {
  it('adds, finds and locks products; an unknown id is null', async () => {
    const products = new PgProductRepository(db());
    const a = await products.add({ name: 'Latte', price: 5_000, stock: 10 });
    const b = await products.add({ name: 'Mocha', price: 5_500, stock: 0 });
    expect(a.toPrimitives()).toEqual({ id: a.id, name: 'Latte', price: 5_000, stock: 10 });
    expect((await products.findByIds([b.id, a.id, 999_999])).map((p) => p.id)).toEqual([a.id, b.id]);
    expect(await products.findByIds([])).toEqual([]);
    expect((await products.lockById(a.id))?.toPrimitives()).toEqual(a.toPrimitives());
    expect(await products.lockById(999_999)).toBeNull();
  });

  it('takes stock as the transaction commits; an oversell fails that commit with OUT_OF_STOCK and keeps nothing', async () => {
    const products = new PgProductRepository(db());
    const transactions = new KyselyUnitOfWork(db());
    const scone = await products.add({ name: 'Scone', price: 3_000, stock: 5 });
    const tart = await products.add({ name: 'Tart', price: 4_000, stock: 2 });
    const stockOf = async (id: number) => (await products.findByIds([id]))[0]?.stock;

    await transactions.run(async (tx) => {
      await tx.products.takeStockAtCommit(scone.id, 3);
      // Not before the commit: the row is not even locked yet.
      expect((await tx.products.findByIds([scone.id]))[0]?.stock).toBe(5);
    });
    expect(await stockOf(scone.id)).toBe(2);

    // Tart is taken after Scone (ascending ids, whatever the calls' order), then Scone falls short.
    const refused = transactions.run(async (tx) => {
      await tx.products.add({ name: 'Written before the refusal', price: 1, stock: 1 });
      await tx.products.takeStockAtCommit(tart.id, 2);
      await tx.products.takeStockAtCommit(scone.id, 3);
    });
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.OutOfStock, details: { productId: scone.id, available: 2 } });
    expect([await stockOf(scone.id), await stockOf(tart.id)]).toEqual([2, 2]);
    expect(await db().selectFrom('products').select('id').where('name', '=', 'Written before the refusal').execute()).toEqual([]);

    // A run that rolls back for another reason leaves nothing to the next one on its connection.
    await expect(
      transactions.run(async (tx) => {
        await tx.products.takeStockAtCommit(tart.id, 1);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await transactions.run(async () => {});
    expect(await stockOf(tart.id)).toBe(2);

    await expect(products.takeStockAtCommit(tart.id, 1)).rejects.toThrow(/need a transaction/);
  });

  it('takes more units than any one shard holds from several of them', async () => {
    const products = new PgProductRepository(db());
    const dumpling = await products.add({ name: 'Dumpling', price: 1_000, stock: 20 });
    expect(await shardsOf(dumpling.id)).toEqual([...Array<number>(20).fill(1), ...Array<number>(12).fill(0)]);
    await new KyselyUnitOfWork(db()).run((tx) => tx.products.takeStockAtCommit(dumpling.id, 5));
    expect((await products.findByIds([dumpling.id]))[0]?.stock).toBe(15);
  });

  it('waits for units another transaction holds, and takes them once it rolls back: held is not sold', async () => {
    const products = new PgProductRepository(db());
    const last = await products.add({ name: 'Last dumpling', price: 1_000, stock: 1 });
    let second: Promise<void> | undefined;
    await db()
      .transaction()
      .execute(async (trx) => {
        await sql`select take_product_stock(${last.id}, 1)`.execute(trx);
        // The committed sum is still 1, so the second take waits on the held shard instead of refusing.
        second = new KyselyUnitOfWork(db()).run((tx) => tx.products.takeStockAtCommit(last.id, 1));
        await untilSomeoneWaitsForALock();
        throw new Error('roll back the first take');
      })
      .catch(() => {});
    await second;
    expect((await products.findByIds([last.id]))[0]?.stock).toBe(0);
  });

  it('puts units back at commit, to a free shard or waiting for a held one; an unknown product fails the commit', async () => {
    const products = new PgProductRepository(db());
    const bun = await products.add({ name: 'Bun', price: 1_000, stock: 0 });
    const putBack = (productId: number, quantity: number) => inTransaction((tx) => tx.products.putBackStockAtCommit(productId, quantity));
    const unlockedShards = async () => (await sql`select 1 from product_stock_shards where product_id = ${bun.id} for update skip locked`.execute(db())).rows.length;

    // Nothing moves, and nothing is locked, before the commit.
    await inTransaction(async (tx) => {
      await tx.products.putBackStockAtCommit(bun.id, 4);
      expect({ units: sum(await shardsOf(bun.id)), unlocked: await unlockedShards() }).toEqual({ units: 0, unlocked: 32 });
      throw new Error('roll back');
    }).catch(() => {});
    expect(sum(await shardsOf(bun.id))).toBe(0);

    let waiting: Promise<void> | undefined;
    await db()
      .transaction()
      .execute(async (trx) => {
        await sql`select 1 from product_stock_shards where product_id = ${bun.id} for update`.execute(trx);
        waiting = putBack(bun.id, 2);
        await untilSomeoneWaitsForALock();
      });
    await waiting;
    await putBack(bun.id, 1);
    expect(sum(await shardsOf(bun.id))).toBe(3);
    await expect(putBack(999_999, 1)).rejects.toThrow(/has no stock to put 1 units back to/);
    // Since 0008 it raises instead of answering false, and still answers true to the previous release.
    expect((await sql<{ restocked: boolean }>`select put_back_product_stock(${bun.id}, 1) as restocked`.execute(db())).rows).toEqual([{ restocked: true }]);
  });

  it('answers a price edit with the stock as it is once the edit got the row, not as read before it waited', async () => {
    const products = new PgProductRepository(db());
    const p = await products.add({ name: 'Scone', price: 3_000, stock: 64 });
    let priceEdit: Promise<Product> | undefined;
    await db()
      .transaction()
      .execute(async (trx) => {
        // A stock edit in flight holds the row; half the units are gone when it commits.
        const stockEdit = new PgProductRepository(trx);
        const locked = await stockEdit.lockById(p.id);
        locked!.revise({ stock: 32 });
        await stockEdit.save(locked!);
        priceEdit = inTransaction(async (tx) => {
          const product = await tx.products.lockDetailsById(p.id);
          product!.revise({ price: 2_500 });
          return tx.products.saveDetails(product!);
        });
        await untilSomeoneWaitsForALock();
      });
    expect((await priceEdit)?.toPrimitives()).toEqual({ id: p.id, name: 'Scone', price: 2_500, stock: 32 });
  });

  it('refuses a transaction that would both take stock and put it back: the two are not in one lock order', async () => {
    const products = new PgProductRepository(db());
    const [a, b] = [await products.add({ name: 'Tea', price: 1_000, stock: 5 }), await products.add({ name: 'Cup', price: 1_000, stock: 5 })];
    await expect(
      inTransaction(async (tx) => {
        await tx.products.takeStockAtCommit(b.id, 1);
        await tx.products.putBackStockAtCommit(a.id, 1);
      }),
    ).rejects.toThrow(/either takes stock or puts it back/);
    expect((await products.findByIds([a.id, b.id])).map((p) => p.stock)).toEqual([5, 5]);
  });

  it('saves an admin edit and counts a stock change in stock_received', async () => {
    const products = new PgProductRepository(db());
    const p = await products.add({ name: 'Bagel', price: 2_000, stock: 10 });
    await new KyselyUnitOfWork(db()).run((tx) => tx.products.takeStockAtCommit(p.id, 4));
    const locked = await products.lockById(p.id);
    locked!.revise({ name: 'Plain bagel', price: 2_200, stock: 20 });
    await products.save(locked!);
    const row = await db().selectFrom('products').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow();
    // received 10, sold 4, restocked from 6 to 20: received 24 - sold 4 = 20, spread again over the 32 shards.
    expect(row).toMatchObject({ name: 'Plain bagel', price: 2_200, stock_received: 24 });
    expect(await shardsOf(p.id)).toEqual([...Array<number>(20).fill(1), ...Array<number>(12).fill(0)]);

    // An edit that keeps the stock leaves the shards as the orders left them.
    await new KyselyUnitOfWork(db()).run((tx) => tx.products.takeStockAtCommit(p.id, 3));
    const taken = await shardsOf(p.id);
    const relocked = await products.lockById(p.id);
    relocked!.revise({ price: 2_500 });
    await products.save(relocked!);
    expect(await shardsOf(p.id)).toEqual(taken);
    expect(await db().selectFrom('products').select(['price', 'stock_received']).where('id', '=', p.id).executeTakeFirstOrThrow()).toEqual({ price: 2_500, stock_received: 24 });
  });

  it('reads an int8 beyond Number.MAX_SAFE_INTEGER as an error, never a rounded number', async () => {
    const p = await new PgProductRepository(db()).add({ name: 'Gold', price: 1, stock: 0 });
    await sql`update products set price = 9007199254740993 where id = ${p.id}`.execute(db());
    await expect(new PgProductRepository(db()).findByIds([p.id])).rejects.toThrow(/MAX_SAFE_INTEGER/);
    await sql`update products set price = 1 where id = ${p.id}`.execute(db());
  });
});

describe('PgCouponRepository', () => {
  it('splits the total over min(total, 32) shards whose sum is the total', async () => {
    for (const total of [1, 7, 32, 100, 1_000_000]) {
      const coupon = await newCoupon(total);
      const shards = await db().selectFrom('coupon_stock_shards').select(['shard_no', 'remaining']).where('coupon_id', '=', coupon.id).execute();
      expect(shards).toHaveLength(Math.min(total, COUPON_STOCK_SHARDS));
      expect(shards.reduce((sum, s) => sum + s.remaining, 0)).toBe(total);
      expect(Math.max(...shards.map((s) => s.remaining)) - Math.min(...shards.map((s) => s.remaining))).toBeLessThanOrEqual(1);
      expect(await new PgCouponRepository(db()).remainingQuantity(coupon.id)).toBe(total);
    }
  });

  it('stores a coupon with its terms; an unknown one has nothing left', async () => {
    const coupons = new PgCouponRepository(db());
    const coupon = await newCoupon(3);
    expect(await new PgCouponQueries(db()).couponById(coupon.id)).toEqual({
      id: coupon.id,
      name: 'Spring',
      discountType: 'FIXED',
      discountValue: 1_000,
      totalQuantity: 3,
      remainingQuantity: 3,
      expiresAt: inAWeek,
    });
    expect(await coupons.remainingQuantity(999_999)).toBe(0);
  });

  it('claims units until none is left, then answers false', async () => {
    const coupons = new PgCouponRepository(db());
    const coupon = await newCoupon(40);
    for (let i = 0; i < 40; i++) expect(await coupons.claimUnit(coupon.id)).toBe(true);
    expect(await coupons.claimUnit(coupon.id)).toBe(false);
    expect(await coupons.remainingQuantity(coupon.id)).toBe(0);
  });

  it('claims the last unit held elsewhere only once its holder rolls back', async () => {
    const coupon = await newCoupon(1);
    let secondClaim: Promise<boolean> | undefined;
    await db()
      .transaction()
      .execute(async (trx) => {
        expect(await new PgCouponRepository(trx).claimUnit(coupon.id)).toBe(true);
        // Another transaction finds the only shard held: committed sum is 1, so it waits.
        secondClaim = db().transaction().execute((trx2) => new PgCouponRepository(trx2).claimUnit(coupon.id));
        await new Promise((resolve) => setTimeout(resolve, 100));
        throw new Error('roll back the first claim');
      })
      .catch(() => {});
    expect(await secondClaim).toBe(true);
    expect(await new PgCouponRepository(db()).remainingQuantity(coupon.id)).toBe(0);
  });

  it('issues a unit with the user’s copy in one statement; a second copy is COUPON_ALREADY_ISSUED and takes no unit', async () => {
    const coupon = await newCoupon(2);
    const saved = await db().transaction().execute((trx) => new PgCouponRepository(trx).issueUnit(coupon.issueTo(131, now)));
    expect(saved?.id).toBeGreaterThan(0);
    expect(await new PgCouponQueries(db()).holdersOf(coupon.id)).toEqual([131]);
    await expect(db().transaction().execute((trx) => new PgCouponRepository(trx).issueUnit(coupon.issueTo(131, now)))).rejects.toMatchObject({
      code: ErrorCode.CouponAlreadyIssued,
    });
    expect(await new PgCouponRepository(db()).remainingQuantity(coupon.id)).toBe(1);
  });

  it('issues through the waiting claim when every shard with units is held, and answers null once none is left', async () => {
    const coupon = await newCoupon(1);
    let second: Promise<UserCoupon | null> | undefined;
    await db()
      .transaction()
      .execute(async (trx) => {
        expect(await new PgCouponRepository(trx).issueUnit(coupon.issueTo(141, now))).not.toBeNull();
        // The only shard is held: the second copy is written, finds no free shard and waits.
        second = db().transaction().execute((trx2) => new PgCouponRepository(trx2).issueUnit(coupon.issueTo(142, now)));
        await untilSomeoneWaitsForALock();
        throw new Error('roll back the first issue');
      })
      .catch(() => {});
    expect(await second).not.toBeNull();
    expect(await new PgCouponQueries(db()).holdersOf(coupon.id)).toEqual([142]);
    expect(await db().transaction().execute((trx) => new PgCouponRepository(trx).issueUnit(coupon.issueTo(143, now)))).toBeNull();
  });

  it('answers false to a waiting claim when the holder of the last unit commits', async () => {
    const coupon = await newCoupon(1);
    let secondClaim: Promise<boolean> | undefined;
    await db()
      .transaction()
      .execute(async (trx) => {
        expect(await new PgCouponRepository(trx).claimUnit(coupon.id)).toBe(true);
        secondClaim = db().transaction().execute((trx2) => new PgCouponRepository(trx2).claimUnit(coupon.id));
        await new Promise((resolve) => setTimeout(resolve, 100));
      });
    expect(await secondClaim).toBe(false);
  });
});

describe('PgUserCouponRepository', () => {
  it('adds, holds, locks and marks used; a second copy for the same user is COUPON_ALREADY_ISSUED', async () => {
    const coupon = await newCoupon(10);
    const userCoupons = new PgUserCouponRepository(db());
    const issued = coupon.issueTo(121, now);
    const saved = await userCoupons.add(issued);
    expect(saved.id).toBeGreaterThan(0);
    const queries = new PgCouponQueries(db());
    expect(await queries.couponSeenBy(coupon.id, 121)).toMatchObject({ heldByUser: true, remainingQuantity: 10 });
    expect(await queries.couponSeenBy(coupon.id, 122)).toMatchObject({ heldByUser: false });
    expect(await queries.couponSeenBy(999_999, 121)).toBeNull();
    expect(await queries.holdersOf(coupon.id)).toEqual([121]);
    await expect(db().transaction().execute((trx) => new PgUserCouponRepository(trx).add(coupon.issueTo(121, now)))).rejects.toMatchObject({
      code: ErrorCode.CouponAlreadyIssued,
    });

    const locked = await userCoupons.lockById(saved.id);
    expect(locked?.toPrimitives()).toEqual(saved.toPrimitives());
    expect(await userCoupons.lockById(999_999)).toBeNull();
  });

  it('marks a user coupon used by the order that spends it, and refuses an order of a copy already spent', async () => {
    const coupon = await newCoupon(10);
    const product = await new PgProductRepository(db()).add({ name: 'Cookie', price: 1_500, stock: 10 });
    const userCoupon = await new PgUserCouponRepository(db()).add(coupon.issueTo(123, now));
    const discount = userCoupon.useFor(123, now);
    const orderPlacedBy123 = (orderId: number) => ({
      id: orderId,
      userId: 123,
      lines: [{ product: { id: product.id, name: product.name, price: product.price }, quantity: Quantity.of(1) }],
      now,
    });
    const orderSpending = (orderId: number) => Order.place({ ...orderPlacedBy123(orderId), coupon: { userCouponId: userCoupon.id, discount } });
    const orderId = await inTransaction(async (scope) => {
      const { orderId } = await scope.wallets.lockForOrder(123, now);
      await scope.orders.add(orderSpending(orderId));
      return orderId;
    });
    const row = await db().selectFrom('user_coupons').selectAll().where('id', '=', userCoupon.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ used_at: now, order_id: orderId });

    // A second order of the same copy (a bug: the use case holds the copy's lock and asks the domain) writes no order row, so its lines fail the commit.
    await expect(
      inTransaction(async (scope) => {
        const { orderId } = await scope.wallets.lockForOrder(123, now);
        await scope.orders.add(orderSpending(orderId));
      }),
    ).rejects.toThrow(/order_lines_order_id_fkey/);
    expect(await db().selectFrom('orders').select('id').where('user_id', '=', 123).execute()).toEqual([{ id: orderId }]);

    // Nor may another user's order spend a copy (the domain's useFor refuses it first).
    const othersCopy = await new PgUserCouponRepository(db()).add(coupon.issueTo(124, now));
    await expect(
      inTransaction(async (scope) => {
        const { orderId } = await scope.wallets.lockForOrder(123, now);
        await scope.orders.add(Order.place({ ...orderPlacedBy123(orderId), coupon: { userCouponId: othersCopy.id, discount } }));
      }),
    ).rejects.toThrow(/order_lines_order_id_fkey/);
    expect((await db().selectFrom('user_coupons').select('used_at').where('id', '=', othersCopy.id).executeTakeFirstOrThrow()).used_at).toBeNull();
  });
});

describe('PgOrderRepository and PgOutboxRepository', () => {
  it('stores the order with its lines at the commit, names read back as written', async () => {
    const products = new PgProductRepository(db());
    // Quotes and a backslash: the lines travel as SQL text in the COMMIT's message.
    const a = await products.add({ name: "O'Brien's \\ tea; --", price: 3_000, stock: 10 });
    const b = await products.add({ name: 'Cake', price: 6_000, stock: 10 });
    const id = await inTransaction(async (scope) => {
      const { orderId } = await scope.wallets.lockForOrder(131, now);
      const order = Order.place({
        id: orderId,
        userId: 131,
        lines: [
          { product: { id: a.id, name: a.name, price: a.price }, quantity: Quantity.of(2) },
          { product: { id: b.id, name: b.name, price: b.price }, quantity: Quantity.of(1) },
        ],
        coupon: null,
        now,
      });
      await scope.orders.add(order);
      // Deferred: nothing of it is written before the commit.
      expect(await scope.orders.ownerOf(orderId)).toBeNull();
      return orderId;
    });
    const stored = await db().selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ user_id: 131, status: 'PAID', total_amount: 12_000, discount_amount: 0, paid_amount: 12_000, user_coupon_id: null, created_at: now });
    const lines = await db().selectFrom('order_lines').selectAll().where('order_id', '=', id).orderBy('product_id').execute();
    expect(lines.map((l) => [l.product_id, l.name, l.quantity, l.amount, l.paid_amount])).toEqual([
      [a.id, "O'Brien's \\ tea; --", 2, 6_000, 6_000],
      [b.id, 'Cake', 1, 6_000, 6_000],
    ]);
  });

  it('appends a PENDING order.paid event whose payload is the order view with ISO dates', async () => {
    const view = {
      orderId: 4242,
      userId: 7,
      status: 'PAID' as const,
      items: [{ productId: 1, name: 'Tea', unitPrice: 3_000, quantity: 1, amount: 3_000, paidAmount: 3_000, refundedQuantity: 0 }],
      totalAmount: 3_000,
      discountAmount: 0,
      paidAmount: 3_000,
      refundedAmount: 0,
      userCouponId: null,
      refunds: [],
      createdAt: now,
      cancelledAt: null,
    };
    await inTransaction((scope) => scope.outbox.append({ type: 'order.paid', occurredAt: now, data: view }));
    const row = await db().selectFrom('outbox').selectAll().where(sql`payload ->> 'orderId'`, '=', '4242').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ type: 'order.paid', status: 'PENDING', attempts: 0, occurred_at: now, claim_token: null, delivered_at: null });
    expect(row.event_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.payload).toEqual({ ...view, createdAt: now.toISOString() });
  });
});

describe('PgSalesStatisticsRepository', () => {
  it('replaces a day with the sums of the order lines created in [from, to), and records the run', async () => {
    const p = await new PgProductRepository(db()).add({ name: 'Stats item', price: 1_000, stock: 100 });
    const place = (createdAt: string, quantity: number) =>
      inTransaction(async (scope) => {
        const { orderId } = await scope.wallets.lockForOrder(141, now);
        const order = Order.place({
          id: orderId,
          userId: 141,
          lines: [{ product: { id: p.id, name: p.name, price: p.price }, quantity: Quantity.of(quantity) }],
          coupon: null,
          now: new Date(createdAt),
        });
        await scope.orders.add(order);
      });
    const from = new Date('2020-01-01T15:00:00.000Z');
    const to = new Date('2020-01-02T15:00:00.000Z');
    await place('2020-01-01T14:59:59.999Z', 100); // the day before
    await place('2020-01-01T15:00:00.000Z', 2);
    await place('2020-01-02T14:59:59.999Z', 3);
    await place('2020-01-02T15:00:00.000Z', 100); // the day after

    const statistics = new PgSalesStatisticsRepository(db());
    const expected = [{ day: '2020-01-02', productId: p.id, quantity: 5, revenue: 5_000 }];
    expect(await statistics.replaceDay('2020-01-02', from, to, true)).toEqual(expected);
    expect(await statistics.replaceDay('2020-01-02', from, to, true)).toEqual(expected);
    const run = await db().selectFrom('sales_aggregation_runs').selectAll().where('day', '=', '2020-01-02').executeTakeFirstOrThrow();
    expect(run.complete).toBe(true);

    // A run before the day has ended is recorded as partial.
    const future = await statistics.replaceDay('2999-01-01', new Date('2998-12-31T15:00:00Z'), new Date('2999-01-01T15:00:00Z'), false);
    expect(future).toEqual([]);
    const partial = await db().selectFrom('sales_aggregation_runs').selectAll().where('day', '=', '2999-01-01').executeTakeFirstOrThrow();
    expect(partial.complete).toBe(false);
    await db().deleteFrom('sales_aggregation_runs').where('day', '=', '2999-01-01').execute();
  });

  it('serialises two runs of the same day instead of letting them collide', async () => {
    const from = new Date('2020-01-01T15:00:00.000Z');
    const to = new Date('2020-01-02T15:00:00.000Z');
    const runs = await Promise.all(
      Array.from({ length: 10 }, () => db().transaction().execute((trx) => new PgSalesStatisticsRepository(trx).replaceDay('2020-01-02', from, to, true))),
    );
    for (const rows of runs) expect(rows).toEqual(runs[0]);
    expect(runs[0]).toHaveLength(1);
  });
});

describe('Coupon.fromPrimitives round trip', () => {
  it('keeps RATE coupons intact through the store', async () => {
    const coupons = new PgCouponRepository(db());
    const added = await coupons.add({ name: 'Rate', discountType: 'RATE', discountValue: 15, totalQuantity: 2, expiresAt: inAWeek });
    const stored = await new PgCouponQueries(db()).couponById(added.id);
    expect(stored && Coupon.fromPrimitives(stored).toPrimitives()).toEqual(added.toPrimitives());
  });
});
