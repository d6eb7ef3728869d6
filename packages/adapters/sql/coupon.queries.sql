-- The SQL of packages/adapters/src/queries/coupon.queries.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgCouponQueries.couponById
-- $1 couponId
select "c"."id", "c"."name", "c"."discount_type", "c"."discount_value", "c"."total_quantity", "c"."expires_at", (select coalesce(sum(s.remaining), 0)::bigint as "remaining" from "coupon_stock_shards" as "s" where "s"."coupon_id" = "c"."id") as "remaining" from "coupons" as "c" where "c"."id" = $1;

-- PgCouponQueries.coupons: next page
-- $1 after · $2 limit + 1
select "c"."id", "c"."name", "c"."discount_type", "c"."discount_value", "c"."total_quantity", "c"."expires_at", (select coalesce(sum(s.remaining), 0)::bigint as "remaining" from "coupon_stock_shards" as "s" where "s"."coupon_id" = "c"."id") as "remaining" from "coupons" as "c" where "c"."id" < $1 order by "c"."id" desc limit $2;

-- PgCouponQueries.couponSeenBy
-- $1 userId · $2 couponId
select "c"."id", "c"."name", "c"."discount_type", "c"."discount_value", "c"."total_quantity", "c"."expires_at", (select coalesce(sum(s.remaining), 0)::bigint as "remaining" from "coupon_stock_shards" as "s" where "s"."coupon_id" = "c"."id") as "remaining", exists (select "uc"."id" from "user_coupons" as "uc" where "uc"."user_id" = $1 and "uc"."coupon_id" = "c"."id") as "held" from "coupons" as "c" where "c"."id" = $2;

-- PgCouponQueries.holdersOf
-- $1 couponId
select "user_id" from "user_coupons" where "coupon_id" = $1;

-- PgCouponQueries.userCouponsOf: next page
-- $1 userId · $2 after · $3 limit + 1
select "id", "coupon_id", "user_id", "discount_type", "discount_value", "issued_at", "expires_at", "used_at" from "user_coupons" where "user_id" = $1 and "id" < $2 order by "id" desc limit $3;
