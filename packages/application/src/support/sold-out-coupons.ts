import type { Coupon } from '@storefront/domain';

interface SoldOutCoupon {
  coupon: Coupon;
  holders: ReadonlySet<number>;
}

/**
 * Coupons this process has seen sold out, with the users who hold them. A coupon's units left
 * only ever go down and an issued copy is never taken back, so once the committed units left are
 * 0 both facts are final, for every instance at once: remembering them is never stale. In a
 * rush, the thousands who come after the last unit are then refused — sold out, or already
 * issued to those who hold one — without a database round trip.
 */
export class SoldOutCoupons {
  /** Above this many units, the holders are not worth keeping in memory. */
  static readonly MAX_REMEMBERED_UNITS = 100_000;

  private readonly coupons = new Map<number, SoldOutCoupon>();

  constructor(private readonly capacity = 1_000) {}

  worthRemembering(coupon: Coupon): boolean {
    return coupon.totalQuantity <= SoldOutCoupons.MAX_REMEMBERED_UNITS;
  }

  remember(coupon: Coupon, holders: Iterable<number>): void {
    // Bounded: forgetting is safe, the next request just asks the database again.
    if (this.coupons.size >= this.capacity) this.coupons.clear();
    this.coupons.set(coupon.id, { coupon, holders: new Set(holders) });
  }

  find(couponId: number): SoldOutCoupon | undefined {
    return this.coupons.get(couponId);
  }
}
