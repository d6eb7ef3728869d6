import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aLine, aProduct, failureOf, LATER, NOW } from '../../test/mothers';
import { Discount } from '../coupon/discount';
import { ErrorCode } from '../shared/domain-error';
import { MAX_ORDER_LINES, Order } from './order';

const keyboard = aProduct().withId(1).withName('Keyboard').withPrice(30_000).priced();
const mouse = aProduct().withId(2).withName('Mouse').withPrice(12_500).priced();
const cable = aProduct().withId(3).withName('Cable').withPrice(1_000).priced();

/** 2 keyboards + 1 mouse + 3 cables = 75,500, 1,000 off: paid 74,500 split over the lines. */
function aPaidOrder(): Order {
  return Order.place({
    id: 9,
    userId: 7,
    lines: [aLine(keyboard, 2), aLine(mouse, 1), aLine(cable, 3)],
    coupon: { userCouponId: 4, discount: Discount.of('FIXED', 1_000) },
    now: NOW,
  });
}

const refund = (order: Order, items: Array<{ productId: number; quantity: number }>, refundId = 1) =>
  order.refund({ refundId, items, restock: true, reason: null, now: LATER });

describe('Order.place splits the paid amount over the lines', () => {
  it('in proportion to their amounts, rounded down, the won left over to the largest remainders', () => {
    const lines = aPaidOrder().lines;
    // 74,500 × 60,000 / 75,500 = 59,205.29…; × 12,500 / 75,500 = 12,334.43…; × 3,000 / 75,500 = 2,960.26…
    // 59,205 + 12,334 + 2,960 = 74,499: the one won left goes to the mouse (remainder .43).
    expect(lines.map((l) => [l.productId, l.paidAmount, l.refundedQuantity])).toEqual([
      [1, 59_205, 0],
      [2, 12_335, 0],
      [3, 2_960, 0],
    ]);
  });

  it('shares always add up to the order’s paid amount, each at most its line’s amount (property)', () => {
    const lines = fc.array(fc.record({ price: fc.integer({ min: 1, max: 5_000_000 }), quantity: fc.integer({ min: 1, max: 1000 }) }), {
      minLength: 1,
      maxLength: MAX_ORDER_LINES,
    });
    const discount = fc.option(
      fc.oneof(fc.integer({ min: 1, max: 100 }).map((v) => Discount.of('RATE', v)), fc.integer({ min: 1, max: 10_000_000_000 }).map((v) => Discount.of('FIXED', v))),
    );
    fc.assert(
      fc.property(lines, discount, (ls, d) => {
        const order = Order.place({
          id: 1,
          userId: 1,
          lines: ls.map((l, i) => aLine(aProduct().withId(i + 1).withPrice(l.price).priced(), l.quantity)),
          coupon: d && { userCouponId: 1, discount: d },
          now: NOW,
        }).toPrimitives();
        const sum = order.lines.reduce((s, l) => s + l.paidAmount, 0);
        return sum === order.paidAmount && order.lines.every((l) => l.paidAmount >= 0 && l.paidAmount <= l.amount);
      }),
    );
  });
});

describe('Order.cancel', () => {
  it('undoes a PAID order: CANCELLED, every unit and the whole paid amount given back', () => {
    const order = aPaidOrder();
    order.cancel(LATER, '  changed my mind  ');
    const p = order.toPrimitives();
    expect(p).toMatchObject({ status: 'CANCELLED', cancelledAt: LATER, cancelReason: 'changed my mind', refundedAmount: 74_500, refunds: [] });
    expect(p.lines.every((l) => l.refundedQuantity === l.quantity)).toBe(true);
  });

  it('refuses a cancelled order, and an order with a refund, as ORDER_NOT_CANCELLABLE, changing nothing', () => {
    const cancelled = aPaidOrder();
    cancelled.cancel(NOW, null);
    const refunded = aPaidOrder();
    refund(refunded, [{ productId: 3, quantity: 1 }]);
    for (const order of [cancelled, refunded]) {
      const before = order.toPrimitives();
      expect(failureOf(() => order.cancel(LATER, null))).toMatchObject({ code: ErrorCode.OrderNotCancellable, details: { orderId: 9 } });
      expect(order.toPrimitives()).toEqual(before);
    }
  });

  it('refuses a reason longer than 500 characters as VALIDATION_FAILED, changing nothing', () => {
    const order = aPaidOrder();
    expect(failureOf(() => order.cancel(LATER, 'x'.repeat(501))).code).toBe(ErrorCode.ValidationFailed);
    expect(order.status).toBe('PAID');
  });
});

