import { userCouponView, type CouponQueries, type CouponView, type Page, type PageRequest, type UserCouponView } from '@storefront/application';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/database.schema';
import { toUserCoupon } from '../repositories/user-coupon.repository';
import { toPage } from './keyset.pagination';

export class PgCouponQueries implements CouponQueries {
  constructor(private readonly db: Kysely<DB>) {}

  /** remainingQuantity is the committed sum of the coupon's stock shards. */
  async couponById(couponId: number): Promise<CouponView | null> {
    const row = await this.couponWithRemaining(couponId).executeTakeFirst();
    return row ? toCouponView(row) : null;
  }

  async coupons(page: PageRequest): Promise<Page<CouponView>> {
    let query = this.couponsWithRemaining();
    if (page.after !== null) query = query.where('c.id', '<', page.after);
    const rows = await query.orderBy('c.id', 'desc').limit(page.limit + 1).execute();
    return toPage(rows, page, (row) => row.id, toCouponView);
  }

  async couponSeenBy(couponId: number, userId: number): Promise<(CouponView & { heldByUser: boolean }) | null> {
    const row = await this.couponWithRemaining(couponId)
      .select((eb) =>
        eb
          .exists(eb.selectFrom('user_coupons as uc').select('uc.id').where('uc.user_id', '=', userId).whereRef('uc.coupon_id', '=', 'c.id'))
          .as('held'),
      )
      .executeTakeFirst();
    return row ? { ...toCouponView(row), heldByUser: Boolean(row.held) } : null;
  }

  async holdersOf(couponId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('user_coupons').select('user_id').where('coupon_id', '=', couponId).execute();
    return rows.map((row) => row.user_id);
  }

  private couponWithRemaining(couponId: number) {
    return this.couponsWithRemaining().where('c.id', '=', couponId);
  }

  /** Coupons with the units left, summed over their stock shards. */
  private couponsWithRemaining() {
    return this.db
      .selectFrom('coupons as c')
      .select(['c.id', 'c.name', 'c.discount_type', 'c.discount_value', 'c.total_quantity', 'c.expires_at'])
      .select((eb) =>
        eb
          .selectFrom('coupon_stock_shards as s')
          .select(sql<number>`coalesce(sum(s.remaining), 0)::bigint`.as('remaining'))
          .whereRef('s.coupon_id', '=', 'c.id')
          .as('remaining'),
      );
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

function toCouponView(row: {
  id: number;
  name: string;
  discount_type: CouponView['discountType'];
  discount_value: number;
  total_quantity: number;
  expires_at: Date;
  remaining: number | null;
}): CouponView {
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
