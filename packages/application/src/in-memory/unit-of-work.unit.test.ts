import { ErrorCode, Wallet, Money } from '@storefront/domain';
import { describe, expect, it } from 'vitest';
import type { TransactionScope } from '../ports';
import { createInMemoryStorefront } from './storefront';

const MAX = Money.of(10_000_000);

async function charge(tx: TransactionScope, userId: number, won: number, now: Date): Promise<Wallet> {
  const { wallet, transactionId } = await tx.wallets.lockForCharge(userId);
  const change = wallet.charge(Money.of(won), MAX, now);
  await tx.wallets.addCharge(change, MAX, transactionId);
  return wallet;
}

describe('InMemoryUnitOfWork', () => {
  it('commits everything a run wrote when it resolves', async () => {
    const store = createInMemoryStorefront();
    const now = store.clock.now();
    const result = await store.transactions.run(async (tx) => {
      await charge(tx, 1, 5_000, now);
      const product = await tx.products.add({ name: 'Pen', price: 1_000, stock: 3 });
      return product.id;
    });
    expect(result).toBe(1);
    expect(store.state.balanceOf(1)).toBe(5_000);
    expect(store.state.stockOf(1)).toBe(3);
    expect(store.state.snapshot().balanceHistory).toHaveLength(1);
  });

  it('leaves nothing behind when a run throws, however much it wrote first', async () => {
    const store = createInMemoryStorefront();
    const now = store.clock.now();
    await store.transactions.run(async (tx) => {
      await charge(tx, 1, 1_000, now);
      await tx.products.add({ name: 'Pen', price: 1_000, stock: 3 });
    });
    const before = store.state.snapshot();

    const failure = new Error('boom after every kind of write');
    await expect(
      store.transactions.run(async (tx) => {
        await charge(tx, 1, 2_000, now);
        await charge(tx, 2, 3_000, now);
        await tx.products.add({ name: 'Cup', price: 500, stock: 9 });
        await tx.products.takeStockAtCommit(1, 2);
        const coupon = await tx.coupons.add({ name: 'C', discountType: 'FIXED', discountValue: 100, totalQuantity: 2, expiresAt: new Date('2027-01-01T00:00:00Z') });
        await tx.coupons.claimUnit(coupon.id);
        await tx.userCoupons.add(coupon.issueTo(2, now));
        await tx.wallets.lockForOrder(3, now);
        await tx.outbox.append({ type: 'order.paid', occurredAt: now, data: { orderId: 1 } as never });
        await tx.salesStatistics.replaceDay('2026-11-23', new Date(0), now, true);
        throw failure;
      }),
    ).rejects.toBe(failure);

    expect(store.state.snapshot()).toEqual(before);
  });

  it('serialises concurrent runs: hundreds of read-modify-write runs lose no update', async () => {
    const store = createInMemoryStorefront();
    const now = store.clock.now();
    const runs = Array.from({ length: 500 }, () => store.transactions.run((tx) => charge(tx, 1, 10, now)));
    await Promise.all(runs);
    const snapshot = store.state.snapshot();
    expect(store.state.balanceOf(1)).toBe(5_000);
    expect(snapshot.balanceHistory.map((e) => e.balanceAfter)).toEqual(Array.from({ length: 500 }, (_, i) => (i + 1) * 10));
  });

  it('runs one at a time, in call order, even when the work yields to the event loop', async () => {
    const store = createInMemoryStorefront();
    const events: string[] = [];
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.transactions.run(async () => {
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          events.push(`start ${i}`);
          await Promise.resolve().then(() => Promise.resolve());
          await Promise.resolve();
          events.push(`end ${i}`);
          inside -= 1;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(events).toEqual(Array.from({ length: 200 }, (_, i) => [`start ${i}`, `end ${i}`]).flat());
  });

  it('keeps serving after failures: failed runs among concurrent ones roll back only themselves', async () => {
    const store = createInMemoryStorefront();
    const now = store.clock.now();
    const results = await Promise.allSettled(
      Array.from({ length: 300 }, (_, i) =>
        store.transactions.run(async (tx) => {
          await charge(tx, 1, 10, now);
          if (i % 3 === 0) throw new Error(`run ${i} fails`);
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(100);
    expect(store.state.balanceOf(1)).toBe(2_000);
    expect(store.state.snapshot().balanceHistory).toHaveLength(200);
  });

  it('takes stock at commit: not before, by ascending id, and an oversell fails the run with OUT_OF_STOCK, keeping nothing', async () => {
    const store = createInMemoryStorefront();
    const now = store.clock.now();
    const [pen, cup] = await store.transactions.run(async (tx) => [
      await tx.products.add({ name: 'Pen', price: 1_000, stock: 5 }),
      await tx.products.add({ name: 'Cup', price: 500, stock: 2 }),
    ]);

    await store.transactions.run(async (tx) => {
      await tx.products.takeStockAtCommit(pen.id, 3);
      await tx.products.takeStockAtCommit(pen.id, 1); // the same product twice: both taken
      expect((await tx.products.findByIds([pen.id]))[0]?.stock).toBe(5);
    });
    expect(store.state.stockOf(pen.id)).toBe(1);
    const before = store.state.snapshot();

    await expect(
      store.transactions.run(async (tx) => {
        await charge(tx, 1, 2_000, now);
        await tx.products.takeStockAtCommit(cup.id, 2); // would fit, but Pen is short: nothing taken
        await tx.products.takeStockAtCommit(pen.id, 2);
      }),
    ).rejects.toMatchObject({ code: ErrorCode.OutOfStock, details: { productId: pen.id, available: 1 } });
    expect(store.state.snapshot()).toEqual(before);

    await expect(store.transactions.run((tx) => tx.products.takeStockAtCommit(999, 1))).rejects.toThrow(/does not exist/);
  });

  it('hides a run’s writes from queries until it commits', async () => {
    const store = createInMemoryStorefront();
    let seenInside: number | undefined;
    await store.transactions.run(async (tx) => {
      await tx.products.add({ name: 'Pen', price: 1_000, stock: 3 });
      seenInside = (await store.catalogQueries.products({ limit: 10, after: null })).items.length;
    });
    expect(seenInside).toBe(0);
    expect((await store.catalogQueries.products({ limit: 10, after: null })).items).toHaveLength(1);
  });

  it('hands each run fresh repositories that refuse to work once the run has ended', async () => {
    const store = createInMemoryStorefront();
    let first: TransactionScope | undefined;
    let second: TransactionScope | undefined;
    await store.transactions.run(async (tx) => {
      first = tx;
    });
    await store.transactions.run(async (tx) => {
      second = tx;
    });
    expect(first).toBeDefined();
    expect(second?.products).not.toBe(first?.products);
    await expect(first!.products.add({ name: 'Late', price: 1, stock: 1 })).rejects.toThrow(/ended/);
    expect(store.state.snapshot().products).toEqual([]);
  });
});
