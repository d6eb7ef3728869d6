-- Issuing a coupon: the statements IssueCoupon runs (packages/application/src/use-cases/coupons/
-- issue-coupon.ts, adapters' queries/coupon.queries.ts and repositories/coupon.repository.ts):
-- one read outside any transaction — the coupon's terms, its units left and whether the user
-- already holds one — answers every refusal; otherwise the user's copy is inserted and one unit
-- claimed last from a free shard (FOR UPDATE SKIP LOCKED, random start) in one transaction.
-- (The service also remembers a sold-out coupon in the process and then refuses without any
-- read; the everyday coupon of the mixed day never sells out, so that path is not exercised.)
-- Two differences, both to keep pgbench clients alive (pgbench aborts a client on any SQL
-- error): the insert says ON CONFLICT DO NOTHING where the service lets the unique (user,
-- coupon) key fail a racing second copy, and a claim that finds every free shard busy is not
-- followed by the service's wait-for-a-shard round.
-- Variables: -D users=<n> -D coupon=<id>.
\set u random(1, :users)
\set start random(0, 31)
-- PgCouponQueries.couponSeenBy
SELECT c.id, c.name, c.discount_type, c.discount_value, c.total_quantity, c.expires_at,
       (SELECT coalesce(sum(s.remaining), 0)::bigint FROM coupon_stock_shards s WHERE s.coupon_id = c.id) AS remaining,
       EXISTS (SELECT uc.id FROM user_coupons uc WHERE uc.user_id = :u AND uc.coupon_id = c.id)::int AS held
  FROM coupons c WHERE c.id = :coupon \gset c_
\if :c_held = 0 and :c_remaining > 0
-- open-database.ts: BEGIN carries the per-transaction guards in its round trip
BEGIN \; SET LOCAL lock_timeout = '3000ms' \; SET LOCAL statement_timeout = '30000ms';
-- KyselyUnitOfWork.run: the transaction takes its id first (the midnight horizon)
SELECT pg_current_xact_id();
-- PgUserCouponRepository.add
INSERT INTO user_coupons (coupon_id, user_id, discount_type, discount_value, issued_at, expires_at, used_at)
  VALUES (:coupon, :u, 'FIXED', 1000, now(), now() + interval '30 days', NULL)
  ON CONFLICT (user_id, coupon_id) DO NOTHING RETURNING id;
-- PgCouponRepository.claimUnit, step 1
WITH picked AS (
  SELECT coupon_id, shard_no FROM coupon_stock_shards
  WHERE coupon_id = :coupon AND remaining > 0
  ORDER BY shard_no >= :start DESC, shard_no
  LIMIT 1
  FOR UPDATE SKIP LOCKED
)
UPDATE coupon_stock_shards s SET remaining = s.remaining - 1
  FROM picked WHERE s.coupon_id = picked.coupon_id AND s.shard_no = picked.shard_no
  RETURNING s.remaining;
COMMIT;
\endif
