import { Coupon, couponAlreadyIssued, couponNotFound, couponSoldOut, requireId } from '@storefront/domain';
import type { Clock, CouponQueries, CouponView, UnitOfWork, UserCouponView } from '../../ports';
import { couponUnitsKey, type ContendedUnits } from '../../support/contended-units';
import type { SharedReads } from '../../support/shared-reads';
import type { SoldOutCoupons } from '../../support/sold-out-coupons';
import { userCouponView } from '../../support/views.mapper';

/**
 * First come, first served: never more than the coupon's total, at most one per user.
 *
 * A coupon's terms never change and its units left only ever go down, so both are read before
 * any transaction — one read for all the requests for that coupon waiting at that moment
 * (`SharedReads`: in a rush they would otherwise queue on the pool ahead of every transaction).
 * Once a coupon is seen sold out, this process remembers it with its holders (`SoldOutCoupons`,
 * both final by then) and refuses the latecomers of a rush without asking the database at all.
 *
 * Everyone else writes their own copy and claims the contended resource — a unit of the coupon's
 * stock — in one statement, right before commit, so the unit is held as briefly as possible. The
 * unique (user, coupon) key refuses a second copy (so a user who already holds one is told so
 * there, also between concurrent requests); if no unit is left, the whole transaction rolls back,
 * the user's copy with it.
 *
 * Between the read and the transaction stands this process's gate of contended units
 * (`ContendedUnits`): once the transactions in progress here hold every unit the read says is
 * left, a latecomer waits in memory (no connection held) instead of opening a transaction that
 * can only fail, and when woken starts over from the sold-out memory and a fresh read. The gate
 * only delays; the claim and its CHECK still decide.
 */
export class IssueCoupon {
  constructor(
    private readonly transactions: UnitOfWork,
    private readonly coupons: CouponQueries,
    private readonly clock: Clock,
    /** This process's memory of sold-out coupons, shared by every IssueCoupon of the process. */
    private readonly soldOut: SoldOutCoupons,
    /** This process's admission gate of contended units, shared by every use case of the process. */
    private readonly contended: ContendedUnits,
    /** This process's single flight of coupon reads (terms and units left), by coupon id. */
    private readonly couponReads: SharedReads<number, CouponView | null>,
  ) {}

  async execute(input: { userId: number; couponId: number }): Promise<UserCouponView> {
    const userId = requireId(input.userId, 'userId');
    const couponId = requireId(input.couponId, 'couponId');

    return this.contended.through(
      async () => {
        const now = this.clock.now(); // again after a wait: the coupon may have expired meanwhile
        const remembered = this.soldOut.find(couponId);
        if (remembered) {
          remembered.coupon.ensureOpenAt(now);
          throw remembered.holders.has(userId) ? couponAlreadyIssued(couponId, userId) : couponSoldOut(couponId);
        }

        const seen = await this.couponReads.read(couponId, () => this.coupons.couponById(couponId));
        if (!seen) throw couponNotFound(couponId);
        const coupon = Coupon.fromPrimitives(seen);
        coupon.ensureOpenAt(now);
        if (seen.remainingQuantity === 0) {
          await this.soldOut.rememberSoldOut(coupon, (id) => this.coupons.holdersOf(id));
          throw (await this.holds(userId, couponId)) ? couponAlreadyIssued(couponId, userId) : couponSoldOut(couponId);
        }
        return { coupon, now, claims: [{ key: couponUnitsKey(couponId), units: 1, known: seen.remainingQuantity }] };
      },
      ({ coupon, now }) =>
        this.transactions.run(async (tx) => {
          const saved = await tx.coupons.issueUnit(coupon.issueTo(userId, now));
          if (!saved) throw couponSoldOut(couponId);
          return userCouponView(saved, now);
        }),
    );
  }

  /** Whether the user holds a copy of a sold-out coupon: remembered, or else asked. */
  private async holds(userId: number, couponId: number): Promise<boolean> {
    const remembered = this.soldOut.find(couponId);
    if (remembered) return remembered.holders.has(userId);
    return (await this.coupons.couponSeenBy(couponId, userId))?.heldByUser ?? false;
  }
}
