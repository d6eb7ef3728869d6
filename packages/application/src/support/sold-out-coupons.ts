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
  /** Holders being loaded, per coupon: the requests that see it sold out meanwhile share one load. */
  private readonly loading = new Map<number, Promise<void>>();

  constructor(private readonly capacity = 1_000) {}

  private worthRemembering(coupon: Coupon): boolean {
    return coupon.totalQuantity <= SoldOutCoupons.MAX_REMEMBERED_UNITS;
  }

  private remember(coupon: Coupon, holders: Iterable<number>): void {
    // Bounded: forgetting is safe, the next request just asks the database again.
    if (this.coupons.size >= this.capacity) this.coupons.clear();
    this.coupons.set(coupon.id, { coupon, holders: new Set(holders) });
  }

  /**
   * Remembers a coupon just read sold out, loading its holders once however many requests see it
   * at the same moment (the latecomers a gate wakes at once, when the last unit is issued). A
   * failed load is forgotten: the read already said sold out, the memory only saves later reads.
   */
  async rememberSoldOut(coupon: Coupon, holdersOf: (couponId: number) => Promise<Iterable<number>>): Promise<void> {
    if (!this.worthRemembering(coupon) || this.coupons.has(coupon.id)) return;
    let load = this.loading.get(coupon.id);
    if (!load) {
      load = holdersOf(coupon.id)
        .then((holders) => this.remember(coupon, holders))
        .catch(() => undefined)
        .finally(() => this.loading.delete(coupon.id));
      this.loading.set(coupon.id, load);
    }
    await load;
  }

  find(couponId: number): SoldOutCoupon | undefined {
    return this.coupons.get(couponId);
  }
}
