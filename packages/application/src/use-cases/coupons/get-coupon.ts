import { couponNotFound, requireId } from '@storefront/domain';
import type { CouponQueries, CouponView } from '../../ports';

export class GetCoupon {
  constructor(private readonly coupons: CouponQueries) {}

  async execute(input: { couponId: number }): Promise<CouponView> {
    const couponId = requireId(input.couponId, 'couponId');
    const coupon = await this.coupons.couponById(couponId);
    if (!coupon) throw couponNotFound(couponId);
    return coupon;
  }
}
