import { ErrorCode } from '@storefront/domain';
import { describe, expect, it } from 'vitest';
import { createInMemoryStorefront } from '../../in-memory';
import { NO_PRODUCT_CACHE } from '../../ports';
import { BusinessCalendar } from '../../support/business-calendar';
import { anOrder, aProduct, given } from '../../testing';
import { CancelOrder } from '../orders/cancel-order';
import { RefundOrder } from '../orders/refund-order';
import { AggregateDailySales } from './aggregate-daily-sales';
import { CatchUpDailySales } from './catch-up-daily-sales';
import { GetTopProducts } from './get-top-products';

/** An instant given as Seoul wall-clock time. */
const kst = (local: string): string => new Date(`${local}+09:00`).toISOString();

async function setUp(now = kst('2026-11-24T18:00:00')) {
  const store = createInMemoryStorefront({ now });
  const calendar = new BusinessCalendar('Asia/Seoul');
  const g = given(store);
  const aggregate = new AggregateDailySales(store.transactions, calendar, store.transactionHorizon);
  const a = await g.product(aProduct().withName('A').withPrice(1_000).withStock(1_000));
  const b = await g.product(aProduct().withName('B').withPrice(3_000).withStock(1_000));
  const c = await g.product(aProduct().withName('C').withPrice(500).withStock(1_000));
  await g.fundedUser(1, 10_000_000);
  /** Places an order at a Seoul wall-clock time, then puts the clock back. */
  const orderAt = async (local: string, lines: Array<[number, number]>) => {
    const back = store.clock.now();
    store.clock.set(kst(local));
    await g.paidOrder(lines.reduce((o, [id, q]) => o.withItem(id, q), anOrder().by(1)));
    store.clock.set(back);
  };
  return {
    store,
    given: g,
    a,
    b,
    c,
    orderAt,
    aggregate,
    catchUp: new CatchUpDailySales(store.salesQueries, aggregate, calendar, store.clock),
    top: new GetTopProducts(store.salesQueries, calendar, store.clock),
  };
}

