-- The SQL of packages/adapters/src/repositories/user-coupon.repository.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgUserCouponRepository.add
-- $1 couponId · $2 userId · $3 discountType · $4 discountValue · $5 issuedAt · $6 expiresAt · $7 = NULL
insert into "user_coupons" ("coupon_id", "user_id", "discount_type", "discount_value", "issued_at", "expires_at", "used_at") values ($1, $2, $3, $4, $5, $6, $7) returning "id";

-- PgUserCouponRepository.lockById
-- $1 userCouponId
select "id", "coupon_id", "user_id", "discount_type", "discount_value", "issued_at", "expires_at", "used_at" from "user_coupons" where "id" = $1 for update;

-- PgUserCouponRepository.markReleased
-- $1 = NULL · $2 = NULL · $3 userCouponId · $4 orderId
update "user_coupons" set "used_at" = $1, "order_id" = $2 where "id" = $3 and "order_id" = $4;
