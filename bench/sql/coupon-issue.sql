-- Issuing a coupon: the statements IssueCoupon runs through the Kysely repositories
-- (packages/application/src/use-cases/coupons/issue-coupon.ts, repositories/coupon.repository.ts):
-- the coupon read, the "already holds one?" and "any left?" refusals, the user's copy inserted,
-- then one unit claimed last from a free shard (FOR UPDATE SKIP LOCKED, random start).
-- Refusals roll back as the service does. Two differences, both to keep pgbench clients alive
-- (pgbench aborts a client on any SQL error): the insert says ON CONFLICT DO NOTHING where the
-- service lets the unique index fail a concurrent duplicate, and a claim that finds every
-- free shard busy is not followed by the service's wait-for-a-shard round.
-- Variables: -D users=<n> -D coupon=<id>.
\set u random(1, :users)
\set start random(0, 31)
BEGIN;
SELECT id, name, discount_type, discount_value, total_quantity, expires_at FROM coupons WHERE id = :coupon;
SELECT count(*) AS held FROM user_coupons WHERE user_id = :u AND coupon_id = :coupon \gset
\if :held > 0
ROLLBACK;
\else
SELECT coalesce(sum(remaining), 0)::bigint AS remaining FROM coupon_stock_shards WHERE coupon_id = :coupon \gset
\if :remaining = 0
ROLLBACK;
\else
INSERT INTO user_coupons (coupon_id, user_id, discount_type, discount_value, issued_at, expires_at, used_at)
  VALUES (:coupon, :u, 'FIXED', 1000, now(), now() + interval '30 days', NULL)
  ON CONFLICT (user_id, coupon_id) DO NOTHING RETURNING id;
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
\endif