describe('AggregateDailySales', () => {
  it('counts a day’s net sales at list price: placed that day, less refunded and cancelled that day', async () => {
    const { store, given: g, a, b, c, aggregate, top } = await setUp(kst('2026-11-25T09:00:00'));
    const at = async <T>(local: string, act: () => Promise<T>): Promise<T> => {
      const back = store.clock.now();
      store.clock.set(kst(local));
      try {
        return await act();
      } finally {
        store.clock.set(back);
      }
    };
    const cancel = new CancelOrder(store.transactions, store.clock, NO_PRODUCT_CACHE);
    const refund = new RefundOrder(store.transactions, store.clock, NO_PRODUCT_CACHE);
    const early = await at('2026-11-22T10:00:00', () => g.paidOrder(anOrder().by(1).withItem(a.id, 10).withItem(c.id, 2)));
    const sameDay = await at('2026-11-23T09:00:00', () => g.paidOrder(anOrder().by(1).withItem(b.id, 2).withItem(c.id, 4)));
    await at('2026-11-23T10:00:00', () => g.paidOrder(anOrder().by(1).withItem(c.id, 1)));
    // On the 23rd: 4 units of A placed on the 22nd are refunded (a negative day for A), the
    // order of B and C placed that morning is cancelled, and one C of the 22nd is refunded.
    await at('2026-11-23T12:00:00', () => refund.execute({ orderId: early.orderId, items: [{ productId: a.id, quantity: 4 }, { productId: c.id, quantity: 1 }], restock: true, reason: null }));
    await at('2026-11-23T13:00:00', () => cancel.execute({ orderId: sameDay.orderId, actor: { userId: 1, isAdmin: false }, reason: null }));

    const rows = [{ day: '2026-11-23', productId: a.id, quantity: -4, revenue: -4_000 }];
    // B: 2 − 2 = 0, no row; C: 4 + 1 − 4 − 1 = 0 units, no row.
    await expect(aggregate.execute({ day: '2026-11-23' })).resolves.toMatchObject({ rows });
    await expect(aggregate.execute({ day: '2026-11-23' })).resolves.toMatchObject({ rows });
    await expect(aggregate.execute({ day: '2026-11-22' })).resolves.toMatchObject({
      rows: [
        { day: '2026-11-22', productId: a.id, quantity: 10, revenue: 10_000 },
        { day: '2026-11-22', productId: c.id, quantity: 2, revenue: 1_000 },
      ],
    });
    // Best sellers over the 22nd to the 24th: A nets 6, C nets 2; B never appears.
    const best = await top.execute({ days: 3, limit: 5 });
    expect(best.items.map((i) => [i.productId, i.soldQuantity, i.revenue])).toEqual([
      [a.id, 6, 6_000],
      [c.id, 2, 1_000],
    ]);
  });

  it('sums each product’s paid quantity and revenue over the business day, 00:00 to 24:00 local', async () => {
    const { a, b, orderAt, aggregate } = await setUp();
    await orderAt('2026-11-22T23:59:59', [[a.id, 100]]); // the day before
    await orderAt('2026-11-23T00:00:00', [[a.id, 2], [b.id, 1]]);
    await orderAt('2026-11-23T12:00:00', [[a.id, 3]]);
    await orderAt('2026-11-23T23:59:59', [[b.id, 4]]);
    await orderAt('2026-11-24T00:00:00', [[b.id, 100]]); // the day after

    await expect(aggregate.execute({ day: '2026-11-23' })).resolves.toEqual({
      day: '2026-11-23',
      from: new Date(kst('2026-11-23T00:00:00')),
      to: new Date(kst('2026-11-24T00:00:00')),
      rows: [
        { day: '2026-11-23', productId: a.id, quantity: 5, revenue: 5_000 },
        { day: '2026-11-23', productId: b.id, quantity: 5, revenue: 15_000 },
      ],
    });
  });

  it('gives the same rows however often it runs, and picks up orders that arrived since', async () => {
    const { store, a, orderAt, aggregate } = await setUp();
    await orderAt('2026-11-24T09:00:00', [[a.id, 1]]);
    const first = await aggregate.execute({ day: '2026-11-24' });
    const again = await aggregate.execute({ day: '2026-11-24' });
    expect(again.rows).toEqual(first.rows);
    expect(store.state.snapshot().dailySales).toEqual(first.rows);

    await orderAt('2026-11-24T10:00:00', [[a.id, 2]]);
    expect((await aggregate.execute({ day: '2026-11-24' })).rows).toEqual([{ day: '2026-11-24', productId: a.id, quantity: 3, revenue: 3_000 }]);
    expect(store.state.snapshot().dailySales).toHaveLength(1);
  });

  it('records a day with no sales, with no rows', async () => {
    const { store, aggregate } = await setUp();
    await expect(aggregate.execute({ day: '2026-11-20' })).resolves.toMatchObject({ rows: [] });
    expect(store.state.snapshot().aggregatedDays).toEqual([{ day: '2026-11-20', aggregatedAt: store.clock.now(), complete: true }]);
  });

  it('counts a run for today as partial: not the last completed day until it runs after midnight', async () => {
    const { store, a, orderAt, aggregate } = await setUp();
    await orderAt('2026-11-24T09:00:00', [[a.id, 1]]);
    await aggregate.execute({ day: '2026-11-24' });
    await expect(store.salesQueries.lastCompletedDay()).resolves.toBeNull();
    store.clock.set(kst('2026-11-25T00:00:00'));
    await aggregate.execute({ day: '2026-11-24' });
    await expect(store.salesQueries.lastCompletedDay()).resolves.toBe('2026-11-24');
  });

  it.each(['2026-02-30', '2026-11-24T00:00:00', 'yesterday', ''])('refuses %j as VALIDATION_FAILED and changes nothing', async (day) => {
    const { store, aggregate } = await setUp();
    const before = store.state.snapshot();
    await expect(aggregate.execute({ day })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    expect(store.state.snapshot()).toEqual(before);
  });
});

describe('CatchUpDailySales', () => {
  it('aggregates the last maxDays complete days, oldest first, on a first start', async () => {
    const { catchUp, store } = await setUp();
    await expect(catchUp.execute({ maxDays: 3 })).resolves.toEqual(['2026-11-21', '2026-11-22', '2026-11-23']);
    await expect(store.salesQueries.lastCompletedDay()).resolves.toBe('2026-11-23');
  });

  it('does nothing when yesterday is done, and only the new day after the next midnight', async () => {
    const { catchUp, store } = await setUp();
    await catchUp.execute({ maxDays: 3 });
    await expect(catchUp.execute({ maxDays: 3 })).resolves.toEqual([]);
    store.clock.set(kst('2026-11-25T00:00:00'));
    await expect(catchUp.execute({ maxDays: 3 })).resolves.toEqual(['2026-11-24']);
  });

  it('fills the gap after downtime, but no further back than maxDays', async () => {
    const { catchUp, aggregate, store } = await setUp();
    await aggregate.execute({ day: '2026-11-19' });
    await expect(catchUp.execute({ maxDays: 30 })).resolves.toEqual(['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23']);
    store.clock.set(kst('2026-12-10T00:30:00'));
    const done = await catchUp.execute({ maxDays: 5 });
    expect(done).toEqual(['2026-12-05', '2026-12-06', '2026-12-07', '2026-12-08', '2026-12-09']);
  });

  it('does not count today’s partial run as done', async () => {
    const { catchUp, aggregate } = await setUp();
    await aggregate.execute({ day: '2026-11-24' });
    await expect(catchUp.execute({ maxDays: 1 })).resolves.toEqual(['2026-11-23']);
  });

  it('aggregates yesterday correctly right after midnight', async () => {
    const { a, orderAt, catchUp, store } = await setUp();
    await orderAt('2026-11-24T23:59:59', [[a.id, 7]]);
    store.clock.set(kst('2026-11-25T00:00:00'));
    await catchUp.execute({ maxDays: 1 });
    expect(store.state.snapshot().dailySales).toEqual([{ day: '2026-11-24', productId: a.id, quantity: 7, revenue: 7_000 }]);
  });
});

describe('GetTopProducts', () => {
  it('ranks the last N complete days by quantity, then revenue, then lower product id', async () => {
    const { a, b, c, orderAt, catchUp, top, store } = await setUp();
    await orderAt('2026-11-21T10:00:00', [[a.id, 2], [c.id, 6]]);
    await orderAt('2026-11-22T10:00:00', [[b.id, 2]]);
    await orderAt('2026-11-23T10:00:00', [[a.id, 2], [b.id, 1]]);
    await orderAt('2026-11-20T10:00:00', [[b.id, 50]]); // before the window
    await orderAt('2026-11-24T10:00:00', [[c.id, 50]]); // today: not complete
    store.clock.set(kst('2026-11-24T18:00:00'));
    await catchUp.execute({ maxDays: 7 });
    await new AggregateDailySales(store.transactions, new BusinessCalendar('Asia/Seoul'), store.transactionHorizon).execute({ day: '2026-11-24' });

    // A: 4 for 4,000; C: 6 for 3,000; B: 3 for 9,000.
    await expect(top.execute({ days: 3, limit: 5 })).resolves.toEqual({
      from: '2026-11-21',
      to: '2026-11-23',
      items: [
        { rank: 1, productId: c.id, name: 'C', price: 500, soldQuantity: 6, revenue: 3_000 },
        { rank: 2, productId: a.id, name: 'A', price: 1_000, soldQuantity: 4, revenue: 4_000 },
        { rank: 3, productId: b.id, name: 'B', price: 3_000, soldQuantity: 3, revenue: 9_000 },
      ],
    });
    await expect(top.execute({ days: 1, limit: 1 })).resolves.toMatchObject({ from: '2026-11-23', to: '2026-11-23', items: [{ rank: 1, productId: a.id }] });
  });

  it('breaks ties on quantity by revenue, then by lower product id', async () => {
    const { a, b, c, given: g, orderAt, catchUp, top } = await setUp();
    const d = await g.product(aProduct().withName('D').withPrice(1_000).withStock(1_000)); // priced like A
    await orderAt('2026-11-23T10:00:00', [[d.id, 2], [c.id, 2], [b.id, 2], [a.id, 2]]);
    await catchUp.execute({ maxDays: 1 });
    const { items } = await top.execute({ days: 1, limit: 5 });
    // All sold 2: B for 6,000; A and D for 2,000 each (A has the lower id); C for 1,000.
    expect(items.map((i) => [i.rank, i.name])).toEqual([[1, 'B'], [2, 'A'], [3, 'D'], [4, 'C']]);
  });

  it('reads only the statistics: orders not yet aggregated do not count', async () => {
    const { a, orderAt, top } = await setUp();
    await orderAt('2026-11-23T10:00:00', [[a.id, 2]]);
    await expect(top.execute({ days: 3, limit: 5 })).resolves.toMatchObject({ items: [] });
  });

  it.each([
    { days: 0, limit: 5 },
    { days: 31, limit: 5 },
    { days: 1.5, limit: 5 },
    { days: 3, limit: 0 },
    { days: 3, limit: 51 },
  ])('refuses %o as VALIDATION_FAILED', async (input) => {
    const { top } = await setUp();
    await expect(top.execute(input)).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });

  it('accepts the bounds: 30 days and 50 products', async () => {
    const { top } = await setUp();
    await expect(top.execute({ days: 30, limit: 50 })).resolves.toMatchObject({ from: '2026-10-25', to: '2026-11-23' });
  });
});
