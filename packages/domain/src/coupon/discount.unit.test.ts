import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/domain-error';
import { Money } from '../shared/money';
import { Discount, type DiscountType } from './discount';
import { failureOf } from '../../test/mothers';

const MAX = Number.MAX_SAFE_INTEGER;
const total = fc.integer({ min: 0, max: MAX });
const nearTheTop = fc.integer({ min: MAX - 1_000_000, max: MAX });
const rate = fc.integer({ min: 1, max: 100 });

/** floor(total × rate / 100), computed exactly. */
const exactRateOff = (t: number, r: number): number => Number((BigInt(t) * BigInt(r)) / 100n);

describe('Discount', () => {
  it('accepts FIXED from 1 won and RATE from 1 to 100 percent', () => {
    expect(Discount.of('FIXED', 1)).toMatchObject({ type: 'FIXED', value: 1 });
    expect(Discount.of('FIXED', MAX)).toMatchObject({ type: 'FIXED', value: MAX });
    expect(Discount.of('RATE', 1)).toMatchObject({ type: 'RATE', value: 1 });
    expect(Discount.of('RATE', 100)).toMatchObject({ type: 'RATE', value: 100 });
  });

  it.each<[DiscountType, number]>([
    ['FIXED', 0],
    ['FIXED', -100],
    ['FIXED', 1.5],
    ['FIXED', MAX + 1],
    ['RATE', 0],
    ['RATE', 101],
    ['RATE', 12.5],
    ['BOGUS' as DiscountType, 10],
  ])('rejects %s %s as VALIDATION_FAILED', (type, value) => {
    expect(failureOf(() => Discount.of(type, value)).code).toBe(ErrorCode.ValidationFailed);
  });

  it('takes between 0 and the whole total, never more', () => {
    const discount = fc.oneof(
      fc.integer({ min: 1, max: MAX }).map((v) => Discount.of('FIXED', v)),
      rate.map((v) => Discount.of('RATE', v)),
    );
    fc.assert(
      fc.property(discount, total, (d, t) => {
        const off = d.amountOff(Money.of(t)).won;
        expect(Number.isSafeInteger(off)).toBe(true);
        expect(off).toBeGreaterThanOrEqual(0);
        expect(off).toBeLessThanOrEqual(t);
      }),
    );
  });

  it('RATE takes floor(total × rate / 100), exactly even for totals near 2^53', () => {
    fc.assert(fc.property(total, rate, (t, r) => Discount.of('RATE', r).amountOff(Money.of(t)).won === exactRateOff(t, r)));
    fc.assert(fc.property(nearTheTop, rate, (t, r) => Discount.of('RATE', r).amountOff(Money.of(t)).won === exactRateOff(t, r)));
    // Where floating point gets it wrong: Math.floor(t * r / 100) answers …526 and …509.
    expect(Discount.of('RATE', 33).amountOff(Money.of(MAX)).won).toBe(2_972_375_754_064_527);
    expect(Discount.of('RATE', 11).amountOff(Money.of(MAX - 1)).won).toBe(990_791_918_021_508);
    expect(Discount.of('RATE', 10).amountOff(Money.of(999)).won).toBe(99);
  });

  it('RATE 100 takes the whole total', () => {
    fc.assert(fc.property(total, (t) => Discount.of('RATE', 100).amountOff(Money.of(t)).won === t));
  });

  it('FIXED takes its value, or the whole total when the value is at least the total', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX }), total, (v, t) => {
        expect(Discount.of('FIXED', v).amountOff(Money.of(t)).won).toBe(Math.min(v, t));
      }),
    );
    expect(Discount.of('FIXED', 5_000).amountOff(Money.of(3_000)).won).toBe(3_000);
    expect(Discount.of('FIXED', 1_000).amountOff(Money.of(3_000)).won).toBe(1_000);
  });
});
