import type { CouponQueries, CouponView, Page, PageRequest } from '../../ports';

/** Every coupon, newest first, with the units left: the admin's view. */
export class ListCoupons {
  constructor(private readonly coupons: CouponQueries) {}

  async execute(input: { page: PageRequest }): Promise<Page<CouponView>> {
    return this.coupons.coupons(input.page);
  }
}
