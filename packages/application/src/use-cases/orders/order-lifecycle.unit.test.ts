import { ErrorCode } from '@storefront/domain';
import { describe, expect, it } from 'vitest';
import { ContendedUnits } from '../../support/contended-units';
import { createInMemoryStorefront } from '../../in-memory';
import { NO_PRODUCT_CACHE, type UnitOfWork } from '../../ports';
import { aCoupon, anOrder, aProduct, FaultyUnitOfWork, given, InjectedFault, invariantViolations } from '../../testing';
import { ListUserCoupons } from '../coupons/list-user-coupons';
import { GetBalanceHistory } from '../wallet/get-balance-history';
import { CancelOrder } from './cancel-order';
import { GetOrder } from './get-order';
import { PlaceOrder } from './place-order';
import { RefundOrder } from './refund-order';

const USER = { userId: 1, isAdmin: false };
const ADMIN = { userId: 999, isAdmin: true };

/**
 * Keyboard 30,000 ×2 + mouse 12,500 ×1 + cable 1,000 ×3 = 75,500, with 1,000 off: paid 74,500,
 * split 59,205 / 12,335 / 2,960.
 */
async function setUp() {
  const store = createInMemoryStorefront();
  const g = given(store);
  const keyboard = await g.product(aProduct().withName('Keyboard').withPrice(30_000).withStock(10));
  const mouse = await g.product(aProduct().withName('Mouse').withPrice(12_500).withStock(5));
  const cable = await g.product(aProduct().withName('Cable').withPrice(1_000).withStock(20));
  await g.fundedUser(1, 100_000);
  const coupon = await g.issuedCoupon(1, (await g.coupon(aCoupon().fixed(1_000))).id);
  const order = await g.paidOrder(anOrder().by(1).withItem(cable.id, 3).withItem(keyboard.id, 2).withItem(mouse.id, 1).withCoupon(coupon.userCouponId));
  const initialStock = new Map([[keyboard.id, 10], [mouse.id, 5], [cable.id, 20]]);
  return {
    store,
    given: g,
    keyboard,
    mouse,
    cable,
    coupon,
    order,
    initialStock,
    cancel: (uow: UnitOfWork = store.transactions) => new CancelOrder(uow, store.clock, NO_PRODUCT_CACHE),
    refund: (uow: UnitOfWork = store.transactions) => new RefundOrder(uow, store.clock, NO_PRODUCT_CACHE),
    violations: () => invariantViolations(store.state.snapshot(), { initialStock }),
  };
}

/**
 * Runs `attempt` with a fault injected at every step of its unit of work in turn; each failed
 * run must leave the store exactly as it was. Answers how many steps the use case has.
 */
async function expectEveryStepToRollBack(store: ReturnType<typeof createInMemoryStorefront>, attempt: (uow: UnitOfWork) => Promise<unknown>): Promise<number> {
  for (let step = 1; step < 100; step += 1) {
    const faulty = new FaultyUnitOfWork(store.transactions, step);
    const before = store.state.snapshot();
    const outcome = await attempt(faulty).then(
      () => 'completed' as const,
      (error: unknown) => error,
    );
    if (outcome === 'completed') {
      expect(faulty.faulted).toBe(false);
      return step - 1;
    }
    expect(outcome, `step ${step}`).toBeInstanceOf(InjectedFault);
    expect(store.state.snapshot(), `a fault at ${faulty.calls.at(-1)} changed the store`).toEqual(before);
  }
  throw new Error('the use case never completed');
}

