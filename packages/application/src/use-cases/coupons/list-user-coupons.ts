import { requireId } from '@storefront/domain';
import type { Clock, CouponQueries, Page, PageRequest, UserCouponView } from '../../ports';

/** A user's coupons, newest first, each AVAILABLE, USED or EXPIRED as of now. */
export class ListUserCoupons {
  constructor(
    private readonly coupons: CouponQueries,
    private readonly clock: Clock,
  ) {}

  async execute(input: { userId: number; page: PageRequest }): Promise<Page<UserCouponView>> {
    return this.coupons.userCouponsOf(requireId(input.userId, 'userId'), input.page, this.clock.now());
  }
}
