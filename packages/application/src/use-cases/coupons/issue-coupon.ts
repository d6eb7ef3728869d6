import { Coupon, couponAlreadyIssued, couponNotFound, couponSoldOut, requireId } from '@storefront/domain';
import type { Clock, CouponQueries, UnitOfWork, UserCouponView } from '../../ports';
import { userCouponView } from '../../support/views.mapper';

/**
 * First come, first served: never more than the coupon's total, at most one per user.
 *
 * A coupon's terms never change and its units left only ever go down, so both — and whether the
 * user already holds a copy — are read before any transaction: in a rush, the nine shoppers in
 * ten who come after the last unit are refused with one read and no transaction at all. Everyone else writes their own copy first (the
 * unique (user, coupon) key refuses a second one) and claims the contended resource — a unit of
 * the coupon's stock — last, right before commit, so it is held as briefly as possible. If the
 * claim fails, the whole transaction rolls back, the user's copy with it.
 */
export class IssueCoupon {
  constructor(
    private readonly transactions: UnitOfWork,
    private readonly coupons: CouponQueries,
    private readonly clock: Clock,
  ) {}

  async execute(input: { userId: number; couponId: number }): Promise<UserCouponView> {
    const userId = requireId(input.userId, 'userId');
    const couponId = requireId(input.couponId, 'couponId');
    const now = this.clock.now();
    const seen = await this.coupons.couponSeenBy(couponId, userId);
    if (!seen) throw couponNotFound(couponId);
    const issued = Coupon.fromPrimitives(seen).issueTo(userId, now);
    if (seen.heldByUser) throw couponAlreadyIssued(couponId, userId);
    if (seen.remainingQuantity === 0) throw couponSoldOut(couponId);

    return this.transactions.run(async (tx) => {
      const saved = await tx.userCoupons.add(issued);
      if (!(await tx.coupons.claimUnit(couponId))) throw couponSoldOut(couponId);
      return userCouponView(saved, now);
    });
  }
}
