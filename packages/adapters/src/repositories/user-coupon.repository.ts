import type { UserCouponRepository } from '@storefront/application';
import { couponAlreadyIssued, UserCoupon } from '@storefront/domain';
import type { Kysely, Selectable } from 'kysely';
import type { DB, UserCouponsTable } from '../db/database.schema';
import { constraintName, sqlState, UNIQUE_VIOLATION } from '../db/database.errors';

const columns = ['id', 'coupon_id', 'user_id', 'discount_type', 'discount_value', 'issued_at', 'expires_at', 'used_at'] as const;

export class PgUserCouponRepository implements UserCouponRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * A concurrent issue to the same user waits here on the unique index until the first one
   * commits (then fails with COUPON_ALREADY_ISSUED) or rolls back (then goes ahead). The
   * failed statement aborts the transaction; the use case throws, so it rolls back anyway.
   */
  async add(userCoupon: UserCoupon): Promise<UserCoupon> {
    const p = userCoupon;
    try {
      const { id } = await this.db
        .insertInto('user_coupons')
        .values({
          coupon_id: p.couponId,
          user_id: p.userId,
          discount_type: p.discount.type,
          discount_value: p.discount.value,
          issued_at: p.issuedAt,
          expires_at: p.expiresAt,
          used_at: p.usedAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return userCoupon.withId(id);
    } catch (error) {
      if (isSecondCopy(error)) throw couponAlreadyIssued(p.couponId, p.userId);
      throw error;
    }
  }

  async lockById(userCouponId: number): Promise<UserCoupon | null> {
    const row = await this.db.selectFrom('user_coupons').select(columns).where('id', '=', userCouponId).forUpdate().executeTakeFirst();
    return row ? toUserCoupon(row) : null;
  }

  async markReleased(userCoupon: UserCoupon, orderId: number): Promise<void> {
    if (userCoupon.usedAt !== null) throw new Error(`User coupon ${userCoupon.id} has not been released`);
    const { numUpdatedRows } = await this.db
      .updateTable('user_coupons')
      .set({ used_at: null, order_id: null })
      .where('id', '=', userCoupon.id)
      .where('order_id', '=', orderId)
      .executeTakeFirst();
    if (numUpdatedRows !== 1n) throw new Error(`User coupon ${userCoupon.id} was not spent by order ${orderId}`);
  }
}

/** The unique (user, coupon) key refused a second copy to the same user. */
export function isSecondCopy(error: unknown): boolean {
  return sqlState(error) === UNIQUE_VIOLATION && constraintName(error) === 'user_coupons_one_per_user';
}

export function toUserCoupon(row: Pick<Selectable<UserCouponsTable>, (typeof columns)[number]>): UserCoupon {
  return UserCoupon.fromPrimitives({
    id: row.id,
    couponId: row.coupon_id,
    userId: row.user_id,
    discountType: row.discount_type,
    discountValue: row.discount_value,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
  });
}
