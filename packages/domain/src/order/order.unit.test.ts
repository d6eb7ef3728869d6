import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aLine, aProduct, failureOf, NOW } from '../../test/mothers';
import { Discount } from '../coupon/discount';
import { ErrorCode } from '../shared/domain-error';
import { Money } from '../shared/money';
import { Quantity } from '../shared/quantity';
import { MAX_ORDER_LINES, Order, orderNotFound, type OrderPlacement } from './order';

const MAX = Number.MAX_SAFE_INTEGER;
const keyboard = aProduct().withId(1).withName('Keyboard').withPrice(30_000).priced();
const mouse = aProduct().withId(2).withName('Mouse').withPrice(12_500).priced();

const linesOf = (n: number) => Array.from({ length: n }, (_, i) => ({ productId: i + 1, quantity: 1 }));

function anOrder(overrides: Partial<OrderPlacement> = {}): Order {
  return Order.place({ id: 1, userId: 7, lines: [aLine(keyboard, 2), aLine(mouse, 1)], coupon: null, now: NOW, ...overrides });
}

describe('Order.validateRequest', () => {
  it('accepts 1 to 50 lines of distinct products, 1 to 1000 each, sorted by product id (the lock order)', () => {
    expect(Order.validateRequest([{ productId: 9, quantity: 1000 }, { productId: 3, quantity: 1 }])).toEqual([
      { productId: 3, quantity: Quantity.of(1) },
      { productId: 9, quantity: Quantity.of(1000) },
    ]);
    expect(Order.validateRequest(linesOf(MAX_ORDER_LINES))).toHaveLength(50);
    expect(Order.validateRequest(linesOf(1))).toHaveLength(1);
  });

  it.each([
    ['no lines', []],
    ['51 lines', linesOf(MAX_ORDER_LINES + 1)],
    ['the same product twice', [{ productId: 4, quantity: 1 }, { productId: 4, quantity: 2 }]],
    ['a quantity of 0', [{ productId: 4, quantity: 0 }]],
    ['a quantity of 1001', [{ productId: 4, quantity: 1001 }]],
    ['a fractional quantity', [{ productId: 4, quantity: 1.5 }]],
    ['an invalid product id', [{ productId: 0, quantity: 1 }]],
  ])('refuses %s as VALIDATION_FAILED', (_what, lines) => {
    expect(failureOf(() => Order.validateRequest(lines)).code).toBe(ErrorCode.ValidationFailed);
  });
});

describe('Order.place', () => {
  it('snapshots each line and totals them, paid in full without a coupon', () => {
    expect(anOrder().toPrimitives()).toEqual({
      id: 1,
      userId: 7,
      status: 'PAID',
      lines: [
        { productId: 1, name: 'Keyboard', unitPrice: 30_000, quantity: 2, amount: 60_000, paidAmount: 60_000, refundedQuantity: 0 },
        { productId: 2, name: 'Mouse', unitPrice: 12_500, quantity: 1, amount: 12_500, paidAmount: 12_500, refundedQuantity: 0 },
      ],
      totalAmount: 72_500,
      discountAmount: 0,
      paidAmount: 72_500,
      refundedAmount: 0,
      userCouponId: null,
      refunds: [],
      createdAt: NOW,
      cancelledAt: null,
      cancelReason: null,
    });
  });

  it('takes a FIXED coupon’s value off, and never more than the total', () => {
    expect(anOrder({ coupon: { userCouponId: 4, discount: Discount.of('FIXED', 2_500) } }).toPrimitives()).toMatchObject({
      totalAmount: 72_500,
      discountAmount: 2_500,
      paidAmount: 70_000,
      userCouponId: 4,
    });
    expect(anOrder({ coupon: { userCouponId: 4, discount: Discount.of('FIXED', 100_000) } }).toPrimitives()).toMatchObject({
      discountAmount: 72_500,
      paidAmount: 0,
    });
  });

  it('takes a RATE coupon’s percentage off, rounded down to the won', () => {
    const order = anOrder({ lines: [aLine(mouse, 1)], coupon: { userCouponId: 4, discount: Discount.of('RATE', 15) } });
    // 12,500 × 15 % = 1,875
    expect(order.toPrimitives()).toMatchObject({ totalAmount: 12_500, discountAmount: 1_875, paidAmount: 10_625 });
    const odd = Order.place({ id: 2, userId: 7, lines: [aLine(aProduct().withPrice(999).priced())], coupon: { userCouponId: 4, discount: Discount.of('RATE', 33) }, now: NOW });
    expect(odd.toPrimitives()).toMatchObject({ totalAmount: 999, discountAmount: 329, paidAmount: 670 });
  });

  it('refuses what validateRequest refuses, and invalid ids', () => {
    expect(failureOf(() => anOrder({ lines: [] })).code).toBe(ErrorCode.ValidationFailed);
    expect(failureOf(() => anOrder({ lines: [aLine(keyboard), aLine(keyboard)] })).code).toBe(ErrorCode.ValidationFailed);
    expect(failureOf(() => anOrder({ id: 0 })).code).toBe(ErrorCode.ValidationFailed);
    expect(failureOf(() => anOrder({ userId: -1 })).code).toBe(ErrorCode.ValidationFailed);
  });

  it('refuses a total past the safe-integer range as VALIDATION_FAILED', () => {
    const priceless = aProduct().withPrice(MAX).priced();
    expect(failureOf(() => anOrder({ lines: [aLine(priceless, 2)] })).code).toBe(ErrorCode.ValidationFailed);
  });

  it('knows its owner and answers its paid amount and lines', () => {
    const order = anOrder();
    expect(order.id).toBe(1);
    expect(order.userId).toBe(7);
    expect(order.isOwnedBy(7)).toBe(true);
    expect(order.isOwnedBy(8)).toBe(false);
    expect(order.paidAmount.won).toBe(72_500);
    expect(order.lines).toHaveLength(2);
  });

  it('does not share its lines with the primitives it was built from or gave out', () => {
    const primitives = anOrder().toPrimitives();
    const rebuilt = Order.fromPrimitives(primitives);
    primitives.lines[0]!.quantity = 999;
    expect(rebuilt.lines[0]!.quantity).toBe(2);
    expect(rebuilt.toPrimitives()).toEqual(anOrder().toPrimitives());
  });

  it('builds its not-found error', () => {
    expect(orderNotFound(3)).toMatchObject({ code: ErrorCode.OrderNotFound, details: { orderId: 3 } });
  });
});

