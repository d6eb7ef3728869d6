import { userCouponView, type CouponQueries, type CouponView, type Page, type PageRequest, type UserCouponView } from '@storefront/application';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { toUserCoupon } from '../repositories/user-coupon.repository';
import { toPage } from './keyset-page';

export class PgCouponQueries implements CouponQueries {
  constructor(private readonly db: Kysely<DB>) {}

  /** remainingQuantity is the committed sum of the coupon's stock shards. */
  async couponById(couponId: number): Promise<CouponView | null> {
    const row = await this.db
      .selectFrom('coupons as c')
      .select(['c.id', 'c.name', 'c.discount_type', 'c.discount_value', 'c.total_quantity', 'c.expires_at'])
      .select((eb) =>
        eb
          .selectFrom('coupon_stock_shards as s')
          .select(sql<number>`coalesce(sum(s.remaining), 0)::bigint`.as('remaining'))
          .whereRef('s.coupon_id', '=', 'c.id')
          .as('remaining'),
      )
      .where('c.id', '=', couponId)
      .executeTakeFirst();
    if (!row) return null;
    return {
      id: row.id,
      name: row.name,
      discountType: row.discount_type,
      discountValue: row.discount_value,
      totalQuantity: row.total_quantity,
      remainingQuantity: row.remaining ?? 0,
      expiresAt: row.expires_at,
    };
  }

  async holds(userId: number, couponId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('user_coupons')
      .select('id')
      .where('user_id', '=', userId)
      .where('coupon_id', '=', couponId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async userCouponsOf(userId: number, page: PageRequest, now: Date): Promise<Page<UserCouponView>> {
    let query = this.db
      .selectFrom('user_coupons')
      .select(['id', 'coupon_id', 'user_id', 'discount_type', 'discount_value', 'issued_at', 'expires_at', 'used_at'])
      .where('user_id', '=', userId);
    if (page.after !== null) query = query.where('id', '<', page.after);
    const rows = await query.orderBy('id', 'desc').limit(page.limit + 1).execute();
    // The domain decides AVAILABLE / USED / EXPIRED, here as in the use cases.
    return toPage(rows, page, (row) => row.id, (row) => userCouponView(toUserCoupon(row), now));
  }
}