describe('Order.refund', () => {
  it('returns each unit’s exact share, PARTIALLY_REFUNDED until every unit is back, then REFUNDED', () => {
    const order = aPaidOrder();
    // Cables: 2,960 over 3 units → 986, 987, 987 (floor(2960×1/3)=986, floor(2960×2/3)=1973, 2960).
    const first = refund(order, [{ productId: 3, quantity: 1 }, { productId: 1, quantity: 1 }], 1);
    expect(first).toEqual({
      id: 1,
      orderId: 9,
      lines: [
        { productId: 1, quantity: 1, amount: 29_602 },
        { productId: 3, quantity: 1, amount: 986 },
      ],
      amount: 30_588,
      restocked: true,
      reason: null,
      createdAt: LATER,
    });
    expect(order.status).toBe('PARTIALLY_REFUNDED');
    expect(refund(order, [{ productId: 3, quantity: 2 }], 2).amount).toBe(1_974);
    const last = refund(order, [{ productId: 1, quantity: 1 }, { productId: 2, quantity: 1 }], 3);
    expect(last.lines.map((l) => l.amount)).toEqual([29_603, 12_335]);
    const p = order.toPrimitives();
    expect(p.status).toBe('REFUNDED');
    expect(p.refundedAmount).toBe(p.paidAmount);
    expect(p.refunds.map((r) => r.id)).toEqual([1, 2, 3]);
  });

  it('refuses more units than are left on a line, or a product not in the order, as REFUND_EXCEEDS_ORDER, changing nothing', () => {
    const order = aPaidOrder();
    refund(order, [{ productId: 3, quantity: 2 }]);
    const before = order.toPrimitives();
    expect(failureOf(() => refund(order, [{ productId: 1, quantity: 1 }, { productId: 3, quantity: 2 }]))).toMatchObject({
      code: ErrorCode.RefundExceedsOrder,
      details: { orderId: 9, productId: 3, refundable: 1 },
    });
    expect(failureOf(() => refund(order, [{ productId: 99, quantity: 1 }]))).toMatchObject({ code: ErrorCode.RefundExceedsOrder, details: { productId: 99 } });
    expect(order.toPrimitives()).toEqual(before);
  });

  it('refuses a cancelled or fully refunded order as ORDER_NOT_REFUNDABLE', () => {
    const cancelled = aPaidOrder();
    cancelled.cancel(NOW, null);
    expect(failureOf(() => refund(cancelled, [{ productId: 1, quantity: 1 }])).code).toBe(ErrorCode.OrderNotRefundable);
    const refunded = aPaidOrder();
    refund(refunded, [{ productId: 1, quantity: 2 }, { productId: 2, quantity: 1 }, { productId: 3, quantity: 3 }]);
    expect(refunded.status).toBe('REFUNDED');
    expect(failureOf(() => refund(refunded, [{ productId: 1, quantity: 1 }])).code).toBe(ErrorCode.OrderNotRefundable);
  });

  it.each([
    ['no lines', []],
    ['the same product twice', [{ productId: 1, quantity: 1 }, { productId: 1, quantity: 1 }]],
    ['a quantity of 0', [{ productId: 1, quantity: 0 }]],
  ])('refuses %s as VALIDATION_FAILED', (_what, items) => {
    expect(failureOf(() => refund(aPaidOrder(), items)).code).toBe(ErrorCode.ValidationFailed);
  });

  it('any sequence of partial refunds adds up to at most the paid amount, exactly once complete; no step negative (property)', () => {
    const scenario = fc.record({
      lines: fc.array(fc.record({ price: fc.integer({ min: 1, max: 2_000_000 }), quantity: fc.integer({ min: 1, max: 30 }) }), { minLength: 1, maxLength: 8 }),
      rate: fc.integer({ min: 1, max: 100 }),
      picks: fc.array(fc.record({ line: fc.nat(), quantity: fc.integer({ min: 1, max: 30 }) }), { maxLength: 40 }),
      complete: fc.boolean(),
    });
    fc.assert(
      fc.property(scenario, ({ lines, rate, picks, complete }) => {
        const order = Order.place({
          id: 1,
          userId: 1,
          lines: lines.map((l, i) => aLine(aProduct().withId(i + 1).withPrice(l.price).priced(), l.quantity)),
          coupon: { userCouponId: 1, discount: Discount.of('RATE', rate) },
          now: NOW,
        });
        let refundId = 0;
        let returned = 0;
        const step = (items: Array<{ productId: number; quantity: number }>) => {
          const r = order.refund({ refundId: (refundId += 1), items, restock: false, reason: null, now: NOW });
          if (r.amount < 0 || r.lines.some((l) => l.amount < 0)) throw new Error('a negative refund step');
          returned += r.amount;
        };
        for (const pick of picks) {
          const line = order.lines[pick.line % order.lines.length]!;
          const quantity = Math.min(pick.quantity, line.quantity - line.refundedQuantity);
          if (quantity > 0) step([{ productId: line.productId, quantity }]);
        }
        const rest = order.lines.filter((l) => l.refundedQuantity < l.quantity).map((l) => ({ productId: l.productId, quantity: l.quantity - l.refundedQuantity }));
        if (complete && rest.length > 0) step(rest);
        const p = order.toPrimitives();
        const perLineOk = p.lines.every((l) => {
          const back = p.refunds.flatMap((r) => r.lines).filter((rl) => rl.productId === l.productId).reduce((s, rl) => s + rl.amount, 0);
          return back <= l.paidAmount && (l.refundedQuantity < l.quantity || back === l.paidAmount);
        });
        const done = p.lines.every((l) => l.refundedQuantity === l.quantity);
        return (
          perLineOk &&
          returned === p.refundedAmount &&
          returned <= p.paidAmount &&
          (!done || (returned === p.paidAmount && p.status === 'REFUNDED')) &&
          (done || p.refunds.length === 0 || p.status === 'PARTIALLY_REFUNDED')
        );
      }),
    );
  });
});