describe('order totals (property-based)', () => {
  const line = fc.record({ price: fc.integer({ min: 1, max: 5_000_000 }), quantity: fc.integer({ min: 1, max: 1000 }) });
  const lines = fc.array(line, { minLength: 1, maxLength: MAX_ORDER_LINES });
  const discount = fc.option(
    fc.oneof(
      fc.integer({ min: 1, max: 100 }).map((v) => Discount.of('RATE', v)),
      fc.integer({ min: 1, max: 10_000_000_000 }).map((v) => Discount.of('FIXED', v)),
    ),
  );

  const place = (ls: Array<{ price: number; quantity: number }>, d: Discount | null) =>
    Order.place({
      id: 1,
      userId: 1,
      lines: ls.map((l, i) => aLine(aProduct().withId(i + 1).withPrice(l.price).priced(), l.quantity)),
      coupon: d && { userCouponId: 1, discount: d },
      now: NOW,
    }).toPrimitives();

  it('paid + discount = total = Σ price × quantity, with 0 ≤ discount ≤ total', () => {
    fc.assert(
      fc.property(lines, discount, (ls, d) => {
        const o = place(ls, d);
        const expectedTotal = ls.reduce((sum, l) => sum + l.price * l.quantity, 0);
        return (
          o.totalAmount === expectedTotal &&
          o.paidAmount + o.discountAmount === o.totalAmount &&
          o.discountAmount >= 0 &&
          o.discountAmount <= o.totalAmount &&
          o.paidAmount >= 0
        );
      }),
    );
  });

  it('RATE 100 → paid 0; FIXED ≥ total → paid 0', () => {
    fc.assert(fc.property(lines, (ls) => place(ls, Discount.of('RATE', 100)).paidAmount === 0));
    fc.assert(
      fc.property(lines, fc.integer({ min: 0, max: 1_000_000 }), (ls, extra) => {
        const total = ls.reduce((sum, l) => sum + l.price * l.quantity, 0);
        return place(ls, Discount.of('FIXED', total + extra)).paidAmount === 0;
      }),
    );
  });

  it('RATE discount is floor(total × rate / 100), exactly, even for totals near 2^53', () => {
    const bigPrice = fc.integer({ min: MAX - 10_000_000, max: MAX });
    fc.assert(
      fc.property(fc.oneof(bigPrice, fc.integer({ min: 1, max: MAX })), fc.integer({ min: 1, max: 100 }), (price, rate) => {
        const o = place([{ price, quantity: 1 }], Discount.of('RATE', rate));
        return o.discountAmount === Number((BigInt(price) * BigInt(rate)) / 100n) && o.paidAmount + o.discountAmount === price;
      }),
    );
    expect(place([{ price: MAX, quantity: 1 }], Discount.of('RATE', 33)).discountAmount).toBe(2_972_375_754_064_527);
  });

  it('keeps the lines in the order given (the use case gives them sorted) with the same totals either way', () => {
    const reversed = Order.place({ id: 1, userId: 1, lines: [aLine(mouse), aLine(keyboard)], coupon: null, now: NOW });
    const sorted = Order.place({ id: 1, userId: 1, lines: [aLine(keyboard), aLine(mouse)], coupon: null, now: NOW });
    expect(reversed.lines.map((l) => l.productId)).toEqual([2, 1]);
    expect(reversed.paidAmount.equals(sorted.paidAmount)).toBe(true);
    expect(Money.of(reversed.toPrimitives().totalAmount).won).toBe(42_500);
  });
});
