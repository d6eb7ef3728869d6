import { describe, expect, it } from 'vitest';
import { aCoupon, failureOf, LATER, minutesAfter, NOW } from '../../test/mothers';
import { ErrorCode } from '../shared/domain-error';
import { Coupon, couponAlreadyIssued, couponNotFound, couponSoldOut, MAX_COUPON_QUANTITY } from './coupon';

describe('Coupon', () => {
  describe('validateNew', () => {
    it('accepts FIXED and RATE terms with a future expiry, trimming the name', () => {
      const fields = { ...aCoupon().newFields(), name: ' Welcome ' };
      expect(Coupon.validateNew(fields, NOW)).toEqual({ ...fields, name: 'Welcome' });
      expect(Coupon.validateNew(aCoupon().rate(100).withTotalQuantity(MAX_COUPON_QUANTITY).newFields(), NOW)).toMatchObject({ discountType: 'RATE', discountValue: 100 });
    });

    it.each([
      ['a blank name', { name: ' ' }],
      ['a name over 200 characters', { name: 'x'.repeat(201) }],
      ['a FIXED discount of 0', { discountType: 'FIXED' as const, discountValue: 0 }],
      ['a RATE over 100', { discountType: 'RATE' as const, discountValue: 101 }],
      ['a total of 0', { totalQuantity: 0 }],
      ['a total over the maximum', { totalQuantity: MAX_COUPON_QUANTITY + 1 }],
      ['a fractional total', { totalQuantity: 2.5 }],
      ['an expiry now', { expiresAt: NOW }],
      ['an expiry in the past', { expiresAt: minutesAfter(NOW, -1) }],
      ['an invalid expiry', { expiresAt: new Date(Number.NaN) }],
    ])('refuses %s as VALIDATION_FAILED', (_what, override) => {
      expect(failureOf(() => Coupon.validateNew({ ...aCoupon().newFields(), ...override }, NOW)).code).toBe(ErrorCode.ValidationFailed);
    });
  });

  it('round-trips its primitives', () => {
    const coupon = aCoupon().withId(3).rate(15).build();
    expect(Coupon.fromPrimitives(coupon.toPrimitives()).toPrimitives()).toEqual({
      id: 3,
      name: '1,000 won off',
      discountType: 'RATE',
      discountValue: 15,
      totalQuantity: 100,
      expiresAt: LATER,
    });
  });

  describe('issueTo', () => {
    it('gives the user an AVAILABLE copy with the coupon’s discount and expiry', () => {
      const userCoupon = aCoupon().withId(2).rate(10).build().issueTo(8, NOW);
      expect(userCoupon).toMatchObject({ couponId: 2, userId: 8, issuedAt: NOW, expiresAt: LATER, usedAt: null });
      expect(userCoupon.discount).toMatchObject({ type: 'RATE', value: 10 });
      expect(userCoupon.statusAt(NOW)).toBe('AVAILABLE');
    });

    it('fails with COUPON_EXPIRED from the instant it expires', () => {
      const coupon = aCoupon().withId(2).expiringAt(minutesAfter(NOW, 1)).build();
      expect(coupon.isExpiredAt(minutesAfter(NOW, 1))).toBe(true);
      expect(coupon.issueTo(1, new Date(minutesAfter(NOW, 1).getTime() - 1)).userId).toBe(1);
      const error = failureOf(() => coupon.issueTo(1, minutesAfter(NOW, 1)));
      expect(error.code).toBe(ErrorCode.CouponExpired);
      expect(error.details).toEqual({ couponId: 2 });
    });

    it('refuses an invalid user id as VALIDATION_FAILED', () => {
      expect(failureOf(() => aCoupon().build().issueTo(0, NOW)).code).toBe(ErrorCode.ValidationFailed);
    });
  });

  it('builds its not-found, sold-out and already-issued errors', () => {
    expect(couponNotFound(4)).toMatchObject({ code: ErrorCode.CouponNotFound, details: { couponId: 4 } });
    expect(couponSoldOut(4)).toMatchObject({ code: ErrorCode.CouponSoldOut, details: { couponId: 4 } });
    expect(couponAlreadyIssued(4, 9)).toMatchObject({ code: ErrorCode.CouponAlreadyIssued, details: { couponId: 4, userId: 9 } });
  });
});
