-- The SQL of packages/adapters/src/repositories/coupon.repository.ts, compiled by `pnpm sql:snapshot`. Do not edit:
-- a unit test fails when this file and the code disagree.

-- PgCouponRepository.add [1/2]
-- $1 name · $2 discountType · $3 discountValue · $4 totalQuantity · $5 expiresAt
insert into "coupons" ("name", "discount_type", "discount_value", "total_quantity", "expires_at") values ($1, $2, $3, $4, $5) returning "id", "name", "discount_type", "discount_value", "total_quantity", "expires_at";

-- PgCouponRepository.add [2/2]
-- $1 couponId · $2 total / shards · $3 total mod shards · $4 shards - 1
insert into coupon_stock_shards (coupon_id, shard_no, remaining)
select $1, n, $2 + (case when n < $3 then 1 else 0 end)
from generate_series(0, $4) as n;

-- PgCouponRepository.remainingQuantity
-- $1 couponId
select coalesce(sum(remaining), 0)::bigint as "remaining" from "coupon_stock_shards" where "coupon_id" = $1;

-- PgCouponRepository.claimUnit: a free shard
-- $1 couponId · $2 startShard
with picked as (
  select coupon_id, shard_no from coupon_stock_shards
  where coupon_id = $1 and remaining > 0
  order by shard_no >= $2 desc, shard_no
  limit 1
  for update skip locked
)
update coupon_stock_shards s set remaining = s.remaining - 1
from picked
where s.coupon_id = picked.coupon_id and s.shard_no = picked.shard_no
returning s.remaining;

-- PgCouponRepository.claimUnit: every shard with units held, waits for one [1/3]
-- $1 couponId · $2 startShard
with picked as (
  select coupon_id, shard_no from coupon_stock_shards
  where coupon_id = $1 and remaining > 0
  order by shard_no >= $2 desc, shard_no
  limit 1
  for update skip locked
)
update coupon_stock_shards s set remaining = s.remaining - 1
from picked
where s.coupon_id = picked.coupon_id and s.shard_no = picked.shard_no
returning s.remaining;

-- PgCouponRepository.claimUnit: every shard with units held, waits for one [2/3]
-- $1 couponId
select coalesce(sum(remaining), 0)::bigint as "remaining" from "coupon_stock_shards" where "coupon_id" = $1;

-- PgCouponRepository.claimUnit: every shard with units held, waits for one [3/3]
-- $1 couponId
with picked as (
  select coupon_id, shard_no from coupon_stock_shards
  where coupon_id = $1 and remaining > 0
  order by shard_no
  limit 1
  for update
)
update coupon_stock_shards s set remaining = s.remaining - 1
from picked
where s.coupon_id = picked.coupon_id and s.shard_no = picked.shard_no
returning s.remaining;

-- PgCouponRepository.issueUnit: a free shard
-- $1 couponId · $2 userId · $3 discountType · $4 discountValue · $5 issuedAt · $6 expiresAt · $7 = NULL · $8 couponId · $9 startShard
with copy as (
  insert into user_coupons (coupon_id, user_id, discount_type, discount_value, issued_at, expires_at, used_at)
  values ($1, $2, $3, $4, $5, $6, $7)
  returning id
),
picked as (
  select coupon_id, shard_no from coupon_stock_shards
  where coupon_id = $8 and remaining > 0
  order by shard_no >= $9 desc, shard_no
  limit 1
  for update skip locked
),
claimed as (
  update coupon_stock_shards s set remaining = s.remaining - 1
  from picked
  where s.coupon_id = picked.coupon_id and s.shard_no = picked.shard_no
  returning s.remaining
)
select copy.id, exists (select from claimed) as claimed from copy;

-- PgCouponRepository.issueUnit: every shard with units held, waits for one [1/3]
-- $1 couponId · $2 userId · $3 discountType · $4 discountValue · $5 issuedAt · $6 expiresAt · $7 = NULL · $8 couponId · $9 startShard
with copy as (
  insert into user_coupons (coupon_id, user_id, discount_type, discount_value, issued_at, expires_at, used_at)
  values ($1, $2, $3, $4, $5, $6, $7)
  returning id
),
picked as (
  select coupon_id, shard_no from coupon_stock_shards
  where coupon_id = $8 and remaining > 0
  order by shard_no >= $9 desc, shard_no
  limit 1
  for update skip locked
),
claimed as (
  update coupon_stock_shards s set remaining = s.remaining - 1
  from picked
  where s.coupon_id = picked.coupon_id and s.shard_no = picked.shard_no
  returning s.remaining
)
select copy.id, exists (select from claimed) as claimed from copy;

-- PgCouponRepository.issueUnit: every shard with units held, waits for one [2/3]
-- $1 couponId
select coalesce(sum(remaining), 0)::bigint as "remaining" from "coupon_stock_shards" where "coupon_id" = $1;

-- PgCouponRepository.issueUnit: every shard with units held, waits for one [3/3]
-- $1 couponId
with picked as (
  select coupon_id, shard_no from coupon_stock_shards
  where coupon_id = $1 and remaining > 0
  order by shard_no
  limit 1
  for update
)
update coupon_stock_shards s set remaining = s.remaining - 1
from picked
where s.coupon_id = picked.coupon_id and s.shard_no = picked.shard_no
returning s.remaining;
