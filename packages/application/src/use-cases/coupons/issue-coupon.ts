import { couponAlreadyIssued, couponNotFound, couponSoldOut, requireId } from '@storefront/domain';
import type { Clock, UnitOfWork, UserCouponView } from '../../ports';
import { userCouponView } from '../../support/views.mapper';

/**
 * First come, first served: never more than the coupon's total, at most one per user.
 *
 * Cheap refusals come first (unknown, expired, already held, nothing left), before anything is
 * written. The user's own row is written next, and the contended resource (a unit of the
 * coupon's stock) is claimed last, right before commit, so it is held as briefly as possible.
 * If the claim fails the whole transaction rolls back, the user's copy with it.
 */
export class IssueCoupon {
  constructor(
    private readonly transactions: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  async execute(input: { userId: number; couponId: number }): Promise<UserCouponView> {
    const userId = requireId(input.userId, 'userId');
    const couponId = requireId(input.couponId, 'couponId');
    return this.transactions.run(async (tx) => {
      const now = this.clock.now();
      const coupon = await tx.coupons.findById(couponId);
      if (!coupon) throw couponNotFound(couponId);
      const issued = coupon.issueTo(userId, now);
      if (await tx.userCoupons.holds(userId, couponId)) throw couponAlreadyIssued(couponId, userId);
      if ((await tx.coupons.remainingQuantity(couponId)) === 0) throw couponSoldOut(couponId);

      const saved = await tx.userCoupons.add(issued);
      if (!(await tx.coupons.claimUnit(couponId))) throw couponSoldOut(couponId);
      return userCouponView(saved, now);
    });
  }
}
