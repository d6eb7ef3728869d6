import { describe, expect, it } from 'vitest';
import { aCoupon, aUserCoupon, failureOf, LATER, minutesAfter, NOW } from '../../test/mothers';
import { ErrorCode } from '../shared/domain-error';
import { userCouponNotUsable } from './user-coupon';

describe('UserCoupon', () => {
  it('reads AVAILABLE before expiry, EXPIRED from the expiry instant, USED once spent', () => {
    const userCoupon = aUserCoupon().expiringAt(LATER).build();
    expect(userCoupon.statusAt(NOW)).toBe('AVAILABLE');
    expect(userCoupon.statusAt(new Date(LATER.getTime() - 1))).toBe('AVAILABLE');
    expect(userCoupon.statusAt(LATER)).toBe('EXPIRED');
    expect(aUserCoupon().usedAt(NOW).build().statusAt(LATER)).toBe('USED');
  });

  it('is released by a cancellation: AVAILABLE again before its expiry, EXPIRED after it', () => {
    const userCoupon = aUserCoupon().ownedBy(5).expiringAt(LATER).usedAt(NOW).build();
    userCoupon.release();
    expect(userCoupon.usedAt).toBeNull();
    expect(userCoupon.statusAt(NOW)).toBe('AVAILABLE');
    expect(userCoupon.statusAt(LATER)).toBe('EXPIRED');
    expect(() => userCoupon.release()).toThrow(/was not used/);
  });

  it('is spent by its owner once: answers the discount and reads USED', () => {
    const userCoupon = aUserCoupon().ownedBy(5).withDiscount('RATE', 20).build();
    expect(userCoupon.useFor(5, NOW)).toMatchObject({ type: 'RATE', value: 20 });
    expect(userCoupon.usedAt).toBe(NOW);
    expect(userCoupon.statusAt(NOW)).toBe('USED');
  });

  it.each([
    ['another user', () => aUserCoupon().withId(3).ownedBy(5).build(), 6],
    ['an already used copy', () => aUserCoupon().withId(3).ownedBy(5).usedAt(NOW).build(), 5],
    ['an expired copy', () => aUserCoupon().withId(3).ownedBy(5).expiringAt(NOW).build(), 5],
  ])('fails with COUPON_NOT_USABLE for %s, changing nothing', (_what, build, userId) => {
    const userCoupon = build();
    const before = userCoupon.toPrimitives();
    const error = failureOf(() => userCoupon.useFor(userId, NOW));
    expect(error.code).toBe(ErrorCode.CouponNotUsable);
    expect(error.details).toEqual({ userCouponId: 3 });
    expect(userCoupon.toPrimitives()).toEqual(before);
  });

  it('has no id until saved, and keeps everything else when it gets one', () => {
    const issued = aCoupon().build().issueTo(1, NOW);
    expect(() => issued.id).toThrow(/not been saved/);
    const saved = issued.withId(11);
    expect(saved.toPrimitives()).toEqual({
      id: 11,
      couponId: 1,
      userId: 1,
      discountType: 'FIXED',
      discountValue: 1_000,
      issuedAt: NOW,
      expiresAt: LATER,
      usedAt: null,
    });
    expect(saved.id).toBe(11);
  });

  it('does not share its state with the copy it was rebuilt from', () => {
    const userCoupon = aUserCoupon().build();
    const primitives = userCoupon.toPrimitives();
    userCoupon.useFor(1, minutesAfter(NOW, 1));
    expect(primitives.usedAt).toBeNull();
  });

  it('builds its not-usable error', () => {
    expect(userCouponNotUsable(8)).toMatchObject({ code: ErrorCode.CouponNotUsable, details: { userCouponId: 8 } });
  });
});