describe('CancelOrder', () => {
  it('restores stock, credits the paid amount with one REFUND row, frees the coupon and writes one order.cancelled event', async () => {
    const { store, keyboard, mouse, cable, coupon, order, cancel, violations } = await setUp();
    store.clock.advanceBy(60_000);
    const now = store.clock.now();
    const cancelled = await cancel().execute({ orderId: order.orderId, actor: USER, reason: 'changed my mind' });

    expect(cancelled).toEqual({ ...order, status: 'CANCELLED', refundedAmount: 74_500, cancelledAt: now, items: order.items.map((i) => ({ ...i, refundedQuantity: i.quantity })) });
    expect([keyboard.id, mouse.id, cable.id].map((id) => store.state.stockOf(id))).toEqual([10, 5, 20]);
    expect(store.state.balanceOf(1)).toBe(100_000);
    const history = await new GetBalanceHistory(store.walletQueries).execute({ userId: 1, page: { limit: 1, after: null } });
    expect(history.items.map(({ transactionId: _id, ...entry }) => entry)).toEqual([{ type: 'REFUND', amount: 74_500, balanceAfter: 100_000, orderId: order.orderId, createdAt: now }]);
    const coupons = await new ListUserCoupons(store.couponQueries, store.clock).execute({ userId: 1, page: { limit: 5, after: null } });
    expect(coupons.items).toEqual([{ ...coupon, status: 'AVAILABLE' }]);
    const events = store.state.snapshot().outbox;
    expect(events.map((e) => e.type)).toEqual(['order.paid', 'order.cancelled']);
    expect(events[1]?.data).toEqual(JSON.parse(JSON.stringify(cancelled)));
    expect(await new GetOrder(store.orderQueries).execute({ orderId: order.orderId, viewer: USER })).toEqual(cancelled);
    expect(violations()).toEqual([]);
  });

  it('credits the refund even above the wallet ceiling, and the freed coupon may pay a new order', async () => {
    const { store, given: g, coupon, order, mouse, cancel, violations } = await setUp();
    await g.fundedUser(1, 10_000_000 - store.state.balanceOf(1));
    await cancel().execute({ orderId: order.orderId, actor: ADMIN, reason: null });
    expect(store.state.balanceOf(1)).toBe(10_074_500);
    const again = await new PlaceOrder(store.transactions, store.clock, NO_PRODUCT_CACHE, new ContendedUnits()).execute(anOrder().by(1).withItem(mouse.id, 1).withCoupon(coupon.userCouponId).build());
    expect(again).toMatchObject({ discountAmount: 1_000, userCouponId: coupon.userCouponId });
    expect(violations()).toEqual([]);
  });

  it('gives back a coupon past its expiry as EXPIRED', async () => {
    const store = createInMemoryStorefront();
    const g = given(store);
    const product = await g.product();
    await g.fundedUser(1, 50_000);
    const coupon = await g.issuedCoupon(1, (await g.coupon(aCoupon().expiringAt('2026-11-24T10:00:00.000Z'))).id);
    const order = await g.paidOrder(anOrder().by(1).withItem(product.id, 1).withCoupon(coupon.userCouponId));
    store.clock.set('2026-11-24T11:00:00.000Z');
    await new CancelOrder(store.transactions, store.clock, NO_PRODUCT_CACHE).execute({ orderId: order.orderId, actor: USER, reason: null });
    const coupons = await new ListUserCoupons(store.couponQueries, store.clock).execute({ userId: 1, page: { limit: 5, after: null } });
    expect(coupons.items.map((c) => c.status)).toEqual(['EXPIRED']);
  });

  it('locks the user’s rows first (wallet, coupon, order), then puts every line’s stock back at commit, last', async () => {
    const { store, keyboard, mouse, cable, coupon, order, cancel } = await setUp();
    const recording = new FaultyUnitOfWork(store.transactions, Number.POSITIVE_INFINITY);
    await cancel(recording).execute({ orderId: order.orderId, actor: USER, reason: null });
    const locks = recording.calls.filter((c) => /lockForUser|lockById/.test(c));
    expect(locks).toEqual(['wallets.lockForUser(1)', `userCoupons.lockById(${coupon.userCouponId})`, `orders.lockById(${order.orderId})`]);
    // The repository sends them by ascending product id, whatever the calls' order.
    expect(recording.calls.slice(-3).sort()).toEqual(
      [`products.putBackStockAtCommit(${keyboard.id}, 2)`, `products.putBackStockAtCommit(${mouse.id}, 1)`, `products.putBackStockAtCommit(${cable.id}, 3)`].sort(),
    );
  });

  describe('fails and changes nothing', () => {
    it('at any step of the unit of work', async () => {
      const { store, order, cancel } = await setUp();
      const steps = await expectEveryStepToRollBack(store, (uow) => cancel(uow).execute({ orderId: order.orderId, actor: USER, reason: null }));
      expect(steps).toBe(12);
    });

    it('ORDER_NOT_CANCELLABLE for a cancelled order, and for an order with a refund', async () => {
      const { store, order, cancel, refund } = await setUp();
      await given(store).fundedUser(1, 30_000);
      const other = await given(store).paidOrder(anOrder().by(1).withItem(1, 1));
      await cancel().execute({ orderId: order.orderId, actor: USER, reason: null });
      await refund().execute({ orderId: other.orderId, items: [{ productId: 1, quantity: 1 }], restock: true, reason: null });
      const before = store.state.snapshot();
      for (const orderId of [order.orderId, other.orderId]) {
        await expect(cancel().execute({ orderId, actor: USER, reason: null })).rejects.toMatchObject({ code: ErrorCode.OrderNotCancellable, details: { orderId } });
      }
      expect(store.state.snapshot()).toEqual(before);
    });

    it('ORDER_NOT_FOUND for an unknown order, and for another user’s order', async () => {
      const { store, order, cancel } = await setUp();
      const before = store.state.snapshot();
      await expect(cancel().execute({ orderId: 404, actor: ADMIN, reason: null })).rejects.toMatchObject({ code: ErrorCode.OrderNotFound });
      await expect(cancel().execute({ orderId: order.orderId, actor: { userId: 2, isAdmin: false }, reason: null })).rejects.toMatchObject({ code: ErrorCode.OrderNotFound });
      await expect(cancel().execute({ orderId: order.orderId, actor: USER, reason: 'x'.repeat(501) })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
      expect(store.state.snapshot()).toEqual(before);
    });
  });
});

describe('RefundOrder', () => {
  it('returns each unit’s exact share, restocks, writes the refund, one REFUND row and one order.refunded event', async () => {
    const { store, keyboard, cable, order, refund, violations } = await setUp();
    store.clock.advanceBy(60_000);
    const now = store.clock.now();
    const first = await refund().execute({ orderId: order.orderId, items: [{ productId: cable.id, quantity: 1 }, { productId: keyboard.id, quantity: 1 }], restock: true, reason: 'damaged' });

    expect(first).toEqual({
      refundId: 1,
      orderId: order.orderId,
      items: [
        { productId: keyboard.id, quantity: 1, amount: 29_602 },
        { productId: cable.id, quantity: 1, amount: 986 },
      ],
      amount: 30_588,
      restocked: true,
      reason: 'damaged',
      createdAt: now,
    });
    expect(store.state.stockOf(keyboard.id)).toBe(9);
    expect(store.state.stockOf(cable.id)).toBe(18);
    expect(store.state.balanceOf(1)).toBe(100_000 - 74_500 + 30_588);
    const view = await new GetOrder(store.orderQueries).execute({ orderId: order.orderId, viewer: USER });
    expect(view).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 30_588, refunds: [first], cancelledAt: null });
    expect(view.items.map((i) => i.refundedQuantity)).toEqual([1, 0, 1]);
    const [, event] = store.state.snapshot().outbox;
    expect(event).toMatchObject({ type: 'order.refunded', occurredAt: now });
    expect(event?.data).toEqual(JSON.parse(JSON.stringify({ ...view, refund: first })));
    expect(store.state.snapshot().userCoupons[0]).toMatchObject({ orderId: order.orderId });
    expect(violations()).toEqual([]);
  });

  it('returns exactly the paid amount once every unit is refunded, in any number of steps; then REFUNDED', async () => {
    const { store, keyboard, mouse, cable, order, refund, violations } = await setUp();
    const steps = [
      [{ productId: cable.id, quantity: 1 }],
      [{ productId: cable.id, quantity: 1 }, { productId: mouse.id, quantity: 1 }],
      [{ productId: keyboard.id, quantity: 1 }],
      [{ productId: cable.id, quantity: 1 }, { productId: keyboard.id, quantity: 1 }],
    ];
    let total = 0;
    for (const items of steps) total += (await refund().execute({ orderId: order.orderId, items, restock: false, reason: null })).amount;
    expect(total).toBe(order.paidAmount);
    expect(await new GetOrder(store.orderQueries).execute({ orderId: order.orderId, viewer: USER })).toMatchObject({ status: 'REFUNDED', refundedAmount: 74_500 });
    // restock: false left the stock as the order left it.
    expect(store.state.stockOf(cable.id)).toBe(17);
    expect(invariantViolations(store.state.snapshot())).toEqual([]);
    expect(violations()).toEqual([]);
  });

  it('credits above the wallet ceiling', async () => {
    const { store, given: g, mouse, order, refund } = await setUp();
    await g.fundedUser(1, 10_000_000 - store.state.balanceOf(1));
    await refund().execute({ orderId: order.orderId, items: [{ productId: mouse.id, quantity: 1 }], restock: true, reason: null });
    expect(store.state.balanceOf(1)).toBe(10_012_335);
  });

  it('locks the wallet, then the order, then puts the refunded units back at commit, last', async () => {
    const { store, keyboard, cable, order, refund } = await setUp();
    const recording = new FaultyUnitOfWork(store.transactions, Number.POSITIVE_INFINITY);
    await refund(recording).execute({ orderId: order.orderId, items: [{ productId: cable.id, quantity: 2 }, { productId: keyboard.id, quantity: 1 }], restock: true, reason: null });
    expect(recording.calls.filter((c) => /lockForUser|lockById/.test(c))).toEqual(['wallets.lockForUser(1)', `orders.lockById(${order.orderId})`]);
    expect(recording.calls.slice(-2).sort()).toEqual([`products.putBackStockAtCommit(${cable.id}, 2)`, `products.putBackStockAtCommit(${keyboard.id}, 1)`].sort());
  });

  describe('fails and changes nothing', () => {
    it('at any step of the unit of work', async () => {
      const { store, cable, keyboard, order, refund } = await setUp();
      const items = [{ productId: cable.id, quantity: 2 }, { productId: keyboard.id, quantity: 1 }];
      const steps = await expectEveryStepToRollBack(store, (uow) => refund(uow).execute({ orderId: order.orderId, items, restock: true, reason: null }));
      expect(steps).toBe(11);
    });

    it('REFUND_EXCEEDS_ORDER for more units than are left, or a product not in the order', async () => {
      const { store, cable, order, refund } = await setUp();
      await refund().execute({ orderId: order.orderId, items: [{ productId: cable.id, quantity: 2 }], restock: true, reason: null });
      const before = store.state.snapshot();
      await expect(refund().execute({ orderId: order.orderId, items: [{ productId: cable.id, quantity: 2 }], restock: true, reason: null })).rejects.toMatchObject({
        code: ErrorCode.RefundExceedsOrder,
        details: { productId: cable.id, refundable: 1 },
      });
      await expect(refund().execute({ orderId: order.orderId, items: [{ productId: 77, quantity: 1 }], restock: true, reason: null })).rejects.toMatchObject({
        code: ErrorCode.RefundExceedsOrder,
      });
      expect(store.state.snapshot()).toEqual(before);
    });

    it('ORDER_NOT_REFUNDABLE for a cancelled order; ORDER_NOT_FOUND for an unknown one; VALIDATION_FAILED for a bad request', async () => {
      const { store, cable, order, cancel, refund } = await setUp();
      await cancel().execute({ orderId: order.orderId, actor: USER, reason: null });
      const before = store.state.snapshot();
      const items = [{ productId: cable.id, quantity: 1 }];
      await expect(refund().execute({ orderId: order.orderId, items, restock: true, reason: null })).rejects.toMatchObject({ code: ErrorCode.OrderNotRefundable });
      await expect(refund().execute({ orderId: 404, items, restock: true, reason: null })).rejects.toMatchObject({ code: ErrorCode.OrderNotFound });
      await expect(refund().execute({ orderId: order.orderId, items: [], restock: true, reason: null })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
      expect(store.state.snapshot()).toEqual(before);
    });
  });

  it('a crowd of refunds and cancels on the same orders keeps every invariant', async () => {
    const { store, given: g, keyboard, cable, initialStock } = await setUp();
    await g.fundedUser(1, 248_000);
    const orders = [];
    for (let i = 0; i < 8; i += 1) orders.push(await g.paidOrder(anOrder().by(1).withItem(cable.id, 1).withItem(keyboard.id, 1)));
    const runs = orders.flatMap((o) => [
      new CancelOrder(store.transactions, store.clock, NO_PRODUCT_CACHE).execute({ orderId: o.orderId, actor: USER, reason: null }),
      new RefundOrder(store.transactions, store.clock, NO_PRODUCT_CACHE).execute({ orderId: o.orderId, items: [{ productId: cable.id, quantity: 1 }], restock: true, reason: null }),
    ]);
    const results = await Promise.allSettled(runs);
    for (let i = 0; i < orders.length; i += 1) expect([results[2 * i]!.status, results[2 * i + 1]!.status].sort()).toEqual(['fulfilled', 'rejected']);
    expect(invariantViolations(store.state.snapshot(), { initialStock })).toEqual([]);
  });
});
